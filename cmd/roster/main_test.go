package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"
)

// cli runs the roster command with args against db and returns its output.
func cli(t *testing.T, db string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	env := func(k string) string {
		if k == "ROSTER_DB" {
			return db
		}
		return ""
	}
	err := run(t.Context(), args, env, &out, &out)
	return out.String(), err
}

// The administrative commands, on the run's engine (see storetest).
func TestCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sub", "roster.db") // the folder is created
	if storetest.Engine() == "postgres" {
		db = storetest.DSN(t)
	}

	if out, err := cli(t, db, "version"); err != nil || !strings.HasPrefix(out, "roster ") {
		t.Fatalf("version = %q, %v", out, err)
	}
	if out, err := cli(t, db, "migrate"); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate = %q, %v", out, err)
	}
	if out, err := cli(t, db, "tenant", "create", "--name", "Acme", "--alias", "acme"); err != nil || !strings.Contains(out, "created tenant Acme") {
		t.Fatalf("tenant create = %q, %v", out, err)
	}
	if _, err := cli(t, db, "tenant", "create", "--name", "Bad", "--alias", "Bad Alias"); err == nil || !strings.Contains(err.Error(), "Alias must be") {
		t.Fatalf("tenant create with a bad alias = %v, want the alias rule", err)
	}
	if out, err := cli(t, db, "tenant", "list"); err != nil || !strings.Contains(out, "acme") {
		t.Fatalf("tenant list = %q, %v", out, err)
	}
	out, err := cli(t, db, "admin", "create", "--username", "carol", "--email", "carol@example.com", "--tenant", "acme", "--role", "owner")
	pw := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if err != nil || pw == nil {
		t.Fatalf("admin create = %q, %v; want a generated password", out, err)
	}
	if _, err := cli(t, db, "admin", "create", "--username", "dave", "--tenant", "nope"); err == nil || !strings.Contains(err.Error(), `no tenant has the alias "nope"`) {
		t.Fatalf("admin create in a missing tenant = %v", err)
	}
	out, err = cli(t, db, "apikey", "create", "--tenant", "acme", "--role", "viewer", "--name", "reports")
	token := regexp.MustCompile(`(?m)^(rst_\S+)$`).FindStringSubmatch(out)
	if err != nil || token == nil {
		t.Fatalf("apikey create = %q, %v", out, err)
	}
	if out, err := cli(t, db, "admin", "password", "--username", "carol", "--password", "a new long password"); err != nil || !strings.Contains(out, "password changed") {
		t.Fatalf("admin password = %q, %v", out, err)
	}
	if out, err := cli(t, db, "seed", "--tenant", "acme", "--users", "500", "--org-units", "20", "--groups", "3", "--properties", "4", "--seed", "3"); err != nil ||
		!strings.Contains(out, "seeded 500 users, 20 org units, 3 groups and 4 properties into acme") {
		t.Fatalf("seed = %q, %v", out, err)
	}
	if out, err := cli(t, db, "optimize"); err != nil || !strings.Contains(out, "keyword index merged into one segment") &&
		!strings.Contains(out, "nothing to do: PostgreSQL keeps its keyword index") {
		t.Fatalf("optimize = %q, %v", out, err)
	}
	if _, err := cli(t, db, "frobnicate"); err == nil {
		t.Fatal("an unknown command succeeded")
	}

	st, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AuthenticateAdmin(t.Context(), "carol", "a new long password"); err != nil {
		t.Fatalf("carol's new password does not work: %v", err)
	}
	acme, _ := st.GetTenantByAlias(t.Context(), "acme")
	if l, _ := st.ListUsers(t.Context(), acme.ID, store.UserFilter{}); l.Total != 500 {
		t.Fatalf("users after seed = %d, want 500", l.Total)
	}
	if units, _ := st.ListOrgUnits(t.Context(), acme.ID, store.NameFilter{}); units.Total != 21 {
		t.Fatalf("org units after seed = %d, want the root and 20", units.Total)
	}
	if props, _ := st.ListProperties(t.Context(), acme.ID); len(props) != 4 {
		t.Fatalf("properties after seed = %d, want 4", len(props))
	}
	k, err := st.AuthenticateAPIKey(t.Context(), token[1])
	if err != nil || k.Role != store.RoleViewer {
		t.Fatalf("printed API key = %+v, %v", k, err)
	}
}

