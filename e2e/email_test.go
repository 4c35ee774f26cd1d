package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"roster/e2e/mailsink"
)

// startWithMail runs Roster delivering to an in-process SMTP server.
func startWithMail(t *testing.T) (*app, *mailsink.Sink) {
	t.Helper()
	sink, err := mailsink.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Stop() })
	return startRoster(t, "--smtp-url", "smtp://"+sink.Addr), sink
}

var linkRE = regexp.MustCompile(`http://\S+token=[A-Za-z0-9_-]+`)

// mailLink waits for an email and returns the link in it.
func mailLink(t *testing.T, sink *mailsink.Sink, to, subject string) (string, mailsink.Message) {
	t.Helper()
	m, err := sink.Wait(to, subject, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	link := linkRE.FindString(m.Text)
	if link == "" {
		t.Fatalf("no link in %q", m.Text)
	}
	return link, m
}

func goTo(t *testing.T, page playwright.Page, url string) {
	t.Helper()
	if _, err := page.Goto(url); err != nil {
		t.Fatal(err)
	}
	checkA11y(t, page)
}

// An administrator resets a user's password; the user follows the emailed
// link, is told why a weak password is refused, sets a good one, signs in,
// and finds the link used up. Then the same user forgets it again and
// resets from the sign-in page.
func TestPasswordResetByEmail(t *testing.T) {
	t.Parallel()
	a, sink := startWithMail(t)
	admin := newPage(t)
	admin.OnDialog(func(d playwright.Dialog) { _ = d.Accept() })
	signIn(t, admin, a, "admin", a.OwnerPassword)
	createUsers(t, admin, a, "ada,ada@example.com,Ada Lovelace\n")
	visit(t, admin, a, "/users")
	waitLoaded(t, admin)
	selectUsers(t, admin, "ada")
	click(t, role(admin, "button", "Reset password of selected"))
	mustSee(t, role(admin, "heading", "Send a password reset to 1 user?"), "the reset confirmation")
	checkA11y(t, admin)
	click(t, role(admin, "button", "Send a password reset to 1 user"))
	mustSee(t, role(admin, "heading", "Sent a password reset to 1 user"), "the reset outcome")

	link, m := mailLink(t, sink, "ada@example.com", "Reset your password for Default")
	if !strings.Contains(m.HTML, "Choose a new password") || !strings.Contains(m.Text, "expires in 1 hour") {
		t.Fatalf("email = %+v", m)
	}
	user := newPage(t)
	goTo(t, user, link)
	mustSee(t, role(user, "heading", "Choose a new password"), "the reset page")
	mustSee(t, user.GetByText("At least 10 characters."), "the policy beside the field")
	fill(t, user.GetByLabel("New password", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}), "lowercaseonly")
	fill(t, user.GetByLabel("New password again"), "lowercaseonly")
	click(t, role(user, "button", "Set password"))
	mustSee(t, user.GetByText("Password must mix at least 3 of").First(), "why the password was refused")
	checkA11y(t, user)
	fill(t, user.GetByLabel("New password", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}), "Analytical-Engine-1843")
	fill(t, user.GetByLabel("New password again"), "Analytical-Engine-1843")
	click(t, role(user, "button", "Set password"))
	mustSee(t, role(user, "heading", "Password set"), "the password set page")
	click(t, role(user, "link", "Sign in"))
	fill(t, user.GetByLabel("Username or email"), "ada")
	fill(t, user.GetByLabel("Password"), "Analytical-Engine-1843")
	click(t, role(user, "button", "Sign in"))
	mustSee(t, role(user, "heading", "Your account"), "the signed-in profile")
	checkA11y(t, user)
	click(t, role(user, "button", "Sign out"))
	goTo(t, user, link)
	mustSee(t, user.GetByText("This link has already been used."), "the used link")

	// Forgot password, from the sign-in page.
	goTo(t, user, a.URL+"/account/default/login")
	click(t, role(user, "link", "Forgot your password?"))
	checkA11y(t, user)
	fill(t, user.GetByLabel("Username or email"), "ada@example.com")
	click(t, role(user, "button", "Send me a link"))
	mustSee(t, user.GetByText("If an account matches, we have sent a link"), "the forgot answer")
	// The second reset email: wait for it, then take its link.
	deadline := time.Now().Add(20 * time.Second)
	for len(sink.Messages()) < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	msgs := sink.Messages()
	if len(msgs) < 2 {
		t.Fatal("no email after forgot password")
	}
	link = linkRE.FindString(msgs[len(msgs)-1].Text)
	goTo(t, user, link)
	fill(t, user.GetByLabel("New password", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}), "Difference-Engine-1822")
	fill(t, user.GetByLabel("New password again"), "Difference-Engine-1822")
	click(t, role(user, "button", "Set password"))
	mustSee(t, role(user, "heading", "Password set"), "the second reset")
}

