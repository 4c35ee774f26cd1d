package handlers_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"roster/handlers"
	"roster/store"
	"roster/store/storetest"
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
	st, err := store.Open(t.Context(), storetest.DSN(t))
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
	return &browser{t: t, app: a, c: &http.Client{Jar: jar, Transport: contractTransport{t: t, base: http.DefaultTransport},
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
