package store_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"roster/store"
)

// plainCompose writes test emails: the link path and the code.
func plainCompose(d store.EmailData) store.Email {
	return store.Email{Subject: d.Kind + " for " + d.Tenant.Name, Text: "link " + d.Path + " code " + d.Code,
		HTML: "<a href=\"" + d.Path + "\">link</a>"}
}

func newMailStore(t *testing.T) *store.Store {
	s := newTestStore(t)
	s.Compose = plainCompose
	return s
}

var linkToken = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// lastMessage returns the newest outbox message of tenant and its token.
func lastMessage(t *testing.T, s *store.Store, tenant int64) (store.Message, string) {
	t.Helper()
	l, err := s.ListMessages(t.Context(), tenant, "", store.Page{})
	if err != nil || len(l.Items) == 0 {
		t.Fatalf("no message: %v", err)
	}
	m := l.Items[0]
	tok := ""
	if sub := linkToken.FindStringSubmatch(m.Email.Text); sub != nil {
		tok = sub[1]
	}
	return m, tok
}

func tokenReason(err error) string {
	var te store.TokenError
	if errors.As(err, &te) {
		return te.Reason
	}
	return ""
}

func TestPasswordResetLinks(t *testing.T) {
	t.Parallel()
	s := newMailStore(t)
	ctx := t.Context()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Email: "ada@example.com", Password: "Old-password-1"})
	noMail := mustUser(t, s, tn.ID, store.NewUser{Username: "bob"})

	res, err := s.SendPasswordResets(ctx, tn.ID, []string{ada.PublicID(), noMail.PublicID()}, true)
	if err != nil || len(res.Succeeded) != 1 || len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Message, "bob has no email") {
		t.Fatalf("SendPasswordResets = %+v, %v", res, err)
	}
	m, tok := lastMessage(t, s, tn.ID)
	if m.Email.To != "ada@example.com" || m.Status != store.MessageQueued || tok == "" || m.Email.Kind != "password_reset" {
		t.Fatalf("queued message = %+v", m)
	}
	if u, _ := s.GetUser(ctx, tn.ID, ada.ID); !contains(u.RequiredActions, "update_password") {
		t.Errorf("required actions = %v", u.RequiredActions)
	}
	if _, err := s.CheckResetToken(ctx, other.ID, tok); !strings.Contains(tokenReason(err), "not valid") {
		t.Errorf("another tenant's link = %v", err)
	}
	if _, err := s.CheckResetToken(ctx, tn.ID, tok+"x"); !strings.Contains(tokenReason(err), "not valid") {
		t.Errorf("a wrong token = %v", err)
	}
	if _, err := s.ResetPassword(ctx, tn.ID, tok, "short"); !isFieldError(err, "password") {
		t.Errorf("a password breaking the policy = %v", err)
	}
	if _, err := s.ResetPassword(ctx, tn.ID, tok, "Old-password-1"); !isFieldError(err, "password") {
		t.Errorf("the current password again = %v", err)
	}
	u, err := s.ResetPassword(ctx, tn.ID, tok, "New-password-2")
	if err != nil || contains(u.RequiredActions, "update_password") {
		t.Fatalf("ResetPassword = %+v, %v", u, err)
	}
	if _, err := s.ResetPassword(ctx, tn.ID, tok, "Newer-password-3"); !strings.Contains(tokenReason(err), "already been used") {
		t.Errorf("reusing the link = %v", err)
	}
	if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "New-password-2"); err != nil {
		t.Errorf("sign in with the new password = %v", err)
	}

	// Links expire after an hour, and a new password ends older links.
	if err := s.RequestPasswordReset(ctx, tn.ID, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	_, tok = lastMessage(t, s, tn.ID)
	now = now.Add(61 * time.Minute)
	if _, err := s.ResetPassword(ctx, tn.ID, tok, "Another-password-4"); !strings.Contains(tokenReason(err), "expired") {
		t.Errorf("an expired link = %v", err)
	}
	if err := s.RequestPasswordReset(ctx, tn.ID, "ada"); err != nil {
		t.Fatal(err)
	}
	_, tok = lastMessage(t, s, tn.ID)
	if _, err := s.ChangePassword(ctx, tn.ID, ada.ID, "New-password-2", "Changed-password-5", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResetPassword(ctx, tn.ID, tok, "Another-password-6"); tokenReason(err) == "" {
		t.Errorf("a link older than the last password change = %v", err)
	}
	// History: none of the last three.
	if _, err := s.ChangePassword(ctx, tn.ID, ada.ID, "Changed-password-5", "New-password-2", false); !isFieldError(err, "password") {
		t.Errorf("a recent password = %v", err)
	}
	if _, err := s.ChangePassword(ctx, tn.ID, ada.ID, "wrong", "Fresh-password-7", false); !isFieldError(err, "current_password") {
		t.Errorf("a wrong current password = %v", err)
	}
}

func TestForgotPasswordRevealsNothing(t *testing.T) {
	t.Parallel()
	s := newMailStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Email: "ada@example.com"})
	for _, login := range []string{"nobody", "nobody@example.com", "", "ada"} {
		if err := s.RequestPasswordReset(ctx, tn.ID, login); err != nil {
			t.Errorf("RequestPasswordReset(%q) = %v", login, err)
		}
	}
	if l, _ := s.ListMessages(ctx, tn.ID, "", store.Page{}); l.Total != 1 {
		t.Errorf("%d messages, want one for ada", l.Total)
	}
}

