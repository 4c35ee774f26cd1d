package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"roster/store"
)

var tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// lastLink returns the token of the newest outbox message of tenant.
func lastLink(t *testing.T, st *store.Store, tenant int64) string {
	t.Helper()
	l, err := st.ListMessages(t.Context(), tenant, "", store.Page{})
	if err != nil || len(l.Items) == 0 {
		t.Fatalf("no message: %v", err)
	}
	m := tokenRE.FindStringSubmatch(l.Items[0].Email.Text)
	if m == nil {
		t.Fatalf("no link in %q", l.Items[0].Email.Text)
	}
	return m[1]
}

// endUser signs a user in on the end-user pages of acme.
func (b *browser) endUserSignIn(username, password string) response {
	b.t.Helper()
	b.get("/account/acme/login")
	return b.post("/account/acme/login", url.Values{"username": {username}, "password": {password}})
}

func TestEndUserResetFlowAndSessions(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	u, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com", Password: "First-password-1"})
	if err != nil {
		t.Fatal(err)
	}
	// An administrator sends a reset; ada is signed in elsewhere meanwhile.
	admin := a.browser(t)
	admin.mustSignIn("owner-acme")
	r := admin.post("/users/bulk", url.Values{"action": {"reset_password"}, "user_ids": {u.PublicID()}})
	wantPage(t, r, http.StatusSeeOther)
	other := a.browser(t)
	wantPage(t, other.endUserSignIn("ada", "First-password-1"), http.StatusSeeOther)
	wantPage(t, other.get("/account/acme/"), 200, "Your account", "ada@example.com")
	// Sessions are separate: the end user's cookie does not open the console,
	// the administrator's does not open the account pages.
	wantPage(t, other.get("/users"), http.StatusSeeOther)
	wantPage(t, admin.get("/account/acme/"), http.StatusSeeOther)

	tok := lastLink(t, a.st, a.acme.ID)
	b := a.browser(t)
	wantPage(t, b.get("/account/acme/reset?token="+tok), 200, "Choose a new password", "At least 10 characters.", "<strong>ada</strong>")
	wantPage(t, b.get("/account/other/reset?token="+tok), http.StatusGone, "This link is not valid")
	r = b.post("/account/acme/reset", url.Values{"token": {tok}, "password": {"weakweak"}, "confirm": {"weakweak"}})
	wantPage(t, r, http.StatusUnprocessableEntity, "Password must be at least 10 characters.")
	r = b.post("/account/acme/reset", url.Values{"token": {tok}, "password": {"New-password-2"}, "confirm": {"Other-password-2"}})
	wantPage(t, r, http.StatusUnprocessableEntity, "The two passwords differ.")
	r = b.post("/account/acme/reset", url.Values{"token": {tok}, "password": {"New-password-2"}, "confirm": {"New-password-2"}})
	wantPage(t, r, 200, "Password set")
	wantPage(t, b.get("/account/acme/reset?token="+tok), http.StatusGone, "already been used")
	wantPage(t, b.get("/account/acme/reset?token=not-a-token"), http.StatusGone, "This link is not valid", "Ask for a new link")
	// The other session ended with the new password.
	wantPage(t, other.get("/account/acme/"), http.StatusSeeOther)
	wantPage(t, b.endUserSignIn("ada", "New-password-2"), http.StatusSeeOther)
	wantPage(t, b.get("/account/acme/"), 200, "Your account")
}

