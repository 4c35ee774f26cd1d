package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"roster/handlers"
	"roster/store"
	"roster/store/storetest"
)

// newReplicas is the application run as two processes on one database,
// each its own store and server, as behind a load balancer. The tenants
// and owners are created through the first.
func newReplicas(t *testing.T) (a, b *testApp) {
	t.Helper()
	dsn := storetest.DSN(t)
	open := func() *testApp {
		st, err := store.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		st.PasswordCost = bcrypt.MinCost
		e, stop := handlers.New(st, handlers.Config{BaseURL: "http://roster.test", Version: "test"})
		srv := httptest.NewServer(e)
		t.Cleanup(func() { srv.Close(); stop(); st.Close() })
		return &testApp{st: st, srv: srv}
	}
	a, b = open(), open()
	a.acme, a.owner = mustTenantWithOwner(t, a.st, "acme")
	a.other, a.owner2 = mustTenantWithOwner(t, a.st, "other")
	b.acme, b.owner, b.other, b.owner2 = a.acme, a.owner, a.other, a.owner2
	return a, b
}

// Ten failed sign-ins a minute are ten whichever replicas served them:
// the eleventh is refused by both, the right password included.
func TestSignInLimitsCountAcrossReplicas(t *testing.T) {
	a, b := newReplicas(t)
	ba, bb := a.browser(t), b.browser(t)
	for i := range 10 {
		br := ba
		if i%2 == 1 {
			br = bb
		}
		if r := br.signIn("owner-other", "wrong"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d = %d, want 401", i+1, r.StatusCode)
		}
	}
	for name, br := range map[string]*browser{"a": ba, "b": bb} {
		if r := br.signIn("owner-other", ownerPassword); r.StatusCode != http.StatusTooManyRequests {
			t.Errorf("11th attempt through %s = %d, want 429", name, r.StatusCode)
		}
	}
}

// Reset links are limited per username across replicas too: three in 15
// minutes, wherever they were asked for.
func TestForgotPasswordLimitsCountAcrossReplicas(t *testing.T) {
	a, b := newReplicas(t)
	if _, err := a.st.CreateUser(t.Context(), a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	var codes []int
	for _, app := range []*testApp{a, b, a, b, a} {
		br := app.browser(t)
		br.get("/account/acme/forgot")
		r := br.do("POST", "/account/acme/forgot", url.Values{"_csrf": {br.csrf}, "login": {"ada"}}, nil)
		codes = append(codes, r.StatusCode)
	}
	if fmt.Sprint(codes) != "[200 200 200 429 429]" {
		t.Errorf("forgot-password answers through a, b, a, b, a = %v, want three links then 429", codes)
	}
}
