package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	_ "time/tzdata" // IANA names validate the same on hosts without a zoneinfo database
)

// idList returns "?,?,…" and the ids as arguments.
func idList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?,", len(ids)), ","), args
}

// indexForSearch adds users to SQLite's keyword index in one statement.
// (PostgreSQL's trigram index is an index of users itself, kept by
// PostgreSQL.)
func (s *Store) indexForSearch(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) == 0 || s.pg {
		return nil
	}
	marks, args := idList(ids)
	_, err := tx.ExecContext(ctx, `INSERT INTO users_fts (rowid, username, display_name, email)
		SELECT id, username, display_name, email FROM users WHERE id IN (`+marks+`)`, args...)
	if err != nil {
		return fmt.Errorf("store: index users for search: %w", err)
	}
	return nil
}

// OptimizeSearch merges the keyword index into one segment. Batches of new
// users add segments, which FTS5's automerge folds into larger ones but
// keeps a few per level; a search seeks every segment for each trigram of
// its keyword, so after large imports the widest searches slow down
// (make bench: about 4 times, with 13 segments at a million users). Writes
// wait while it runs, about a minute at a million users.
func (s *Store) OptimizeSearch(ctx context.Context) error {
	if s.pg {
		return nil // a GIN index has no segments to merge
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO users_fts (users_fts) VALUES ('optimize')`); err != nil {
			return fmt.Errorf("store: optimize the keyword index: %w", err)
		}
		return nil
	})
}

// unindexForSearch removes a tenant's users from the keyword index in one
// statement; it must run before the rows are deleted, while their indexed
// values can still be read.
func (s *Store) unindexForSearch(ctx context.Context, tx *sql.Tx, tenant int64, ids []int64) error {
	if len(ids) == 0 || s.pg {
		return nil
	}
	marks, args := idList(ids)
	_, err := tx.ExecContext(ctx, `INSERT INTO users_fts (users_fts, rowid, username, display_name, email)
		SELECT 'delete', id, username, display_name, email FROM users WHERE tenant_id = ? AND id IN (`+marks+`)`,
		append([]any{tenant}, args...)...)
	if err != nil {
		return fmt.Errorf("store: remove users from search: %w", err)
	}
	return nil
}