func TestEndUserLockoutAndRequiredActions(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	_, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com",
		Password: "First-password-1", RequiredActions: []string{"update_password", "verify_email"}})
	if err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	wantPage(t, b.endUserSignIn("ada", "nope"), http.StatusUnauthorized, "Invalid username or password.")
	wantPage(t, b.endUserSignIn("nobody", "nope"), http.StatusUnauthorized, "Invalid username or password.")

	// A forced password change comes before anything else.
	wantPage(t, b.endUserSignIn("ada", "First-password-1"), http.StatusSeeOther)
	wantPage(t, b.get("/account/acme/"), http.StatusSeeOther)
	wantPage(t, b.get("/account/acme/password"), 200, "Choose a new password to continue")
	r := b.post("/account/acme/password", url.Values{"password": {"First-password-1"}, "confirm": {"First-password-1"}})
	wantPage(t, r, http.StatusUnprocessableEntity, "Choose a password you have not used")
	r = b.post("/account/acme/password", url.Values{"password": {"Second-password-2"}, "confirm": {"Second-password-2"}})
	wantPage(t, r, http.StatusSeeOther)
	wantPage(t, b.get("/account/acme/"), 200, "Your password is changed.", "Confirm your email address")

	// Email verification by code.
	wantPage(t, b.post("/account/acme/verify/send", nil), http.StatusSeeOther)
	l, _ := a.st.ListMessages(ctx, a.acme.ID, "", store.Page{})
	code := regexp.MustCompile(`code on your account page: (\d{6})`).FindStringSubmatch(l.Items[0].Email.Text)
	if code == nil {
		t.Fatalf("no code in %q", l.Items[0].Email.Text)
	}
	b.get("/account/acme/")
	wantPage(t, b.post("/account/acme/verify", url.Values{"code": {"123"}}), http.StatusUnprocessableEntity, "That code is not right.")
	wantPage(t, b.post("/account/acme/verify", url.Values{"code": {code[1]}}), http.StatusSeeOther)
	wantPage(t, b.get("/account/acme/"), 200, "confirmed")
	wantPage(t, b.post("/account/acme/logout", nil), http.StatusSeeOther)

	// Five wrong passwords lock the account; administrators see why.
	for range 5 {
		b.endUserSignIn("ada", "wrong")
	}
	// The lock confirms no guess: the right password gets a wrong one's answer.
	wrong := b.endUserSignIn("ada", "wrong")
	right := b.endUserSignIn("ada", "Second-password-2")
	wantPage(t, right, http.StatusUnauthorized, "Invalid username or password.")
	if csrfRE.ReplaceAllString(right.body, "") != csrfRE.ReplaceAllString(wrong.body, "") {
		t.Errorf("a locked account answers the right password differently from a wrong one")
	}
	admin := a.browser(t)
	admin.mustSignIn("owner-acme")
	users, _ := a.st.ListUsers(ctx, a.acme.ID, store.UserFilter{UsernamePrefix: "ada"})
	wantPage(t, admin.get("/users/"+users.Items[0].PublicID()), 200, "after repeated failed sign-ins")
}

