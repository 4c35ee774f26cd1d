package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"roster/store"
	"roster/store/storetest"
)

// roster copy moves a SQLite directory into an empty PostgreSQL database,
// reporting each table and the whole; a second copy into it is refused.
func TestCopyCommandToPostgres(t *testing.T) {
	to := storetest.PostgresDSN(t)
	db := filepath.Join(t.TempDir(), "roster.db")
	for _, args := range [][]string{
		{"tenant", "create", "--name", "Acme", "--alias", "acme"},
		{"admin", "create", "--username", "carol", "--tenant", "acme", "--role", "owner", "--password", "a long owner password"},
		{"seed", "--tenant", "acme", "--users", "1500", "--org-units", "10", "--groups", "3", "--properties", "3"},
	} {
		if out, err := cli(t, db, args...); err != nil {
			t.Fatalf("%v = %q, %v", args, out, err)
		}
	}
	out, err := cli(t, db, "apikey", "create", "--tenant", "acme", "--role", "viewer", "--name", "reports")
	token := regexp.MustCompile(`(?m)^(rst_\S+)$`).FindStringSubmatch(out)
	if err != nil || token == nil {
		t.Fatalf("apikey create = %q, %v", out, err)
	}

	out, err = cli(t, "", "copy", "--from", db, "--to", to)
	if err != nil {
		t.Fatalf("copy = %v\n%s", err, out)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^copying \S+roster\.db to postgres://roster@[^ ]+/t_\w+: one snapshot`),
		regexp.MustCompile(`(?m)^\[#{30}\] 1/1 tenants, \d+/s, ETA 0s$`),
		regexp.MustCompile(`(?m)^\[#{30}\] 1500/1500 users, \d+/s, ETA 0s$`),
		regexp.MustCompile(`(?m)^\[#{30}\] 0/0 password_history, 0/s, ETA 0s$`),
		regexp.MustCompile(`(?m)^\[#{30}\] (\d+)/(\d+) indexes and foreign keys, [0-9.]+/s, ETA 0s$`),
		regexp.MustCompile(`(?m)^copied \d\d tables, \d+ rows, from \S+roster\.db to postgres://\S+ in [0-9.]+m?s \(\d+ rows/s\); ` +
			`the rows took [0-9.]+m?s \(\d+ rows/s\), the indexes, foreign keys and planner statistics the rest$`),
		regexp.MustCompile(`(?m)^sign-in sessions were not copied: everyone signs in again`),
	} {
		if !want.MatchString(out) {
			t.Errorf("copy output does not match %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\r") {
		t.Errorf("copy output, not to a terminal, redraws lines:\n%q", out)
	}

	st, err := store.Open(t.Context(), to)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	acme, err := st.GetTenantByAlias(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if l, err := st.ListUsers(t.Context(), acme.ID, store.UserFilter{}); err != nil || l.Total != 1500 {
		t.Errorf("users on PostgreSQL = %d, %v; want 1500", l.Total, err)
	}
	if _, err := st.AuthenticateAdmin(t.Context(), "carol", "a long owner password"); err != nil {
		t.Errorf("carol signs in on PostgreSQL: %v", err)
	}
	if k, err := st.AuthenticateAPIKey(t.Context(), token[1]); err != nil || k.Role != store.RoleViewer {
		t.Errorf("API key on PostgreSQL = %+v, %v", k, err)
	}

	out, err = cli(t, "", "copy", "--from", db, "--to", to)
	if err == nil || !regexp.MustCompile(`^nothing was copied to postgres://\S+: store: copy: the target database is not empty: tenants, .*users`).MatchString(err.Error()) {
		t.Fatalf("copy into a filled database = %v, want a refusal naming what it holds", err)
	}
	if strings.Contains(out, "tables, ") {
		t.Errorf("refused copy reported a copy:\n%s", out)
	}
}

// roster copy names what it needs before it opens either database.
func TestCopyCommandChecksItsArguments(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	pg := "postgres://roster@127.0.0.1:1/roster"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--to", pg}, "copy needs --from FILE"},
		{[]string{"--from", missing}, "copy needs --from FILE"},
		{[]string{"--from", pg, "--to", pg}, "--from is the SQLite database file"},
		{[]string{"--from", missing, "--to", filepath.Join(dir, "other.db")}, "--to must be a postgres:// URL"},
		{[]string{"--from", missing, "--to", pg}, "no database to copy"},
	} {
		if _, err := cli(t, "", append([]string{"copy"}, tc.args...)...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("copy %v = %v, want %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("copying a missing database created it")
	}
}
