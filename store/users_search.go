package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"
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

// searchMergePages bounds a step of the keyword index's background merge
// (see mergeSearchWhenIdle): a few MB written in tens of milliseconds,
// which a write arriving meanwhile waits for.
const searchMergePages = 1000

// mergeSearchStep merges up to searchMergePages pages of SQLite's keyword
// index towards one segment, on the write connection (a transaction
// arriving meanwhile waits for it), and says whether there was anything
// to merge. It changes no user, so it is not a commit the store's caches
// drop for.
func (s *Store) mergeSearchStep(ctx context.Context) (bool, error) {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("store: merge the keyword index: %w", err)
	}
	defer conn.Close()
	// FTS5's way of telling whether a merge did anything: the connection's
	// total changes grow by 2 or more when it did.
	var before, after int64
	if err := conn.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
		return false, fmt.Errorf("store: merge the keyword index: %w", err)
	}
	// A negative size merges every segment, however few share a level.
	if _, err := conn.ExecContext(ctx, `INSERT INTO users_fts (users_fts, rank) VALUES ('merge', ?)`, -searchMergePages); err != nil {
		return false, fmt.Errorf("store: merge the keyword index: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&after); err != nil {
		return false, fmt.Errorf("store: merge the keyword index: %w", err)
	}
	return after-before >= 2, nil
}

// searchMergeSteps is how many steps an idle second may run.
const searchMergeSteps = 10

// mergeSearchWhenIdle, called every second, merges the keyword index a
// few steps at a time while no write has committed for a second, until it
// is one segment again. Users created in many batches (through the API, an
// import) leave it in many segments, which FTS5 folds together only a few
// per level, and the widest searches seek every segment: after 200,000
// users arrived 500 at a time the search every user matches ran 3 to 4
// times slower. seen and merged carry the state from call to call.
func (s *Store) mergeSearchWhenIdle(seen *uint64, merged *bool) {
	if now := s.commits.Load(); now != *seen {
		*seen, *merged = now, false
		return
	}
	if *merged || s.searchMergeOff.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range searchMergeSteps {
		// A write transaction still running (a bulk load's can run for
		// minutes) is not idleness: waiting for it would hold up the
		// checkpoints this loop also takes, and time out.
		if !s.writeMu.TryLock() {
			return
		}
		more, err := s.mergeSearchStep(ctx)
		s.writeMu.Unlock()
		if err != nil {
			slog.Warn("store: background merge of the keyword index", "err", err)
			return
		}
		if !more {
			*merged = true
			return
		}
		if s.commits.Load() != *seen {
			return // writes are back: they go first
		}
	}
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