func TestForgotPasswordAnswersAlikeAndIsLimited(t *testing.T) {
	a := newTestApp(t)
	if _, err := a.st.CreateUser(t.Context(), a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	// The first request of a fresh server prepares the statements it runs
	// (on PostgreSQL, on each connection): slower whatever the login, so
	// it is not one of those compared.
	b.get("/account/acme/forgot")
	b.post("/account/acme/forgot", url.Values{"login": {"warm-up"}})
	var bodies []string
	var took []time.Duration
	for _, login := range []string{"ada", "nobody"} {
		b.get("/account/acme/forgot")
		start := time.Now()
		r := b.post("/account/acme/forgot", url.Values{"login": {login}})
		took = append(took, time.Since(start))
		wantPage(t, r, 200, "If an account matches, we have sent a link")
		bodies = append(bodies, csrfRE.ReplaceAllString(r.body, ""))
	}
	if bodies[0] != bodies[1] {
		t.Error("the answer differs for an existing and an unknown account")
	}
	// Same timing class: neither does a password hash; both stay well under 100 ms apart.
	if d := took[0] - took[1]; d > 100*time.Millisecond || d < -100*time.Millisecond {
		t.Errorf("timings %v and %v differ", took[0], took[1])
	}
	if l, _ := a.st.ListMessages(t.Context(), a.acme.ID, "", store.Page{}); l.Total != 1 {
		t.Errorf("%d messages, want 1", l.Total)
	}
	for range 3 {
		b.post("/account/acme/forgot", url.Values{"login": {"x"}})
	}
	r := b.post("/account/acme/forgot", url.Values{"login": {"x"}})
	wantPage(t, r, http.StatusTooManyRequests, "Too many attempts. Try again in")
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	wantPage(t, b.get("/account/nope/login"), http.StatusNotFound)
}

func TestConsoleEmailSettingsAndPolicy(t *testing.T) {
	a := newTestApp(t)
	u, _ := a.st.CreateUser(t.Context(), a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com"})
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	wantPage(t, b.post("/users/"+u.PublicID()+"/mail", url.Values{"action": {"invite"}}), http.StatusSeeOther)
	r := b.get("/settings/email")
	wantPage(t, r, 200, "No SMTP server is configured", "You are invited to Tenant acme", "http://roster.test/account/acme/reset?token=", "Send again")
	l, _ := a.st.ListMessages(t.Context(), a.acme.ID, "", store.Page{})
	wantPage(t, b.post("/settings/email/"+l.Items[0].PublicID()+"/resend", nil), http.StatusSeeOther)
	nomail, _ := a.st.CreateUser(t.Context(), a.acme.ID, store.NewUser{Username: "bob"})
	wantPage(t, b.post("/users/"+nomail.PublicID()+"/mail", url.Values{"action": {"reset"}}), http.StatusUnprocessableEntity, "bob has no email address.")

	wantPage(t, b.get("/settings/password-policy"), 200, `value="10"`)
	r = b.post("/settings/password-policy", url.Values{"min_length": {"4"}, "classes": {"3"}, "history": {"3"}, "expiry_days": {"0"}})
	wantPage(t, r, http.StatusUnprocessableEntity, "Minimum length must be from 8 to 64.")
	wantPage(t, b.post("/settings/password-policy", url.Values{"min_length": {"14"}, "classes": {"2"}, "history": {"5"}, "expiry_days": {"90"}}), http.StatusSeeOther)
	if p, _ := a.st.GetPasswordPolicy(t.Context(), a.acme.ID); p.MinLength != 14 || p.ExpiryDays != 90 {
		t.Fatalf("policy = %+v", p)
	}
	if _, err := a.st.CreateUser(t.Context(), a.acme.ID, store.NewUser{Username: "cyd", Password: "Twelve-chars"}); !strings.Contains(errString(err), "at least 14") {
		t.Errorf("a password under the new policy = %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestEmailAPI(t *testing.T) {
	a := newUsersAPI(t)
	ada := a.mustCreate(t, `{"username":"ada","email":"ada@example.com","send_invitation":true}`)
	if ada["status"] != "pending" {
		t.Fatalf("invited user = %v", ada)
	}
	bob := a.mustCreate(t, `{"username":"bob"}`)
	res := a.call(t, 200, "POST", "/api/v1/users/reset-password", a.admin, `{"user_ids":["`+ada["id"].(string)+`","`+bob["id"].(string)+`"],"require_password_change":true}`)
	if len(res["succeeded"].([]any)) != 1 || !strings.Contains(res["failed"].([]any)[0].(map[string]any)["message"].(string), "no email") {
		t.Fatalf("reset = %v", res)
	}
	a.call(t, 202, "POST", "/api/v1/users/"+ada["id"].(string)+"/verify-email", a.admin, "")
	a.wantError(t, 422, "email", "POST", "/api/v1/users/"+bob["id"].(string)+"/verify-email", a.admin, "")
	a.call(t, 404, "POST", "/api/v1/users/"+ada["id"].(string)+"/verify-email", a.other, "")
	a.call(t, 403, "POST", "/api/v1/users/reset-password", a.viewer, `{"user_ids":[]}`)
	msgs := a.call(t, 200, "GET", "/api/v1/messages", a.viewer, "")
	if names(msgs, "kind") != "verify_email,password_reset,invitation" || items(msgs)[0]["status"] != "queued" {
		t.Fatalf("messages = %v", msgs)
	}
	if _, has := items(msgs)[0]["text"]; has {
		t.Fatal("the API shows a message body")
	}
	a.wantError(t, 400, "status", "GET", "/api/v1/messages?status=lost", a.viewer, "")
	a.wantError(t, 422, "invite", "POST", "/api/v1/users", a.admin, `{"username":"cyd","email":"c@example.com","password":"Long-password-1","send_invitation":true}`)
}

func TestExpiredLinksAndVerificationLinks(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	now := time.Now()
	a.st.SetClock(func() time.Time { return now })
	u, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com", Invite: true})
	if err != nil {
		t.Fatal(err)
	}
	invite := lastLink(t, a.st, a.acme.ID)
	if err := a.st.SendVerification(ctx, a.acme.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	verify := lastLink(t, a.st, a.acme.ID)
	b := a.browser(t)
	wantPage(t, b.get("/account/acme/verify?token="+verify), 200, "Email address confirmed")
	wantPage(t, b.get("/account/acme/verify?token="+verify), http.StatusGone, "already been used")
	wantPage(t, b.get("/account/other/verify?token="+verify), http.StatusGone, "This link is not valid")
	// An invitation lasts 72 hours.
	now = now.Add(71 * time.Hour)
	wantPage(t, b.get("/account/acme/reset?token="+invite), 200, "Choose a new password")
	now = now.Add(2 * time.Hour)
	wantPage(t, b.get("/account/acme/reset?token="+invite), http.StatusGone, "This link has expired.")
	r := b.post("/account/acme/reset", url.Values{"token": {invite}, "password": {"Late-password-1"}, "confirm": {"Late-password-1"}})
	wantPage(t, r, http.StatusGone, "This link has expired.")
	if got, _ := a.st.GetUser(ctx, a.acme.ID, u.ID); got.Status != store.StatusPending || got.PasswordSet {
		t.Fatalf("an expired invitation set a password: %+v", got)
	}
}
