package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"roster/handlers"
	"roster/store"
	"roster/store/storetest"
)

func TestSignIn(t *testing.T) {
	a := newTestApp(t)

	t.Run("success renews the session token and lands in the console", func(t *testing.T) {
		b := a.browser(t)
		b.get("/login")
		before := b.sessionCookie()
		r := b.post("/login", url.Values{"username": {"owner-acme"}, "password": {ownerPassword}, "next": {"/audit"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/audit" {
			t.Fatalf("POST /login = %d to %q, want 303 to /audit", r.StatusCode, r.Header.Get("Location"))
		}
		if after := b.sessionCookie(); before == "" || after == "" || after == before {
			t.Fatalf("session token before %q, after %q: want a new one", before, after)
		}
		if r := b.get("/audit"); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "owner-acme") {
			t.Fatalf("GET /audit after sign-in = %d", r.StatusCode)
		}
	})

	t.Run("failure says only that the username or password is wrong", func(t *testing.T) {
		b := a.browser(t)
		for _, creds := range [][2]string{{"owner-acme", "wrong password"}, {"nobody", ownerPassword}} {
			r := b.signIn(creds[0], creds[1])
			if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.body, "Invalid username or password.") {
				t.Fatalf("sign in as %s = %d, want 401 with the generic message", creds[0], r.StatusCode)
			}
		}
	})

	t.Run("off-site next is ignored", func(t *testing.T) {
		b := a.browser(t)
		b.get("/login")
		r := b.post("/login", url.Values{"username": {"owner-acme"}, "password": {ownerPassword}, "next": {"//evil.example/"}})
		if loc := r.Header.Get("Location"); loc != "/" {
			t.Fatalf("redirect after sign-in = %q, want /", loc)
		}
	})

	t.Run("ten failures a minute are refused with 429", func(t *testing.T) {
		b := a.browser(t)
		for i := range 10 {
			if r := b.signIn("owner-other", "wrong"); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d = %d, want 401", i+1, r.StatusCode)
			}
		}
		r := b.signIn("owner-other", ownerPassword)
		if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" ||
			!strings.Contains(r.body, "Try again in") {
			t.Fatalf("11th attempt = %d (Retry-After %q), want 429 saying when to retry", r.StatusCode, r.Header.Get("Retry-After"))
		}
		// Another username from the same address is not affected.
		if r := a.browser(t).signIn("owner-acme", ownerPassword); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("other username = %d, want 303", r.StatusCode)
		}
	})

	t.Run("sign-out ends the session", func(t *testing.T) {
		b := a.browser(t)
		b.mustSignIn("owner-acme")
		old := b.sessionCookie()
		if r := b.post("/logout", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /logout = %d", r.StatusCode)
		}
		if r := b.get("/audit"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("GET /audit after sign-out = %d, want a redirect to sign in", r.StatusCode)
		}
		// Replaying the old cookie does not bring the session back.
		replay := a.browser(t)
		u, _ := url.Parse(a.srv.URL)
		replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "roster_session", Value: old}})
		if r := replay.get("/audit"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("old session cookie after sign-out = %d, want a redirect to sign in", r.StatusCode)
		}
	})

	t.Run("htmx requests without a session are told to redirect", func(t *testing.T) {
		r := a.browser(t).do("GET", "/audit", nil, map[string]string{"HX-Request": "true"})
		if r.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("HX-Redirect"), "/login") {
			t.Fatalf("htmx GET without session = %d, HX-Redirect %q", r.StatusCode, r.Header.Get("HX-Redirect"))
		}
	})
}

