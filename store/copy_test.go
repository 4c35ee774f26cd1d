package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"roster/store"
	"roster/store/seed"
	"roster/store/storetest"
)

// A SQLite directory copied to PostgreSQL reads the same through every
// store method; a failed copy leaves the target empty, and a copy into a
// target that holds data is refused without changing it.
func TestCopyDatabaseToPostgres(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := storetest.PostgresDSN(t)
	target := openCopyTarget(t, dsn)
	schema := pgSchema(t, dsn)
	src, err := store.Open(ctx, filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	src.PasswordCost = bcrypt.MinCost
	fx := mustCopySource(t, src)

	// Cancelled in the middle of the users: nothing stays behind.
	cancelled, cancel := context.WithCancel(ctx)
	_, err = store.CopyDatabase(cancelled, src, target, func(table string, done, total int64) {
		if table == "users" && done > 0 && done < total {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CopyDatabase cancelled while copying users = %v, want context.Canceled", err)
	}
	if ts, err := target.ListTenants(ctx); err != nil || len(ts) != 0 {
		t.Fatalf("tenants after a cancelled copy = %d, %v; want none", len(ts), err)
	}
	if got := pgSchema(t, dsn); !slices.Equal(got, schema) {
		t.Fatalf("schema after a cancelled copy is not as migrated: %s", lineDiff(got, schema))
	}

	type step struct {
		table       string
		done, total int64
	}
	var steps []step
	copied, err := store.CopyDatabase(ctx, src, target, func(table string, done, total int64) {
		steps = append(steps, step{table, done, total})
	})
	if err != nil {
		t.Fatalf("CopyDatabase = %v", err)
	}
	var names []string
	rows := map[string]int64{}
	for _, c := range copied {
		names = append(names, c.Name)
		rows[c.Name] = c.Rows
	}
	if len(names) < 25 || names[0] != "tenants" || !slices.Contains(names, "job_users") || slices.Contains(names, "sessions") {
		t.Errorf("tables copied = %v", names)
	}
	if rows["users"] != 3000+5+2 || rows["outbox"] != 1 || rows["jobs"] != 1 || rows["job_users"] == 0 || rows["password_history"] != 1 ||
		rows["attempts"] != 2 {
		t.Errorf("rows copied = %v", rows)
	}
	// Each table's progress climbs to its rows, which it reaches once, last.
	var calls []string
	var rebuilt []step
	for i, s := range steps {
		if s.table == store.CopyIndexes {
			rebuilt = append(rebuilt, s)
			continue
		}
		if s.total != rows[s.table] || s.done > s.total || i > 0 && steps[i-1].table == s.table && s.done <= steps[i-1].done {
			t.Errorf("progress %+v after %+v; want the table's rows as total, and done climbing to them", s, steps[max(i-1, 0)])
		}
		if s.done == s.total {
			calls = append(calls, s.table)
		}
	}
	if !slices.Equal(calls, names) {
		t.Errorf("tables progress called complete = %v, want each copied table once, in order", calls)
	}
	if n := len(rebuilt); n < 40 || rebuilt[0].done != 0 || rebuilt[n-1].done != rebuilt[n-1].total || steps[len(steps)-1] != rebuilt[n-1] {
		t.Errorf("progress of the indexes and foreign keys = %v, want them counted one by one after the tables", rebuilt)
	}
	if n := len(slices.DeleteFunc(slices.Clone(steps), func(s step) bool { return s.table != "users" })); n != 5 {
		t.Errorf("progress calls for 3,007 users = %d, want 5: at 0, 1000, 2000, 3000 and the end", n)
	}

	if got := pgSchema(t, dsn); !slices.Equal(got, schema) {
		t.Errorf("schema after the copy is not as migrated: %s", lineDiff(got, schema))
	}
	want := describe(t, src)
	got := describe(t, target)
	compareDescriptions(t, want, got)

	// Into a target that now holds everything: refused, and nothing changes.
	_, err = store.CopyDatabase(ctx, src, target, nil)
	if !errors.Is(err, store.ErrTargetNotEmpty) || !strings.Contains(err.Error(), "tenants, org_units") {
		t.Fatalf("second CopyDatabase = %v, want ErrTargetNotEmpty naming the tables with rows", err)
	}
	compareDescriptions(t, got, describe(t, target))

	if k, err := target.AuthenticateAPIKey(ctx, fx.apiKey); err != nil || k.Name != "reports" {
		t.Errorf("API key created on SQLite, on PostgreSQL = %+v, %v", k, err)
	}
	if _, err := target.AuthenticateAPIKey(ctx, fx.revokedKey); !errors.Is(err, store.ErrInvalidCredentials) {
		t.Errorf("revoked API key on PostgreSQL = %v, want ErrInvalidCredentials", err)
	}
	if _, err := target.AuthenticateAdmin(ctx, "owner-acme", "correct horse battery"); err != nil {
		t.Errorf("owner signs in on PostgreSQL: %v", err)
	}
	if u, err := target.AuthenticateUser(ctx, fx.beta, "ada", "New-password-2"); err != nil || u.Username != "ada" {
		t.Errorf("end user signs in on PostgreSQL = %+v, %v", u, err)
	}
	if r, err := target.ReserveAttempts(ctx, guesser); err != nil || r.OK {
		t.Errorf("sign-in limit used up on SQLite, on PostgreSQL = %+v, %v; want still used up", r, err)
	}
	sessions := target.Sessions(time.Hour)
	defer sessions.StopCleanup()
	if _, found, err := sessions.Find(fx.session); found || err != nil {
		t.Errorf("session on PostgreSQL = %v, %v; want none: sessions stay behind", found, err)
	}

	// Written after the copy: ids follow the copied ones, and the triggers
	// keep the counters again.
	tn, err := target.GetTenantByAlias(ctx, "seeded")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := target.ListUsers(ctx, tn.ID, store.UserFilter{})
	u := mustUser(t, target, tn.ID, store.NewUser{Username: "after.copy"})
	if u.ID <= fx.maxUserID {
		t.Errorf("first user after the copy has id %d, want one past the copied %d", u.ID, fx.maxUserID)
	}
	if after, _ := target.ListUsers(ctx, tn.ID, store.UserFilter{}); after.Total != before.Total+1 {
		t.Errorf("users after adding one = %d, want %d: the count trigger is off", after.Total, before.Total+1)
	}
	nt, err := target.CreateTenant(ctx, "Gamma", "gamma")
	if err != nil || nt.ID <= fx.maxTenantID {
		t.Errorf("tenant after the copy = %+v, %v; want an id past %d", nt, err, fx.maxTenantID)
	}
}

// A source whose tables are not the target's (another version of Roster)
// is refused, naming the difference, and the target keeps its schema.
func TestCopyRefusesADifferentSchemaToPostgres(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := storetest.PostgresDSN(t)
	target := openCopyTarget(t, dsn)
	schema := pgSchema(t, dsn)
	path := filepath.Join(t.TempDir(), "roster.db")
	src, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	src.PasswordCost = bcrypt.MinCost
	mustTenant(t, src, "acme")
	src.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ALTER TABLE users ADD COLUMN nickname TEXT`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if src, err = store.Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	_, err = store.CopyDatabase(ctx, src, target, nil)
	if err == nil || !strings.Contains(err.Error(), "table users differs between the databases (columns only in SQLite: nickname; only in PostgreSQL: none)") {
		t.Fatalf("CopyDatabase of another schema = %v, want a refusal naming the column", err)
	}
	if ts, err := target.ListTenants(ctx); err != nil || len(ts) != 0 {
		t.Errorf("tenants after a refused copy = %d, %v; want none", len(ts), err)
	}
	if got := pgSchema(t, dsn); !slices.Equal(got, schema) {
		t.Errorf("schema after a refused copy is not as migrated: %s", lineDiff(got, schema))
	}
}

// openCopyTarget opens the PostgreSQL database dsn.
func openCopyTarget(t *testing.T, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.PasswordCost = bcrypt.MinCost
	return s
}

// pgSchema lists the indexes, constraints and triggers of the PostgreSQL
// database dsn, with whether each trigger is on: what the copy turns off
// or drops for a while, and must leave as the migrations made them.
func pgSchema(t *testing.T, dsn string) []string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), `
		SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
		UNION ALL
		SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
		UNION ALL
		SELECT tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text
		FROM pg_trigger WHERE NOT tgisinternal
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil || len(lines) < 50 {
		t.Fatalf("schema = %d lines, %v", len(lines), err)
	}
	return lines
}

// lineDiff names the lines only one of got and want has.
func lineDiff(got, want []string) string {
	var d []string
	for _, l := range got {
		if !slices.Contains(want, l) {
			d = append(d, "\n+ "+l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			d = append(d, "\n- "+l)
		}
	}
	return strings.Join(d, "")
}

// guesser is a sign-in limit that mustCopySource uses up.
var guesser = store.Quota{Key: "192.0.2.1 ada", Max: 2, Window: time.Hour}

// copySource is what mustCopySource made that the copy's test checks
// beyond the store's reads.
type copySource struct {
	beta                   int64
	apiKey, revokedKey     string
	session                string
	maxUserID, maxTenantID int64
}

// mustCopySource fills s with a bit of every table: a directory with every
// property type (mustDirectory), a tenant of 3,000 seeded users with org
// units, groups and property values, another administrator, API keys,
// password history, an email with its token, a job, a resource group,
// preferences, a failed sign-in, a used-up sign-in limit and a session.
func mustCopySource(t *testing.T, s *store.Store) copySource {
	t.Helper()
	ctx := t.Context()
	s.Compose = plainCompose
	var fx copySource
	mustDirectory(t, s)
	seeded, owner := mustTenant(t, s, "seeded")
	if err := seed.Users(ctx, s, seeded.ID, seed.Options{Users: 3000, OrgUnits: 40, Groups: 6, Properties: 8, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	beta, _ := mustTenant(t, s, "beta")
	fx.beta, fx.maxTenantID = beta.ID, beta.ID
	ada := mustUser(t, s, beta.ID, store.NewUser{Username: "ada", Email: "ada@example.com", Password: "Old-password-1"})
	bob := mustUser(t, s, beta.ID, store.NewUser{Username: "bob", Email: "bob@example.com"})
	fx.maxUserID = bob.ID
	if _, err := s.ChangePassword(ctx, beta.ID, ada.ID, "Old-password-1", "New-password-2", false); err != nil {
		t.Fatal(err)
	}
	if err := s.SendInvitation(ctx, beta.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAdmin(ctx, seeded.ID, store.NewAdmin{Username: "vera", Email: "vera@example.com",
		Password: "a long viewer password"}, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMember(ctx, beta.ID, "vera", store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAdminPreference(ctx, owner.ID, seeded.ID, "users.columns", "email,status"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateAdmin(ctx, "nobody", "wrong"); err == nil {
		t.Fatal("an unknown administrator signed in")
	}
	var err error
	if _, fx.apiKey, err = s.CreateAPIKey(ctx, seeded.ID, store.NewAPIKey{Name: "reports", Role: store.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	revoked, token, err := s.CreateAPIKey(ctx, seeded.ID, store.NewAPIKey{Name: "old", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	fx.revokedKey = token
	if err := s.RevokeAPIKey(ctx, seeded.ID, revoked.PublicID); err != nil {
		t.Fatal(err)
	}
	disabled, err := s.CountUsers(ctx, seeded.ID, store.UserFilter{Status: store.StatusDisabled})
	if err != nil || disabled == 0 {
		t.Fatalf("disabled seeded users = %d, %v", disabled, err)
	}
	mustUsersJob(t, s, seeded.ID, store.UserFilter{Status: store.StatusDisabled}, disabled)
	name, platform := "VPN", "network"
	rg, err := s.CreateResourceGroup(ctx, seeded.ID, store.ResourceGroupInput{Name: &name, Platform: &platform})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangeResources(ctx, seeded.ID, rg.ID, true, []store.Resource{{Type: "host", ID: "vpn-1", Name: "VPN 1"}}); err != nil {
		t.Fatal(err)
	}
	some, err := s.ListUsers(ctx, seeded.ID, store.UserFilter{Page: store.Page{Size: 3}})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := s.ListGroups(ctx, seeded.ID, store.NameFilter{})
	if err != nil || len(groups.Items) == 0 {
		t.Fatalf("seeded groups = %+v, %v", groups, err)
	}
	if _, err := s.ChangeAssignments(ctx, seeded.ID, rg.ID, true, pubIDs(some.Items...), []string{groups.Items[0].PublicID()}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if r, err := s.ReserveAttempts(ctx, guesser); err != nil || !r.OK {
			t.Fatalf("ReserveAttempts = %+v, %v", r, err)
		}
	}
	sessions := s.Sessions(time.Hour)
	defer sessions.StopCleanup()
	fx.session = "a-session-token"
	if err := sessions.Commit(fx.session, []byte("data"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return fx
}

// describe reads everything the store shows of its directory, section by
// section, one item a line: what a copy must keep.
func describe(t *testing.T, s *store.Store) map[string][]string {
	t.Helper()
	ctx := t.Context()
	d := map[string][]string{}
	add := func(section string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		d[section] = append(d[section], string(b))
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	tenants, err := s.ListTenants(ctx)
	must(err)
	for _, tn := range tenants {
		add("tenants", tn)
		in := func(what string) string { return tn.Alias + ": " + what }
		users := all(t, func(p store.Page) (store.List[store.User], error) {
			l, err := s.ListUsers(ctx, tn.ID, store.UserFilter{Page: p})
			return l.List, err
		})
		for _, u := range users {
			add(in("users"), u)
			got, err := s.GetUser(ctx, tn.ID, u.ID)
			must(err)
			add(in("GetUser"), got)
		}
		units := all(t, func(p store.Page) (store.List[store.OrgUnit], error) {
			return s.ListOrgUnits(ctx, tn.ID, store.NameFilter{Page: p})
		})
		var ids []int64
		for _, u := range units {
			add(in("units"), u)
			ids = append(ids, u.ID)
		}
		paths, err := s.OrgUnitPaths(ctx, tn.ID, ids)
		must(err)
		add(in("unit paths"), paths)
		for _, g := range all(t, func(p store.Page) (store.List[store.Group], error) {
			return s.ListGroups(ctx, tn.ID, store.NameFilter{Page: p})
		}) {
			add(in("groups"), g)
			for _, m := range all(t, func(p store.Page) (store.List[store.User], error) {
				l, err := s.ListUsers(ctx, tn.ID, store.UserFilter{GroupID: g.ID, Page: p})
				return l.List, err
			}) {
				add(in("members of "+g.Name), m.Username)
			}
		}
		props, err := s.ListProperties(ctx, tn.ID)
		must(err)
		for _, p := range props {
			add(in("properties"), p)
			for _, o := range p.Options {
				// Found through user_property_values, not the users' copies.
				n, err := s.CountUsers(ctx, tn.ID, store.UserFilter{Properties: map[string][]string{p.Key: {o.Value}}})
				must(err)
				add(in("holders of "+p.Key), fmt.Sprintf("%s: %d", o.Value, n))
			}
		}
		members, err := s.ListMembers(ctx, tn.ID)
		must(err)
		for _, m := range members {
			add(in("members"), m)
			ms, err := s.Memberships(ctx, m.ID)
			must(err)
			add(in("memberships of "+m.Username), ms)
			v, found, err := s.AdminPreference(ctx, m.ID, tn.ID, "users.columns")
			must(err)
			add(in("preferences of "+m.Username), fmt.Sprint(v, found))
		}
		keys, err := s.ListAPIKeys(ctx, tn.ID)
		must(err)
		add(in("api keys"), keys)
		for _, e := range all(t, func(p store.Page) (store.List[store.AuditEvent], error) {
			return s.ListAuditEvents(ctx, tn.ID, store.AuditFilter{Page: p})
		}) {
			add(in("audit events"), e)
		}
		for _, dim := range store.UserStatDims {
			stats, err := s.UserStats(ctx, tn.ID, dim)
			must(err)
			add(in("stats by "+dim), stats)
		}
		msgs, err := s.ListMessages(ctx, tn.ID, "", store.Page{Size: store.MaxPageSize})
		must(err)
		add(in("outbox"), msgs)
		jobs, err := s.ListJobs(ctx, tn.ID, store.JobFilter{Page: store.Page{Size: store.MaxPageSize}})
		must(err)
		for _, j := range jobs.Items {
			add(in("jobs"), j)
			ids, err := s.JobUserIDs(ctx, j.ID, 0, 10000)
			must(err)
			add(in("job users"), ids)
		}
		rgs, err := s.ListResourceGroups(ctx, tn.ID, store.NameFilter{})
		must(err)
		for _, rg := range rgs.Items {
			add(in("resource groups"), rg)
			res, err := s.Resources(ctx, tn.ID, rg.ID)
			must(err)
			as, err := s.ResourceGroupAssignments(ctx, tn.ID, rg.ID)
			must(err)
			add(in("resources"), res)
			add(in("assignments"), as)
		}
		pol, err := s.GetPasswordPolicy(ctx, tn.ID)
		must(err)
		add(in("password policy"), pol)
	}
	for _, e := range all(t, func(p store.Page) (store.List[store.AuditEvent], error) {
		return s.ListSystemAuditEvents(ctx, store.AuditFilter{Page: p})
	}) {
		add("system audit events", e)
	}
	n, err := s.AttemptRows(ctx)
	must(err)
	add("sign-in attempts", n)
	return d
}

// all reads every page of a list.
func all[T any](t *testing.T, list func(store.Page) (store.List[T], error)) []T {
	t.Helper()
	var items []T
	for p := (store.Page{Size: store.MaxPageSize}); ; {
		l, err := list(p)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, l.Items...)
		if l.Next == "" {
			return items
		}
		p.Cursor = l.Next
	}
}

// compareDescriptions reports each section of two descriptions that
// differ, at its first differing line.
func compareDescriptions(t *testing.T, want, got map[string][]string) {
	t.Helper()
	for _, section := range slices.Sorted(mapKeys(want, got)) {
		w, g := want[section], got[section]
		if slices.Equal(w, g) {
			continue
		}
		i := 0
		for i < min(len(w), len(g)) && w[i] == g[i] {
			i++
		}
		line := func(l []string) string {
			if i < len(l) {
				return l[i]
			}
			return "(none)"
		}
		t.Errorf("%s: %d lines, want %d; line %d:\n got  %s\n want %s", section, len(g), len(w), i+1, line(g), line(w))
	}
}

// mapKeys is every key of the maps, each once.
func mapKeys(ms ...map[string][]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, m := range ms {
			for k := range m {
				if !seen[k] && !yield(k) {
					return
				}
				seen[k] = true
			}
		}
	}
}