func TestInvitationEnablesAPendingUser(t *testing.T) {
	t.Parallel()
	s := newMailStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	if _, err := s.CreateUser(ctx, tn.ID, store.NewUser{Username: "nomail", Invite: true}); !isFieldError(err, "email") {
		t.Errorf("an invitation without an email = %v", err)
	}
	u := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Email: "ada@example.com", Invite: true})
	if u.Status != store.StatusPending {
		t.Fatalf("status = %s", u.Status)
	}
	m, tok := lastMessage(t, s, tn.ID)
	if m.Email.Kind != "invitation" {
		t.Fatalf("message = %+v", m)
	}
	got, err := s.ResetPassword(ctx, tn.ID, tok, "First-password-1")
	if err != nil || got.Status != store.StatusEnabled || got.RegisteredAt == nil || !got.PasswordSet {
		t.Fatalf("after the invitation: %+v, %v", got, err)
	}
}

func TestSignInLockoutAndChecks(t *testing.T) {
	t.Parallel()
	s := newMailStore(t)
	ctx := t.Context()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Password: "Right-password-1"})
	for i := range 5 {
		if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "wrong"); !errors.Is(err, store.ErrInvalidCredentials) {
			t.Fatalf("failure %d = %v", i+1, err)
		}
	}
	// The lock confirms no guess: the right password is refused as a wrong one.
	if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "Right-password-1"); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Fatalf("right password while locked = %v, want invalid credentials", err)
	}
	l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{UsernamePrefix: "ada"})
	if !l.Items[0].Locked(now) || l.Items[0].LockReason != store.LockFailedLogins {
		t.Fatalf("after five failures: %+v", l.Items[0])
	}
	now = now.Add(16 * time.Minute)
	u, err := s.AuthenticateUser(ctx, tn.ID, "ada", "Right-password-1")
	if err != nil || u.LastLoginAt == nil {
		t.Fatalf("after the lock ends = %+v, %v", u, err)
	}
	if _, err := s.AuthenticateUser(ctx, tn.ID, "nobody", "x"); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Errorf("unknown user = %v", err)
	}
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDisable}, []string{u.PublicID()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateUser(ctx, tn.ID, "ada", "Right-password-1"); !errors.Is(err, store.ErrAccountUnavailable) {
		t.Errorf("disabled user = %v", err)
	}
}

func TestEmailVerificationByLinkAndCode(t *testing.T) {
	t.Parallel()
	s := newMailStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	u := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Email: "ada@example.com"})
	if err := s.SendVerification(ctx, tn.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	m, tok := lastMessage(t, s, tn.ID)
	code := regexp.MustCompile(`code (\d{6})`).FindStringSubmatch(m.Email.Text)
	if code == nil || m.Email.Kind != "verify_email" {
		t.Fatalf("message = %q", m.Email.Text)
	}
	if _, err := s.ConfirmEmailCode(ctx, tn.ID, u.ID, "000000x"); !isFieldError(err, "code") {
		t.Errorf("a wrong code = %v", err)
	}
	got, err := s.ConfirmEmailCode(ctx, tn.ID, u.ID, code[1])
	if err != nil || !got.EmailVerified {
		t.Fatalf("by code = %+v, %v", got, err)
	}
	if _, err := s.ConfirmEmail(ctx, tn.ID, tok); !strings.Contains(tokenReason(err), "already been used") {
		t.Errorf("the link after the code = %v", err)
	}
	// A new address is unverified, and older links for it no longer count.
	if err := s.SendVerification(ctx, tn.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	_, tok = lastMessage(t, s, tn.ID)
	email := "lovelace@example.com"
	got, _ = s.UpdateUser(ctx, tn.ID, u.ID, store.UserUpdate{Email: &email})
	if got.EmailVerified {
		t.Fatal("a changed address stayed verified")
	}
	if _, err := s.ConfirmEmail(ctx, tn.ID, tok); tokenReason(err) == "" {
		t.Errorf("a link for the old address = %v", err)
	}
	if err := s.SendVerification(ctx, tn.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	_, tok = lastMessage(t, s, tn.ID)
	if got, err := s.ConfirmEmail(ctx, tn.ID, tok); err != nil || !got.EmailVerified {
		t.Fatalf("by link = %+v, %v", got, err)
	}
}

func TestOutboxRetriesAndScrubs(t *testing.T) {
	t.Parallel()
	s := newMailStore(t)
	ctx := t.Context()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	u := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Email: "ada@example.com"})
	if err := s.SendVerification(ctx, tn.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	due, _ := s.ClaimMessages(ctx, 10)
	if len(due) != 1 {
		t.Fatalf("due = %d", len(due))
	}
	if err := s.MessageFailed(ctx, due[0].ID, errors.New("421 try later")); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.ClaimMessages(ctx, 10); len(due) != 0 {
		t.Fatal("a failed message is due again at once")
	}
	now = now.Add(store.Backoff(1))
	due, _ = s.ClaimMessages(ctx, 10)
	if len(due) != 1 || due[0].Attempts != 1 || due[0].LastError != "421 try later" {
		t.Fatalf("after the backoff: %+v", due)
	}
	if err := s.MessageSent(ctx, due[0].ID); err != nil {
		t.Fatal(err)
	}
	m, tok := lastMessage(t, s, tn.ID)
	if m.Status != store.MessageSent || tok != "" || !strings.Contains(m.Email.Text, "token=[removed-after-sending]") {
		t.Fatalf("sent message = %+v", m)
	}
	if err := s.ResendMessage(ctx, tn.ID, m.ID); !isFieldError(err, "id") {
		t.Errorf("resending a sent message = %v", err)
	}
}