func TestCSRF(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	form := func() url.Values { return url.Values{"name": {"Acme"}, "alias": {"acme-new"}} }

	if r := b.do("POST", "/settings/tenant", form(), nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("POST without token = %d, want 403", r.StatusCode)
	}
	bad := form()
	bad.Set("_csrf", strings.Repeat("0", 64))
	if r := b.do("POST", "/settings/tenant", bad, nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("POST with a wrong token = %d, want 403", r.StatusCode)
	}
	withHeader := b.do("POST", "/settings/tenant", form(), map[string]string{"X-CSRF-Token": b.csrf, "Sec-Fetch-Site": "cross-site"})
	if withHeader.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d, want 403", withHeader.StatusCode)
	}
	if r := b.do("POST", "/settings/tenant", form(), map[string]string{"X-CSRF-Token": b.csrf, "HX-Request": "true"}); r.StatusCode != http.StatusNoContent {
		t.Fatalf("htmx POST with the header token = %d, want 204", r.StatusCode)
	}
	if r := b.post("/settings/tenant", url.Values{"name": {"Acme"}, "alias": {"acme-two"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("form POST with the token = %d, want 303", r.StatusCode)
	}
	if tn, _ := a.st.GetTenant(t.Context(), a.acme.ID); tn.Alias != "acme-two" {
		t.Fatalf("alias = %q, want acme-two", tn.Alias)
	}
	// The login form is protected too.
	anon := a.browser(t)
	if r := anon.do("POST", "/login", url.Values{"username": {"owner-acme"}, "password": {ownerPassword}}, nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("login POST without token = %d, want 403", r.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	a := newTestApp(t)
	for _, path := range []string{"/login", "/api/v1/whoami", "/static/js/app.js", "/no-such-page"} {
		r := a.browser(t).get(path)
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") ||
			!strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP = %q", path, csp)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("X-Request-Id") == "" {
			t.Errorf("GET %s: missing nosniff or request id", path)
		}
	}
	r := a.browser(t).get("/login")
	if ck := r.Header.Get("Set-Cookie"); !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
		t.Errorf("session cookie = %q, want HttpOnly and SameSite=Lax", ck)
	}
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") {
		t.Error("the sign-in page has inline script or style")
	}
}

func TestFlashSurvivesRedirect(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	b.post("/settings/tenant", url.Values{"name": {"Acme Ltd"}, "alias": {"acme"}})
	if r := b.get("/settings/tenant"); !strings.Contains(r.body, "Tenant settings saved.") {
		t.Fatal("flash message missing after redirect")
	}
	if r := b.get("/settings/tenant"); strings.Contains(r.body, "Tenant settings saved.") {
		t.Fatal("flash message shown twice")
	}
}