// An invited pending user sets a first password, confirms their address
// by typing the emailed code, and, asked to, changes the password at the
// next sign-in before anything else.
func TestInvitationVerificationAndForcedChange(t *testing.T) {
	t.Parallel()
	a, sink := startWithMail(t)
	admin := newPage(t)
	signIn(t, admin, a, "admin", a.OwnerPassword)
	visit(t, admin, a, "/users/new")
	fill(t, admin.GetByLabel("Username"), "grace")
	fill(t, admin.GetByLabel("Email", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}), "grace@example.com")
	if err := admin.GetByLabel("Email an invitation to choose a password (valid 72 hours)").Check(); err != nil {
		t.Fatal(err)
	}
	click(t, role(admin, "button", "Create user"))
	mustSee(t, admin.GetByText("User grace created."), "the created user")
	mustSee(t, admin.GetByText("pending").First(), "grace pending")
	graceURL := admin.URL()

	link, _ := mailLink(t, sink, "grace@example.com", "You are invited to Default")
	user := newPage(t)
	goTo(t, user, link)
	fill(t, user.GetByLabel("New password", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}), "Compiler-Pioneer-1952")
	fill(t, user.GetByLabel("New password again"), "Compiler-Pioneer-1952")
	click(t, role(user, "button", "Set password"))
	mustSee(t, role(user, "heading", "Password set"), "the first password")
	goTo(t, admin, graceURL)
	mustSee(t, admin.GetByText("enabled").First(), "grace enabled")
	tab(t, admin, "Access")

	// The administrator sends a verification and asks for a new password.
	click(t, role(admin, "button", "Send verification email"))
	mustSee(t, admin.GetByText("Verification email sent to grace@example.com."), "the verification sent")
	_, m := mailLink(t, sink, "grace@example.com", "Confirm your email address")
	code := regexp.MustCompile(`code on your account page: (\d{6})`).FindStringSubmatch(m.Text)
	if code == nil {
		t.Fatalf("no code in %q", m.Text)
	}
	if err := admin.GetByLabel("Change password at next sign-in").Check(); err != nil {
		t.Fatal(err)
	}
	click(t, role(admin, "button", "Save sign-in requirements"))
	mustSee(t, admin.GetByText("Sign-in requirements saved."), "the forced change saved")
	click(t, role(admin, "button", "Send password reset"))
	mustSee(t, admin.GetByText("Password reset sent to grace@example.com."), "the reset sent")

	goTo(t, user, a.URL+"/account/default/login")
	fill(t, user.GetByLabel("Username or email"), "grace")
	fill(t, user.GetByLabel("Password"), "Compiler-Pioneer-1952")
	click(t, role(user, "button", "Sign in"))
	mustSee(t, role(user, "heading", "Choose a new password to continue"), "the forced change")
	checkA11y(t, user)
	visit(t, user, a, "/account/default/")
	mustSee(t, role(user, "heading", "Choose a new password to continue"), "nothing else before the change")
	fill(t, user.GetByLabel("New password", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}), "Nanoseconds-Wire-1967")
	fill(t, user.GetByLabel("New password again"), "Nanoseconds-Wire-1967")
	click(t, role(user, "button", "Set password"))
	mustSee(t, user.GetByText("Your password is changed."), "the changed password")

	fill(t, user.GetByLabel("6-digit code from the email"), code[1])
	click(t, role(user, "button", "Confirm"))
	mustSee(t, user.GetByText("Your email address is confirmed."), "the confirmed address")
	mustSee(t, user.GetByText("confirmed", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}), "the confirmed badge")
	checkA11y(t, user)
}
