package handlers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"roster/handlers"
	"roster/store"
)

const ownerPassword = "correct horse battery"

// testApp is the real application on a temp database behind a real HTTP
// server, with two tenants: acme and other, each with an owner.
type testApp struct {
	st     *store.Store
	srv    *httptest.Server
	acme   store.Tenant
	other  store.Tenant
	owner  store.Admin // owner-acme
	owner2 store.Admin // owner-other
}

func newTestApp(t *testing.T) *testApp {
	t.Helper()
	return newTestAppWith(t, handlers.Config{})
}

// newTestAppWith is newTestApp with some of the configuration set.
func newTestAppWith(t *testing.T, cfg handlers.Config) *testApp {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.PasswordCost = bcrypt.MinCost // a hash at the real cost takes most of a second under -race
	cfg.BaseURL, cfg.Version = "http://roster.test", "test"
	e, stop := handlers.New(st, cfg)
	srv := httptest.NewServer(e)
	t.Cleanup(func() { srv.Close(); stop(); st.Close() })
	a := &testApp{st: st, srv: srv}
	a.acme, a.owner = mustTenantWithOwner(t, st, "acme")
	a.other, a.owner2 = mustTenantWithOwner(t, st, "other")
	return a
}

func mustTenantWithOwner(t *testing.T, st *store.Store, alias string) (store.Tenant, store.Admin) {
	t.Helper()
	tn, err := st.CreateTenant(t.Context(), "Tenant "+alias, alias)
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAdmin(t.Context(), tn.ID, store.NewAdmin{Username: "owner-" + alias, Password: ownerPassword}, store.RoleOwner)
	if err != nil {
		t.Fatal(err)
	}
	return tn, a
}

// browser is a cookie-keeping client that does not follow redirects, so
// tests see each response.
type browser struct {
	t    *testing.T
	app  *testApp
	c    *http.Client
	csrf string
}

func (a *testApp) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, app: a, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

type response struct {
	*http.Response
	body string
}

func (b *browser) do(method, path string, form url.Values, header map[string]string) response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.app.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{resp, string(raw)}
	if m := csrfRE.FindStringSubmatch(r.body); m != nil {
		b.csrf = m[1]
	}
	return r
}

func (b *browser) get(path string) response { return b.do("GET", path, nil, nil) }

// post sends a form with the CSRF token picked up from the last page.
func (b *browser) post(path string, form url.Values) response {
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", b.csrf)
	return b.do("POST", path, form, nil)
}

func (b *browser) signIn(username, password string) response {
	b.t.Helper()
	b.get("/login")
	return b.post("/login", url.Values{"username": {username}, "password": {password}})
}

func (b *browser) mustSignIn(username string) {
	b.t.Helper()
	if r := b.signIn(username, ownerPassword); r.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s = %d, want 303:\n%s", username, r.StatusCode, r.body)
	}
	b.get("/settings/tenant") // picks up the post-sign-in CSRF token
}

func (b *browser) sessionCookie() string {
	u, _ := url.Parse(b.app.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "roster_session" {
			return c.Value
		}
	}
	return ""
}

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

// apiCall sends a JSON API request with a bearer key.
func (a *testApp) apiCall(t *testing.T, method, path, key, body string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
		}
	}
	return resp.StatusCode, resp.Header, out
}

func errorOf(body map[string]any) (code, msg, field string) {
	e, _ := body["error"].(map[string]any)
	code, _ = e["code"].(string)
	msg, _ = e["message"].(string)
	field, _ = e["field"].(string)
	return
}