// roster backup copies SQLite files; for PostgreSQL it names the tool to
// use, without connecting or writing anything.
func TestBackupOfPostgresPointsToPgDump(t *testing.T) {
	to := filepath.Join(t.TempDir(), "roster.dump")
	_, err := cli(t, "postgres://roster:secret@127.0.0.1:1/roster", "backup", "--to", to)
	if err == nil || !strings.Contains(err.Error(), "pg_dump --format=custom --file="+to) || strings.Contains(err.Error(), "secret") {
		t.Fatalf("backup of a PostgreSQL database = %v, want the pg_dump command, without the password", err)
	}
	if _, err := os.Stat(to); err == nil {
		t.Fatal("the refused backup wrote a file")
	}
}

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	db, to := filepath.Join(dir, "roster.db"), filepath.Join(dir, "backups", "roster-1.db")
	if _, err := cli(t, db, "tenant", "create", "--name", "Acme", "--alias", "acme"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Dir(to), 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := cli(t, "", "backup", "--db", db, "--to", to)
	if err != nil || !regexp.MustCompile(`backed up \S+roster\.db to \S+roster-1\.db \([0-9.]+ KiB\) in \d`).MatchString(out) {
		t.Fatalf("backup = %q, %v; want what it did, the size and the time", out, err)
	}
	b, err := store.Open(t.Context(), to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetTenantByAlias(t.Context(), "acme"); err != nil {
		t.Fatalf("tenant acme in the backup: %v", err)
	}
	b.Close()
	before, _ := os.ReadFile(to)

	if _, err := cli(t, db, "backup", "--to", to); err == nil || !strings.Contains(err.Error(), to+": file already exists") {
		t.Fatalf("backup over an existing file = %v, want a refusal naming it", err)
	}
	if after, _ := os.ReadFile(to); !bytes.Equal(after, before) {
		t.Fatal("the refused backup changed the existing file")
	}
	if _, err := cli(t, db, "backup"); err == nil || !strings.Contains(err.Error(), "--to") {
		t.Fatalf("backup without --to = %v", err)
	}
	missing := filepath.Join(dir, "missing.db")
	if _, err := cli(t, missing, "backup", "--to", filepath.Join(dir, "x.db")); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Fatalf("backup of a missing database = %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("backing up a missing database created it")
	}
}

// syncBuffer is a log sink safe to read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServePrintsFirstOwnerOnceAndShutsDownGracefully(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	env := func(k string) string { return "" }
	start := func() (string, func() error) {
		ctx, cancel := context.WithCancel(t.Context())
		var log syncBuffer
		done := make(chan error, 1)
		go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, env, &log, &log) }()
		addr := regexp.MustCompile(`addr=(http://\S+)`)
		deadline := time.Now().Add(10 * time.Second)
		for !addr.MatchString(log.String()) {
			if time.Now().After(deadline) {
				t.Fatalf("server did not start:\n%s", log.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		url := addr.FindStringSubmatch(log.String())[1]
		resp, err := http.Get(url + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz = %v", err)
		}
		resp.Body.Close()
		return log.String(), func() error { cancel(); return <-done }
	}

	first, stop := start()
	if err := stop(); err != nil {
		t.Fatalf("serve after SIGTERM-like cancel = %v, want a clean exit", err)
	}
	pw := regexp.MustCompile(`first owner: username=admin password=(\S+?)"`).FindStringSubmatch(first)
	if pw == nil || !strings.Contains(first, "sign in at http://127.0.0.1:") {
		t.Fatalf("first start log does not say how to sign in:\n%s", first)
	}
	second, stop := start()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(second, "first owner") {
		t.Fatal("the second start printed a first owner again")
	}
	st, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AuthenticateAdmin(t.Context(), "admin", pw[1]); err != nil {
		t.Fatalf("printed password does not sign in: %v", err)
	}
}

func TestServeConfigLimits(t *testing.T) {
	env := map[string]string{"ROSTER_MAX_PROPERTIES": "5"}
	getenv := func(k string) string { return env[k] }
	c, err := parseServe([]string{"--max-property-values", "20"}, getenv)
	if err != nil || c.Limits.Properties != 5 || c.Limits.PropertyValues != 20 {
		t.Fatalf("limits = %+v, %v", c.Limits, err)
	}
	c, err = parseServe(nil, func(string) string { return "" })
	if err != nil || c.Limits.Properties != store.DefaultMaxProperties || c.Limits.PropertyValues != store.DefaultMaxPropertyValues {
		t.Fatalf("default limits = %+v, %v", c.Limits, err)
	}
	if _, err := parseServe([]string{"--max-properties", "none"}, getenv); err == nil || !strings.Contains(err.Error(), "--max-properties") {
		t.Fatalf("bad limit = %v", err)
	}
}

// Bench mode is for make bench only: off unless asked for, by flag or
// environment.
func TestServeConfigBench(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  string
		want bool
	}{
		{nil, "", false},
		{[]string{"--bench"}, "", true},
		{nil, "true", true},
		{[]string{"--bench=false"}, "true", false},
	} {
		getenv := func(k string) string { return map[string]string{"ROSTER_BENCH": tc.env}[k] }
		c, err := parseServe(tc.args, getenv)
		if err != nil || c.Bench != tc.want {
			t.Errorf("parseServe(%q, ROSTER_BENCH=%q): bench %v, %v; want %v", tc.args, tc.env, c.Bench, err, tc.want)
		}
	}
	bad := func(k string) string { return map[string]string{"ROSTER_BENCH": "yes please"}[k] }
	if _, err := parseServe(nil, bad); err == nil || !strings.Contains(err.Error(), "ROSTER_BENCH") {
		t.Errorf("bad ROSTER_BENCH = %v", err)
	}
}