func TestConsoleTenantIsolationAndRoles(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	_, otherToken, err := a.st.CreateAPIKey(ctx, a.other.ID, store.NewAPIKey{Name: "theirs", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := a.st.ListAPIKeys(ctx, a.other.ID)
	b := a.browser(t)
	b.mustSignIn("owner-acme")

	tests := []struct {
		name, path string
		form       url.Values
		want       int
	}{
		{"revoke another tenant's key", "/settings/api-keys/" + keys[0].PublicID + "/revoke", nil, http.StatusNotFound},
		{"change another tenant's admin", "/settings/administrators/" + a.owner2.PublicID() + "/role", url.Values{"role": {"viewer"}}, http.StatusNotFound},
		{"remove another tenant's admin", "/settings/administrators/" + a.owner2.PublicID() + "/remove", nil, http.StatusNotFound},
		{"switch to a tenant they are not in", "/tenant/switch", url.Values{"tenant": {a.other.PublicID()}}, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := b.post(tt.path, tt.form); r.StatusCode != tt.want {
				t.Fatalf("POST %s = %d, want %d", tt.path, r.StatusCode, tt.want)
			}
		})
	}
	if _, err := a.st.AuthenticateAPIKey(ctx, otherToken); err != nil {
		t.Fatalf("the other tenant's key was revoked: %v", err)
	}
	if r := b.get("/audit?actor=owner-other"); strings.Contains(r.body, "<td>owner-other") {
		t.Fatal("acme's audit log shows the other tenant's events")
	}

	// A viewer reads settings but cannot change them.
	if _, err := a.st.CreateAdmin(ctx, a.acme.ID, store.NewAdmin{Username: "vera", Password: ownerPassword}, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	v := a.browser(t)
	v.mustSignIn("vera")
	if r := v.get("/settings/api-keys"); r.StatusCode != http.StatusOK || strings.Contains(r.body, "Create API key") {
		t.Fatalf("viewer's API keys page = %d (create form shown: %v)", r.StatusCode, strings.Contains(r.body, "Create API key"))
	}
	for _, path := range []string{"/settings/api-keys", "/settings/tenant", "/settings/administrators"} {
		if r := v.post(path, url.Values{"name": {"x"}, "role": {"admin"}, "alias": {"viewer-was-here"}, "username": {"x"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("viewer POST %s = %d, want 403", path, r.StatusCode)
		}
	}
}

func TestTenantSwitch(t *testing.T) {
	a := newTestApp(t)
	if _, err := a.st.AddMember(t.Context(), a.other.ID, "owner-acme", store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	if r := b.post("/tenant/switch", url.Values{"tenant": {a.other.PublicID()}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch = %d, want 303", r.StatusCode)
	}
	r := b.get("/settings/tenant")
	if !strings.Contains(r.body, "Tenant other") || !strings.Contains(r.body, "(viewer)") {
		t.Fatal("after switching, the page is not of the other tenant with the viewer role")
	}
}

func TestAdministratorsPage(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	b.get("/settings/administrators")

	r := b.post("/settings/administrators", url.Values{"username": {"Carol"}, "email": {"carol@example.com"}, "role": {"admin"}})
	pw := regexp.MustCompile(`class="secret-value">([a-z2-7]{20})<`).FindStringSubmatch(r.body)
	if r.StatusCode != http.StatusCreated || pw == nil {
		t.Fatalf("add new administrator = %d, want 201 showing a generated password", r.StatusCode)
	}
	if _, err := a.st.AuthenticateAdmin(t.Context(), "carol", pw[1]); err != nil {
		t.Fatalf("carol cannot sign in with the shown password: %v", err)
	}
	if r := b.post("/settings/administrators", url.Values{"username": {"carol"}, "role": {"admin"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "already a member") {
		t.Fatalf("adding carol twice = %d", r.StatusCode)
	}
	if r := b.post("/settings/administrators", url.Values{"username": {"owner-other"}, "role": {"viewer"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("adding an existing administrator of another tenant = %d, want 303", r.StatusCode)
	}
	if r := b.post("/settings/administrators", url.Values{"username": {"x y"}, "role": {"admin"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "Username must be") || !strings.Contains(r.body, `aria-invalid="true"`) {
		t.Fatalf("bad username = %d, want 422 with the field error", r.StatusCode)
	}
	r = b.post("/settings/administrators/"+a.owner.PublicID()+"/remove", nil)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "at least one owner") {
		t.Fatalf("removing the last owner = %d, want 422 explaining why", r.StatusCode)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	if r := b.get("/healthz"); r.StatusCode != 200 || !strings.Contains(r.body, `"ok"`) {
		t.Fatalf("/healthz = %d %s", r.StatusCode, r.body)
	}
	b.get("/login")
	r := b.get("/metrics")
	if r.StatusCode != 200 || !strings.Contains(r.body, `roster_http_requests_total{code="200",host="roster",method="GET",url="/login"} 1`) {
		t.Fatalf("/metrics = %d, want request counters:\n%s", r.StatusCode, r.body)
	}
}

func TestSystemAdministratorCreatesTenant(t *testing.T) {
	a := newTestApp(t)
	if _, err := a.st.CreateAdmin(t.Context(), a.acme.ID, store.NewAdmin{Username: "sys", Password: ownerPassword, IsSystem: true}, store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	plain := a.browser(t)
	plain.mustSignIn("owner-acme")
	if r := plain.post("/settings/tenants", url.Values{"name": {"Nope"}, "alias": {"nope"}}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("non-system administrator creating a tenant = %d, want 403", r.StatusCode)
	}
	b := a.browser(t)
	b.mustSignIn("sys")
	b.get("/settings/tenants")
	if r := b.post("/settings/tenants", url.Values{"name": {"Beta"}, "alias": {"acme"}}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "already used") {
		t.Fatalf("taken alias = %d, want 422 naming the alias", r.StatusCode)
	}
	if r := b.post("/settings/tenants", url.Values{"name": {"Beta"}, "alias": {"beta"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create tenant = %d, want 303", r.StatusCode)
	}
	r := b.get("/settings/tenant")
	if !strings.Contains(r.body, "selected>Beta</option>") || !strings.Contains(r.body, "(owner)") {
		t.Fatal("after creating Beta the console is not in Beta as its owner")
	}
	if tn, err := a.st.GetTenantByAlias(t.Context(), "beta"); err != nil || tn.Name != "Beta" {
		t.Fatalf("beta tenant = %+v, %v", tn, err)
	}
}

func TestIdleSessionEnds(t *testing.T) {
	st, err := store.Open(t.Context(), storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	e, stop := handlers.New(st, handlers.Config{SessionIdle: 1500 * time.Millisecond})
	srv := httptest.NewServer(e)
	t.Cleanup(func() { srv.Close(); stop(); st.Close() })
	a := &testApp{st: st, srv: srv}
	mustTenantWithOwner(t, st, "acme")
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	if r := b.get("/audit"); r.StatusCode != 200 {
		t.Fatalf("right after sign-in = %d", r.StatusCode)
	}
	time.Sleep(2 * time.Second)
	if r := b.get("/audit"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the idle limit = %d, want a redirect to sign in", r.StatusCode)
	}
}
