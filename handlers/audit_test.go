package handlers_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/handlers"
	"roster/store"
)

// fromClient is what a client behind the trusted proxy sends with each request.
var fromClient = map[string]string{"X-Forwarded-For": "203.0.113.9, 127.0.0.5", "User-Agent": "RosterTest/1.0 (audit)"}

// postFrom posts a form as the client behind the proxy, with the CSRF
// token of the last page.
func (b *browser) postFrom(path string, form url.Values) response {
	b.t.Helper()
	form.Set("_csrf", b.csrf)
	return b.do("POST", path, form, fromClient)
}

// newestEvent returns the newest event with action in tenant (0: the
// events of no tenant), failing the test when there is none.
func newestEvent(t *testing.T, st *store.Store, tenant int64, action string) store.AuditEvent {
	t.Helper()
	f := store.AuditFilter{Action: action}
	var l store.List[store.AuditEvent]
	var err error
	if tenant == 0 {
		l, err = st.ListSystemAuditEvents(t.Context(), f)
	} else {
		l, err = st.ListAuditEvents(t.Context(), tenant, f)
	}
	if err != nil || len(l.Items) == 0 {
		t.Fatalf("no %s event in tenant %d (%v)", action, tenant, err)
	}
	return l.Items[0]
}

func TestSignInsAreAuditedWithTheClient(t *testing.T) {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	a := newTestAppWith(t, handlers.Config{TrustedProxies: []*net.IPNet{loopback}})
	want := store.Client{Address: "203.0.113.9", UserAgent: "RosterTest/1.0 (audit)"}
	if _, err := a.st.CreateUser(t.Context(), a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com", Password: "Right-password-1"}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name           string
		path, username string
		password       string
		status         int
		tenant         int64 // 0: no tenant's
		action, reason string
		actor          string
	}{
		{"administrator signs in", "/login", "owner-acme", ownerPassword, http.StatusSeeOther, a.acme.ID, store.ActionAdminSignIn, "", "owner-acme"},
		{"administrator's wrong password", "/login", "owner-acme", "wrong", http.StatusUnauthorized, a.acme.ID, store.ActionAdminSignInFailed, store.SignInWrongPassword, "owner-acme"},
		{"unknown administrator", "/login", "mallory", "guess", http.StatusUnauthorized, 0, store.ActionAdminSignInFailed, store.SignInUnknownUsername, "mallory"},
		{"end user signs in", "/account/acme/login", "ada", "Right-password-1", http.StatusSeeOther, a.acme.ID, store.ActionUserSignIn, "", "ada"},
		{"end user's wrong password", "/account/acme/login", "ada", "Wrong-password-1", http.StatusUnauthorized, a.acme.ID, store.ActionUserSignInFailed, store.SignInWrongPassword, "ada"},
		{"unknown end user", "/account/acme/login", "nobody", "Wrong-password-1", http.StatusUnauthorized, a.acme.ID, store.ActionUserSignInFailed, store.SignInUnknownUsername, "nobody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := a.browser(t)
			b.get(tt.path)
			if r := b.postFrom(tt.path, url.Values{"username": {tt.username}, "password": {tt.password}}); r.StatusCode != tt.status {
				t.Fatalf("POST %s as %s = %d, want %d", tt.path, tt.username, r.StatusCode, tt.status)
			}
			e := newestEvent(t, a.st, tt.tenant, tt.action)
			if e.Actor.Name != tt.actor || e.Client != want || e.Changes["reason"].After != nilIfEmpty(tt.reason) {
				t.Fatalf("%s event = %+v, want by %s from %+v with reason %q", tt.action, e, tt.actor, want, tt.reason)
			}
		})
	}

	// The owner reads them in the console, with the address and the reason.
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	r := b.get("/audit?action=admin.sign_in_failed")
	for _, s := range []string{"203.0.113.9", "RosterTest/1.0 (audit)", "wrong password", "owner-acme"} {
		if !strings.Contains(r.body, s) {
			t.Errorf("GET /audit?action=admin.sign_in_failed lacks %q", s)
		}
	}
	if strings.Contains(r.body, "mallory") {
		t.Error("acme's audit log shows a sign-in under a username no administrator has")
	}
	if r := b.get("/audit?scope=system"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("GET /audit?scope=system by a tenant owner = %d, want 403", r.StatusCode)
	}

	// A system administrator reads the sign-ins that belong to no tenant.
	if _, err := a.st.CreateAdmin(t.Context(), a.acme.ID, store.NewAdmin{Username: "sys", Password: ownerPassword, IsSystem: true}, store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	sys := a.browser(t)
	sys.mustSignIn("sys")
	if r := sys.get("/audit?scope=system"); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "mallory") || !strings.Contains(r.body, "unknown username") {
		t.Fatalf("GET /audit?scope=system by a system administrator = %d, want mallory's attempt:\n%s", r.StatusCode, r.body)
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestAuditLogNamesWhatEventsMention(t *testing.T) {
	a := newTestApp(t)
	ctx := store.WithActor(t.Context(), store.Actor{Type: store.ActorAdmin, ID: a.owner.PublicID(), Name: a.owner.Username})
	eng, err := a.st.CreateOrgUnit(ctx, a.acme.ID, store.NewOrgUnit{Name: "Engineering"})
	if err != nil {
		t.Fatal(err)
	}
	sales, err := a.st.CreateOrgUnit(ctx, a.acme.ID, store.NewOrgUnit{Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	ada, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", DisplayName: "Ada Lovelace", OrgUnitID: eng.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.MoveUsers(ctx, a.acme.ID, sales.ID, []string{ada.PublicID()}); err != nil {
		t.Fatal(err)
	}
	g, err := a.st.CreateGroup(ctx, a.acme.ID, "Pilots", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.RemoveGroups(ctx, a.acme.ID, []string{g.PublicID()}); err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	b.mustSignIn("owner-acme")

	r := b.get("/audit?target_type=user&action=user.move")
	for _, s := range []string{
		`<a href="/users/` + ada.PublicID() + `">Ada Lovelace</a>`,
		`<a href="/org-units?unit=` + eng.PublicID() + `">Engineering</a>`,
		`<a href="/org-units?unit=` + sales.PublicID() + `">Sales</a>`,
		`<small class="audit-id">` + sales.PublicID() + `</small>`,
		`<dt>org unit</dt>`,
	} {
		if !strings.Contains(r.body, s) {
			t.Errorf("GET /audit (user.move) lacks %s", s)
		}
	}
	if r := b.get("/audit?action=group.delete"); !strings.Contains(r.body, "Pilots") || !strings.Contains(r.body, "(removed)") {
		t.Errorf("a removed group's event does not read as Pilots (removed)")
	}

	tests := []struct {
		name, query, field, message string
	}{
		{"inverted dates", "since=2026-03-10&until=2026-03-01", "until", "The end is before the start"},
		{"unknown target type", "target_type=planet", "target_type", "Choose one of"},
		{"malformed date", "since=yesterday", "since", "Enter a date like"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.get("/audit?" + tt.query)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="`+tt.field+`-error"`) ||
				!strings.Contains(r.body, tt.message) || strings.Contains(r.body, "<table") {
				t.Fatalf("GET /audit?%s = %d, want 422 with %q next to %s and no results", tt.query, r.StatusCode, tt.message, tt.field)
			}
		})
	}
	if r := b.get("/audit?actor=nobody-at-all"); !strings.Contains(r.body, "No events match these filters.") {
		t.Error("an empty result does not say what to do next")
	}
}
