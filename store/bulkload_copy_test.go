package store_test

import (
	"errors"
	"slices"
	"testing"

	"roster/store"
)

// A load writes its fields as given, the characters PostgreSQL's COPY
// format escapes (tab, newline, carriage return, backslash) included, and
// a username given twice fails it with nothing written.
func TestBulkLoadFieldsAsGiven(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	var fks []string
	if s.Engine() == "postgres" {
		var err error
		if fks, err = s.ForeignKeys(ctx); err != nil {
			t.Fatal(err)
		}
	}
	const name, mail, note = "Tab\there, line\nthere, \\N and \\ back\rslash", "o'neil\\x@example.com", `back\slash, \N, \.`
	var id int64
	var notes store.Property
	err := s.BulkLoad(ctx, tn.ID, func(l *store.Loader) error {
		var err error
		if notes, err = l.AddProperty(store.NewProperty{Key: "notes", Type: "text"}); err != nil {
			return err
		}
		if id, err = l.AddUser(store.BulkUser{Username: "odd", DisplayName: name, Email: mail}); err != nil {
			return err
		}
		return l.AddValue(id, notes.ID, 0, note)
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.GetUser(ctx, tn.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if u.DisplayName != name || u.Email != mail || !slices.Equal(u.Properties["notes"].Values, []string{note}) {
		t.Errorf("loaded %q, %q, %v; want %q, %q, [%q]", u.DisplayName, u.Email, u.Properties["notes"].Values, name, mail, note)
	}
	if n, err := s.StalePropertyCopies(ctx); n != 0 || err != nil {
		t.Errorf("%d users' rows hold other property values than the values table (%v)", n, err)
	}

	err = s.BulkLoad(ctx, tn.ID, func(l *store.Loader) error {
		for _, name := range []string{"twice", "other", "twice"} {
			if _, err := l.AddUser(store.BulkUser{Username: name}); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("a username twice in one load: %v, want ErrConflict", err)
	}
	if l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{}); l.Total != 1 {
		t.Errorf("%d users after the failed load, want 1", l.Total)
	}

	// PostgreSQL's foreign keys, dropped while loading, are back and
	// checked.
	if fks != nil {
		if got, err := s.ForeignKeys(ctx); err != nil || !slices.Equal(got, fks) {
			t.Errorf("foreign keys after the loads (%v):\n%q\nwant\n%q", err, got, fks)
		}
	}
}
