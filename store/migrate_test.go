package store

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pressly/goose/v3"
)

// A database holding users, memberships and property values before the
// copies of migrations 00005, 00006 and 00008 existed gets them filled in
// by those migrations: upgrading loses nothing and leaves nothing stale.
func TestMigrationsFillCopiesOfExistingData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roster.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	sub, _ := fs.Sub(migrations, "migrations/sqlite")
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO tenants (id, name, alias, created_at) VALUES (1, 'T', 't', 0)`,
		`INSERT INTO org_units (id, tenant_id, parent_id, name, created_at, updated_at) VALUES (1, 1, NULL, 'Root', 0, 0)`,
		`INSERT INTO org_closure (ancestor, descendant, depth) VALUES (1, 1, 0)`,
		`INSERT INTO users (id, tenant_id, username, status, org_unit_id, created_at, updated_at) VALUES
			(1, 1, 'ada', 'enabled', 1, 0, 0), (2, 1, 'bob', 'enabled', 1, 0, 0), (3, 1, 'cy', 'enabled', 1, 0, 0)`,
		`INSERT INTO user_groups (id, tenant_id, name, created_at, updated_at) VALUES (1, 1, 'G', 0, 0)`,
		`INSERT INTO group_members (group_id, user_id, joined_at) VALUES (1, 2, 0), (1, 1, 0)`,
		`INSERT INTO properties (id, tenant_id, key, type, created_at, updated_at) VALUES
			(1, 1, 'team', 'multiselect', 0, 0), (2, 1, 'note', 'text', 0, 0)`,
		`INSERT INTO property_options (id, property_id, value) VALUES (1, 1, 'web'), (2, 1, 'ops')`,
		`INSERT INTO user_property_values (property_id, option_id, value, user_id) VALUES
			(1, 2, '', 1), (1, 1, '', 1), (2, 0, 'hi, 3,4,', 1), (2, 0, 'x', 2)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, path) // applies 00005 onwards
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.StalePropertyCopies(ctx); n != 0 || err != nil {
		t.Errorf("%d stale property copies (%v)", n, err)
	}
	if n, err := s.StaleMemberNames(ctx); n != 0 || err != nil {
		t.Errorf("%d stale username copies (%v)", n, err)
	}
	want := map[int64]map[string][]string{1: {"team": {"web", "ops"}, "note": {"hi, 3,4,"}}, 2: {"note": {"x"}}, 3: {}}
	for id, props := range want {
		u, err := s.GetUser(ctx, 1, id)
		if err != nil {
			t.Fatal(err)
		}
		vals := u.Properties
		if len(vals) != len(props) {
			t.Errorf("user %d: %v, want %v", id, vals, props)
		}
		for k, v := range props {
			if !slices.Equal(vals[k].Values, v) {
				t.Errorf("user %d %s: %v, want %v", id, k, vals[k].Values, v)
			}
		}
	}
	old, oldBias := s.SetOrderedReads(true), s.SetWalkBias(0)
	defer s.SetOrderedReads(old)
	defer s.SetWalkBias(oldBias)
	for _, f := range []UserFilter{{GroupID: 1}, {Properties: map[string][]string{"note": {"x"}}}} {
		l, err := s.ListUsers(ctx, 1, f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range l.Items {
			got = append(got, u.Username)
		}
		wantNames := []string{"ada", "bob"}
		if f.GroupID == 0 {
			wantNames = []string{"bob"}
		}
		if !slices.Equal(got, wantNames) {
			t.Errorf("%+v: %v, want %v", f, got, wantNames)
		}
	}
}
