package store_test

import (
	"database/sql"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"roster/store"
)

// sqlite3 returns the path of the sqlite3 command, Debian's build of an
// older SQLite (3.40 on Debian 12) than the one compiled into Roster. Under
// make test (ROSTER_E2E_REQUIRED=1) a missing command fails the test, so
// the check can never pass by being skipped.
func sqlite3(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("sqlite3")
	if err != nil {
		msg := "the sqlite3 command is missing: apt-get install sqlite3 (make test installs it)"
		if os.Getenv("ROSTER_E2E_REQUIRED") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg + "; skipped outside make test, where it fails instead")
	}
	return path
}

// runSQLite3 runs script with the sqlite3 command on the database file db
// and returns what it printed, one result row a line.
func runSQLite3(t *testing.T, db, script string) (string, error) {
	t.Helper()
	// -init /dev/null: no ~/.sqliterc changes the output; -bail: stop at
	// the first error, which is then the command's error.
	cmd := exec.CommandContext(t.Context(), sqlite3(t), "-batch", "-bail", "-init", "/dev/null", db)
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("sqlite3 %s: %w", db, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// directory is what mustDirectory writes: the user whose property values
// are the most varied, and how many rows some tables hold.
type directory struct {
	tenant  int64
	richest store.User
	counts  map[string]int
}

// mustDirectory fills a tenant of s with a bit of everything: org units,
// users in them, groups with members, an API key and a property of every
// type, the list ones holding values given out of their sorted order.
func mustDirectory(t *testing.T, s *store.Store) directory {
	t.Helper()
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	root, err := s.ListOrgUnits(ctx, tn.ID, store.NameFilter{})
	if err != nil || root.Total != 1 {
		t.Fatalf("ListOrgUnits = %+v, %v; want the root", root, err)
	}
	eng := mustUnit(t, s, tn.ID, root.Items[0].ID, "Engineering")
	web := mustUnit(t, s, tn.ID, eng.ID, "Web")
	var users []store.User
	for i, name := range []string{"Ada", "Bob", "Chloé", "Dan", "Eve"} {
		username := strings.ToLower(strings.ReplaceAll(name, "é", "e"))
		unit := []int64{0, eng.ID, web.ID}[i%3]
		users = append(users, mustUser(t, s, tn.ID, store.NewUser{Username: username, DisplayName: name,
			Email: username + "@example.com", OrgUnitID: unit, Tags: map[string]string{"n": fmt.Sprint(i)}}))
	}
	for _, g := range []struct {
		name    string
		members []store.User
	}{{"Admins", users[:2]}, {"Everyone", users}} {
		grp, err := s.CreateGroup(ctx, tn.ID, g.name, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddGroupMembers(ctx, tn.ID, grp.ID, pubIDs(g.members...)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.CreateAPIKey(ctx, tn.ID, store.NewAPIKey{Name: "reports", Role: store.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	colours := []store.OptionInput{{Value: "red"}, {Value: "green"}, {Value: "blue"}}
	props := []struct {
		key, typ string
		options  []store.OptionInput
		values   []string
	}{
		// Multi-byte characters and the copy's own separator in a value.
		{"note", "text", nil, []string{"héllo, 3,4, wörld ✓"}},
		{"height", "number", nil, []string{"1.85"}},
		{"active", "boolean", nil, []string{"true"}},
		{"started", "date", nil, []string{"2024-02-29"}},
		{"colour", "select", colours, []string{"green"}},
		{"likes", "multiselect", colours, []string{"blue", "red", "green"}},
	}
	for _, p := range props {
		if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: p.key, Type: p.typ, Options: p.options}); err != nil {
			t.Fatalf("CreateProperty(%q) = %v", p.key, err)
		}
	}
	// Set last first, so values go in against the copy's order.
	for _, p := range slices.Backward(props) {
		if err := s.SetUserProperty(ctx, tn.ID, users[0].ID, p.key, p.values); err != nil {
			t.Fatalf("SetUserProperty(%q) = %v", p.key, err)
		}
	}
	for _, u := range users[1:3] {
		if err := s.SetUserProperty(ctx, tn.ID, u.ID, "likes", []string{"red"}); err != nil {
			t.Fatal(err)
		}
	}
	richest, err := s.GetUser(ctx, tn.ID, users[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return directory{tenant: tn.ID, richest: richest,
		counts: map[string]int{"users": 5, "org_units": 3, "user_groups": 2, "group_members": 7, "properties": 6,
			"user_property_values": 10, "api_keys": 1, "tenants": 1, "administrators": 1}}
}

// propertyCopies reads every user's copy of their property values, as hex,
// with Roster's own SQLite.
func propertyCopies(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), `SELECT id, hex(property_values) FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	copies := map[string]string{}
	for rows.Next() {
		var id, pv string
		if err := rows.Scan(&id, &pv); err != nil {
			t.Fatal(err)
		}
		copies[id] = pv
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return copies
}

// checkReadableBySQLite3 checks, with the sqlite3 command, that the
// database at path passes SQLite's integrity check and that every table
// can be read, those of d holding d's rows.
func checkReadableBySQLite3(t *testing.T, path string, d directory) {
	t.Helper()
	if out, err := runSQLite3(t, path, "PRAGMA integrity_check;"); err != nil || out != "ok" {
		t.Fatalf("sqlite3: PRAGMA integrity_check = %q, %v; want ok", out, err)
	}
	out, err := runSQLite3(t, path, `SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name;`)
	if err != nil {
		t.Fatal(err)
	}
	tables := strings.Fields(out)
	var script strings.Builder
	for _, tbl := range tables {
		fmt.Fprintf(&script, "SELECT '%s', count(*) FROM \"%s\";\n", tbl, tbl)
	}
	// The keyword index, trigram tokenizer and all.
	script.WriteString("SELECT 'search ada', count(*) FROM users_fts WHERE users_fts MATCH 'ada';\n")
	out, err = runSQLite3(t, path, script.String())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for line := range strings.Lines(out) {
		name, n, _ := strings.Cut(strings.TrimSpace(line), "|")
		got[name] = n
	}
	for tbl, n := range d.counts {
		if got[tbl] != fmt.Sprint(n) {
			t.Errorf("sqlite3: SELECT count(*) FROM %s = %q, want %d", tbl, got[tbl], n)
		}
	}
	if len(got) != len(tables)+1 || got["search ada"] != "1" {
		t.Errorf("sqlite3 read %d of %d tables, and found %q users searching ada:\n%s", len(got)-1, len(tables), got["search ada"], out)
	}
}

// Debian 12's sqlite3 command (SQLite 3.40) opens a Roster database:
// integrity check, every table, the keyword index. Its writes fire the
// same triggers, which write the same copies of property values.
func TestDebianSQLite3OpensTheDatabase(t *testing.T) {
	t.Parallel()
	sqlite3(t) // before the work, when it is missing
	path := filepath.Join(t.TempDir(), "roster.db")
	s, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	d := mustDirectory(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkReadableBySQLite3(t, path, d)

	// The richest user's values taken away and put back by sqlite3 run
	// both copy triggers, which must leave the copy byte for byte as it was.
	before := propertyCopies(t, path)
	id := d.richest.ID
	out, err := runSQLite3(t, path, fmt.Sprintf(`PRAGMA foreign_keys = ON;
		CREATE TEMP TABLE held AS SELECT * FROM user_property_values WHERE user_id = %[1]d;
		DELETE FROM user_property_values WHERE user_id = %[1]d;
		SELECT 'emptied', property_values = '' FROM users WHERE id = %[1]d;
		INSERT INTO user_property_values SELECT * FROM held;
		SELECT 'refilled', count(*) FROM held;`, id))
	if err != nil || out != "emptied|1\nrefilled|8" {
		t.Fatalf("sqlite3: rewriting user %d's values = %q, %v", id, out, err)
	}
	if after := propertyCopies(t, path); !maps.Equal(after, before) {
		id := fmt.Sprint(id)
		b, _ := hex.DecodeString(before[id])
		a, _ := hex.DecodeString(after[id])
		t.Fatalf("copy of user %s's values written by sqlite3:\n%q\nwant\n%q", id, a, b)
	}

	s, err = store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.StalePropertyCopies(t.Context()); n != 0 || err != nil {
		t.Errorf("%d stale property copies after sqlite3's writes (%v)", n, err)
	}
	if got := userProps(t, s, d.tenant, id)["likes"].Values; !slices.Equal(got, []string{"red", "green", "blue"}) {
		t.Errorf("likes after sqlite3's writes = %v, want the options' order", got)
	}
}

// A database migrated before the copy triggers were rewritten (migration
// 00010), which sqlite3 could not open, can be opened once Roster has
// upgraded it, and its copies are untouched by the upgrade.
func TestUpgradedDatabaseBecomesReadableBySQLite3(t *testing.T) {
	t.Parallel()
	sqlite3(t) // before the work, when it is missing
	path := filepath.Join(t.TempDir(), "roster.db")
	s, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	d := mustDirectory(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	p, err := goose.NewProvider(goose.DialectSQLite3, db, os.DirFS("migrations/sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(t.Context(), 9); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if out, err := runSQLite3(t, path, "PRAGMA integrity_check;"); err == nil || !strings.Contains(out, "malformed database schema") {
		t.Fatalf("sqlite3 on the schema of migration 00009 = %q, %v; want it refused as malformed", out, err)
	}
	before := propertyCopies(t, path)

	s, err = store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkReadableBySQLite3(t, path, d)
	if after := propertyCopies(t, path); !maps.Equal(after, before) {
		t.Fatalf("copies of property values changed by the upgrade:\n%v\nwere\n%v", after, before)
	}
}
