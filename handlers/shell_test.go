package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"roster/store"
)

// The console opens on its home page: users by status (with a chart drawn
// on the server), pending work and the latest changes, each linking to
// where the work is done.
func TestHomePage(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	soon := time.Now().Add(3 * 24 * time.Hour)
	if _, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", Password: "First-password-1",
		AccountExpiresAt: &soon}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "grace", Email: "grace@example.com", Invite: true}); err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	wantPage(t, b.get("/"), http.StatusOK,
		`<a href="/" aria-current="page">Home</a>`,
		`<svg class="chart home-chart"`, `aria-label="Users by status: Enabled 1, Pending 1, Disabled 0"`,
		`<a href="/settings/email?status=queued">1 queued email</a>`, "No mail server is configured",
		"1 user&#39;s access ends within 14 days", "(in 3 days)",
		`href="/audit?target_id=`, `<a href="/audit">Open the audit log</a>`)

	// A tenant without users says how to start.
	other := a.browser(t)
	other.mustSignIn("owner-other")
	wantPage(t, other.get("/"), http.StatusOK, "No users yet", `<a href="/users/new" role="button">New user</a>`,
		"Nothing waits for you")
}

// Without a mail server, the console never says an email was sent: it
// was queued, and Settings → Email says how to configure one.
func TestMailWithoutServerIsQueuedNotSent(t *testing.T) {
	a := newTestApp(t)
	u, err := a.st.CreateUser(t.Context(), a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com", Password: "First-password-1"})
	if err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	for action, what := range map[string]string{"reset": "Password reset", "verify": "Verification email"} {
		r := b.post("/users/"+u.PublicID()+"/mail", url.Values{"action": {action}})
		wantPage(t, r, http.StatusSeeOther)
		page := b.get(r.Header.Get("Location"))
		want := what + " for ada@example.com queued: no mail server is configured"
		wantPage(t, page, http.StatusOK, want)
		if strings.Contains(page.body, "sent to ada@example.com") {
			t.Errorf("after %s the page says the email was sent", action)
		}
	}
	r := b.post("/users/new", url.Values{"username": {"grace"}, "email": {"grace@example.com"}, "invite": {"true"}})
	wantPage(t, r, http.StatusSeeOther)
	wantPage(t, b.get(r.Header.Get("Location")), http.StatusOK,
		"User grace created. Invitation for grace@example.com queued: no mail server is configured")
	wantPage(t, b.get("/settings/email"), http.StatusOK, "No SMTP server is configured, so nothing is sent.",
		"--smtp-url smtp://user:password@host:587", "ROSTER_SMTP_URL", "ROSTER_SMTP_FROM")
}

// Refusing to remove or demote the last owner is said in the owner's row,
// beside the buttons that asked for it, not in the unrelated form that adds
// administrators.
func TestLastOwnerErrorShowsInItsRow(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	for _, r := range []response{
		b.post("/settings/administrators/"+a.owner.PublicID()+"/remove", nil),
		b.post("/settings/administrators/"+a.owner.PublicID()+"/role", url.Values{"role": {"admin"}}),
	} {
		wantPage(t, r, http.StatusUnprocessableEntity, "at least one owner")
		row, form, ok := strings.Cut(r.body, "Add an administrator")
		if !ok {
			t.Fatal("no form to add administrators")
		}
		if !strings.Contains(row, `class="field-error row-error" role="alert"`) || strings.Contains(form, "at least one owner") ||
			strings.Contains(form, "error-summary") {
			t.Errorf("the last-owner error is not in the owner's row alone:\n%s", r.body)
		}
	}
}

// The account page asks for a verification code only once one was sent;
// before, it offers to send one.
func TestAccountAsksForACodeOnlyOnceSent(t *testing.T) {
	a := newTestApp(t)
	if _, err := a.st.CreateUser(t.Context(), a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com",
		Password: "First-password-1"}); err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	wantPage(t, b.endUserSignIn("ada", "First-password-1"), http.StatusSeeOther)
	r := b.get("/account/acme/")
	wantPage(t, r, http.StatusOK, "Email me a code")
	if strings.Contains(r.body, "6-digit code from the email") {
		t.Fatal("the account page asks for a code before any was sent")
	}
	wantPage(t, b.post("/account/acme/verify/send", nil), http.StatusSeeOther)
	// The test server has no mail server: the page must not say it sent one.
	r = b.get("/account/acme/")
	wantPage(t, r, http.StatusOK, "6-digit code from the email", "Email me a new code", "no mail server yet")
	if strings.Contains(r.body, "We sent") {
		t.Error("without a mail server the account page says an email was sent")
	}
}