func TestAPIAuthAndErrors(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	_, adminKey, _ := a.st.CreateAPIKey(ctx, a.acme.ID, store.NewAPIKey{Name: "writer", Role: store.RoleAdmin})
	_, viewerKey, _ := a.st.CreateAPIKey(ctx, a.acme.ID, store.NewAPIKey{Name: "reader", Role: store.RoleViewer})
	revoked, revokedKey, _ := a.st.CreateAPIKey(ctx, a.acme.ID, store.NewAPIKey{Name: "old", Role: store.RoleAdmin})
	if err := a.st.RevokeAPIKey(ctx, a.acme.ID, revoked.PublicID); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, method, path, key, body string
		status                        int
		code, field, msgPart          string
	}{
		{"no key", "GET", "/api/v1/whoami", "", "", 401, "unauthorized", "", "Bearer"},
		{"unknown key", "GET", "/api/v1/whoami", "rst_key_nope.nope", "", 401, "unauthorized", "", "unknown, revoked or expired"},
		{"revoked key", "GET", "/api/v1/whoami", revokedKey, "", 401, "unauthorized", "", "revoked"},
		{"viewer reads", "GET", "/api/v1/whoami", viewerKey, "", 200, "", "", ""},
		{"viewer writes", "PUT", "/api/v1/tenant/alias", viewerKey, `{"alias":"viewer-alias"}`, 403, "forbidden", "", "read-only"},
		{"malformed JSON", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias":`, 400, "bad_request", "", "Malformed JSON"},
		{"wrong type", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias": 5}`, 400, "bad_request", "", `"alias" must be a string`},
		{"unknown field", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias":"x-y-z","colour":"red"}`, 400, "bad_request", "", "unknown field"},
		{"missing alias", "PUT", "/api/v1/tenant/alias", adminKey, `{}`, 422, "validation_failed", "alias", "required"},
		{"invalid alias", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias":"No!"}`, 422, "validation_failed", "alias", "3 to 32"},
		{"alias taken", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias":"other"}`, 409, "conflict", "alias", "already used"},
		{"body too large", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "payload_too_large", "", ""},
		{"unknown endpoint", "GET", "/api/v1/nothing-here", adminKey, "", 404, "not_found", "", ""},
		{"bad page size", "GET", "/api/v1/audit-events?max_results=1000", adminKey, "", 400, "bad_request", "max_results", "1 to 100"},
		{"bad cursor", "GET", "/api/v1/audit-events?next_token=%21%21", adminKey, "", 400, "bad_request", "next_token", "cursor"},
		{"bad since", "GET", "/api/v1/audit-events?since=yesterday", adminKey, "", 400, "bad_request", "since", "2026-01-31"},
		{"alias set", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias":"acme-api"}`, 200, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := a.apiCall(t, tt.method, tt.path, tt.key, tt.body)
			if status != tt.status {
				t.Fatalf("%s %s = %d, want %d (%v)", tt.method, tt.path, status, tt.status, body)
			}
			rid := hdr.Get("X-Request-Id")
			if rid == "" {
				t.Fatal("no X-Request-Id header")
			}
			if tt.code == "" {
				return
			}
			code, msg, field := errorOf(body)
			if code != tt.code || field != tt.field || !strings.Contains(msg, tt.msgPart) || body["request_id"] != rid {
				t.Fatalf("error = %v, want code %s field %q message containing %q and request_id %s", body, tt.code, tt.field, tt.msgPart, rid)
			}
		})
	}
	if tn, _ := a.st.GetTenant(ctx, a.acme.ID); tn.Alias != "acme-api" {
		t.Fatalf("alias after the API call = %q", tn.Alias)
	}
}

func TestAPIWhoamiAndAuditEvents(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	_, key, _ := a.st.CreateAPIKey(ctx, a.acme.ID, store.NewAPIKey{Name: "sync", Role: store.RoleAdmin})
	_, otherKey, _ := a.st.CreateAPIKey(ctx, a.other.ID, store.NewAPIKey{Name: "theirs", Role: store.RoleAdmin})

	status, _, who := a.apiCall(t, "GET", "/api/v1/whoami", key, "")
	tenant, _ := who["tenant"].(map[string]any)
	apiKey, _ := who["api_key"].(map[string]any)
	if status != 200 || who["type"] != "api_key" || tenant["alias"] != "acme" || tenant["id"] != a.acme.PublicID() ||
		apiKey["name"] != "sync" || who["role"] != "admin" {
		t.Fatalf("whoami = %d %v", status, who)
	}

	a.apiCall(t, "PUT", "/api/v1/tenant/alias", key, `{"alias":"acme-2"}`)
	status, _, list := a.apiCall(t, "GET", "/api/v1/audit-events?action=tenant.update", key, "")
	items, _ := list["items"].([]any)
	if status != 200 || len(items) != 1 || list["total_count"] != float64(1) {
		t.Fatalf("audit events = %d %v", status, list)
	}
	ev := items[0].(map[string]any)
	actor := ev["actor"].(map[string]any)
	if actor["type"] != "api_key" || actor["name"] != "sync" || ev["request_id"] == "" {
		t.Fatalf("event = %v, want the key as actor and a request id", ev)
	}

	// Paging with max_results and next_token visits each event once.
	seen := map[string]bool{}
	next := ""
	for range 20 {
		_, _, page := a.apiCall(t, "GET", "/api/v1/audit-events?max_results=2&next_token="+url.QueryEscape(next), key, "")
		for _, it := range page["items"].([]any) {
			id := it.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("event %s seen twice", id)
			}
			seen[id] = true
		}
		next, _ = page["next_token"].(string)
		if next == "" {
			break
		}
	}
	_, _, all := a.apiCall(t, "GET", "/api/v1/audit-events", key, "")
	if len(seen) != int(all["total_count"].(float64)) {
		t.Fatalf("paging saw %d events, total_count %v", len(seen), all["total_count"])
	}

	// Another tenant's key sees none of acme's events.
	_, _, theirs := a.apiCall(t, "GET", "/api/v1/audit-events?action=tenant.update", otherKey, "")
	if theirs["total_count"] != float64(0) {
		t.Fatalf("other tenant sees acme's events: %v", theirs)
	}
	// Console sessions do not authenticate the API.
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	if r := b.get("/api/v1/whoami"); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API with a console session = %d, want 401", r.StatusCode)
	}
	if r := b.get("/whoami"); r.StatusCode != 200 || !strings.Contains(r.body, `"username":"owner-acme"`) {
		t.Fatalf("console whoami = %d %s", r.StatusCode, r.body)
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
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "roster.db"))
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
