package e2e

import (
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create the replicas' database
	"github.com/playwright-community/playwright-go"

	"roster/e2e/mailsink"
	"roster/store/storetest"
)

// Two Roster processes on one PostgreSQL database, as behind a load
// balancer: they start together on an empty database (one migrates, one
// creates the first owner), an administrator signs in through one and
// keeps working through the other, a key revoked through one is refused by
// the other, sign-in failures spread over both are limited as one, and
// emails queued while both run are each delivered once.
func TestTwoReplicasOnOnePostgres(t *testing.T) {
	t.Parallel()
	dsn := emptyPostgres(t)
	sink, err := mailsink.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Stop() })
	smtp := "smtp://" + sink.Addr
	la, lb := launchRoster(t, dsn, "--smtp-url", smtp), launchRoster(t, dsn, "--smtp-url", smtp)
	a, b := la.wait(t), lb.wait(t)
	password := a.OwnerPassword + b.OwnerPassword
	if a.OwnerPassword != "" && b.OwnerPassword != "" || password == "" {
		t.Fatalf("first owner's password printed by A %q and B %q: want exactly one of them", a.OwnerPassword, b.OwnerPassword)
	}

	// Signed in through A, the session works on B: browsers send a host's
	// cookies to every port, as they would to one balanced address.
	page := newPage(t)
	page.OnDialog(func(d playwright.Dialog) { _ = d.Accept() })
	signIn(t, page, a, "admin", password)
	visit(t, page, b, "/users")
	mustSee(t, role(page, "heading", "Users"), "B's users page, signed in through A")
	token := newAPIKey(t, page, b, "replicated")
	api := newAPIClient(t, a, token)
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = api.post("/users", map[string]any{"username": fmt.Sprintf("user%02d", i),
			"email": fmt.Sprintf("user%02d@example.test", i)})
	}

	// Resets queued through B while both replicas send: each email once.
	newAPIClient(t, b, token).post("/users/reset-password", map[string]any{"user_ids": ids})
	for i := range ids {
		if _, err := sink.Wait(fmt.Sprintf("user%02d@example.test", i), "", 30*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(5 * time.Second) // two more rounds of both senders
	got := map[string]int{}
	for _, m := range sink.Messages() {
		got[strings.Join(m.To, ",")]++
	}
	for addr, n := range got {
		if n != 1 {
			t.Errorf("%s got %d emails, want 1", addr, n)
		}
	}
	if len(got) != len(ids) {
		t.Errorf("%d addresses got email, want %d", len(got), len(ids))
	}

	// A key revoked through A is refused by B within a second.
	if code := apiStatus(t, b, token); code != http.StatusOK {
		t.Fatalf("B answered the live key with %d", code)
	}
	visit(t, page, a, "/settings/api-keys")
	click(t, role(page, "button", "Revoke replicated"))
	mustSee(t, page.GetByText("API key revoked."), "the revocation")
	revoked := time.Now()
	for apiStatus(t, b, token) != http.StatusUnauthorized {
		if time.Since(revoked) > 1500*time.Millisecond {
			t.Fatalf("B still accepts the key %s after it was revoked through A", time.Since(revoked))
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Ten failures a minute for one username, wherever they land.
	guesser := newPage(t)
	for i := range 10 {
		replica := []*app{a, b}[i%2]
		visit(t, guesser, replica, "/login")
		fill(t, guesser.GetByLabel("Username"), "nobody")
		fill(t, guesser.GetByLabel("Password"), "wrong password")
		click(t, role(guesser, "button", "Sign in"))
		mustSee(t, guesser.GetByText("Invalid username or password."), "a refused guess")
	}
	for _, replica := range []*app{a, b} {
		visit(t, guesser, replica, "/login")
		fill(t, guesser.GetByLabel("Username"), "nobody")
		fill(t, guesser.GetByLabel("Password"), "wrong password")
		click(t, role(guesser, "button", "Sign in"))
		mustSee(t, guesser.GetByText("Too many failed sign-ins."), "the limit reached on "+replica.URL)
	}
}

// apiStatus is the status of an authenticated GET /api/v1/users on a.
func apiStatus(t *testing.T, a *app, token string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, a.URL+"/api/v1/users?page_size=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// emptyPostgres creates an empty database on the run's PostgreSQL server
// (make test starts one) and drops it after the test.
func emptyPostgres(t *testing.T) string {
	t.Helper()
	server := os.Getenv(storetest.ServerEnv)
	if server == "" {
		if required {
			t.Fatalf("%s is not set: make test starts a throwaway PostgreSQL for this test (store/storetest/pgserver)", storetest.ServerEnv)
		}
		t.Skipf("needs a PostgreSQL server in %s (make test starts one)", storetest.ServerEnv)
	}
	db, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := "e2e_" + strings.ToLower(rand.Text()[:12])
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", server)
		if err == nil {
			_, err = db.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
			db.Close()
		}
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
