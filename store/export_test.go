package store

import (
	"context"
	"strings"
)

// ListPlan runs ListUsers for f and returns the plan of its page query,
// one step a line (on PostgreSQL, see planPostgres).
func (s *Store) ListPlan(ctx context.Context, tenant int64, f UserFilter) (string, error) {
	return s.lastQueryPlan(ctx, func() error {
		_, err := s.ListUsers(ctx, tenant, f)
		return err
	})
}

// QueryPlan is ListPlan for QueryUsers.
func (s *Store) QueryPlan(ctx context.Context, tenant int64, q UserQuery) (string, error) {
	return s.lastQueryPlan(ctx, func() error {
		_, err := s.QueryUsers(ctx, tenant, q)
		return err
	})
}

func (s *Store) lastQueryPlan(ctx context.Context, run func() error) (string, error) {
	var query string
	var args []any
	s.onListQuery = func(q string, a []any) { query, args = q, a }
	defer func() { s.onListQuery = nil }()
	if err := run(); err != nil {
		return "", err
	}
	if s.pg {
		return s.planPostgres(ctx, query, args...)
	}
	return s.Plan(ctx, query, args...)
}

// planPostgres returns PostgreSQL's plan of query with sequential scans
// priced out of reach: on a test's few rows the planner would rather scan,
// so a scan left in this plan is one no index can spare.
func (s *Store) planPostgres(ctx context.Context, query string, args ...any) (string, error) {
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	defer conn.ExecContext(context.WithoutCancel(ctx), `RESET ALL`)
	if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
		return "", err
	}
	rows, err := conn.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// SetKeywordLists lets (or stops) keyword searches' pages be cut from
// their cached matches, so tests compare them with the query's pages; it
// returns the old value.
func (s *Store) SetKeywordLists(on bool) bool {
	old := s.planner.keywordLists
	s.planner.keywordLists = on
	return old
}

// WatchListQueries calls f with each list query the store runs from now
// on (nil stops).
func (s *Store) WatchListQueries(f func(query string)) {
	if f == nil {
		s.onListQuery = nil
		return
	}
	s.onListQuery = func(q string, _ []any) { f(q) }
}

// WatchBcrypt calls f before every bcrypt hash or comparison the store
// runs, saying whether a write transaction held the write lock meanwhile.
func (s *Store) WatchBcrypt(f func(underWriteLock bool)) {
	s.onBcrypt = func() {
		held := !s.writeMu.TryLock()
		if !held {
			s.writeMu.Unlock()
		}
		f(held)
	}
}

// Plan returns SQLite's plan of query, one step a line.
func (s *Store) Plan(ctx context.Context, query string, args ...any) (string, error) {
	rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return "", err
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// CheckSearchIndex runs FTS5's integrity check of users_fts against the
// users table: it fails if the index and the rows disagree.
// PostgreSQL's trigram index is an index of users itself: nothing to check.
func (s *Store) CheckSearchIndex(ctx context.Context) error {
	if s.pg {
		return nil
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO users_fts (users_fts, rank) VALUES ('integrity-check', 1)`)
	return err
}

// SetWalkBias scales the cost of walking users that decides how a filtered
// page of this store is read (0 always walks, a huge value always drives),
// so tests cover both; it returns the old value.
func (s *Store) SetWalkBias(c float64) float64 {
	old := s.planner.walkBias
	s.planner.walkBias = c
	return old
}

// StalePropertyCopies counts the users whose row's copy of their property
// values differs from what the triggers of migration 00005 would write.
func (s *Store) StalePropertyCopies(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE property_values != coalesce((
		SELECT string_agg(v.property_id || ',' || v.option_id || ',' || octet_length(v.value) || ',' || v.value, ''
		                    ORDER BY v.property_id, v.option_id, v.value)
		FROM user_property_values v WHERE v.user_id = users.id), '')`).Scan(&n)
	return n, err
}

// SetOrderedReads lets (or stops) a group's memberships give the page's
// username order, so tests cover the other ways too.
func (s *Store) SetOrderedReads(on bool) bool {
	old := s.planner.orderedReads
	s.planner.orderedReads = on
	return old
}

// StaleMemberNames counts the memberships and property values whose copy
// of the username is not their user's (migrations 00006 and 00008).
func (s *Store) StaleMemberNames(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.username != u.username) +
		(SELECT count(*) FROM user_property_values v JOIN users u ON u.id = v.user_id WHERE v.username != u.username)`).Scan(&n)
	return n, err
}

// SetSearchMerge turns the keyword index's background merge on or off.
func (s *Store) SetSearchMerge(on bool) { s.searchMergeOff.Store(!on) }

// SetBulkCache sets SQLite's page cache while a bulk load runs, in KiB.
func (s *Store) SetBulkCache(kib int) { s.bulkCacheKiB = kib }

// MergeSearchWhenIdle runs the background merge's call twice with state of
// its own: the first call sees the commits so far, the second merges if no
// write came in between.
func (s *Store) MergeSearchWhenIdle() {
	var seen uint64
	var merged bool
	s.mergeSearchWhenIdle(&seen, &merged)
	s.mergeSearchWhenIdle(&seen, &merged)
}

// SearchSegments counts the segments of the keyword index (segment 0 holds
// FTS5's own records).
func (s *Store) SearchSegments(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(DISTINCT id >> 37) FROM users_fts_data WHERE id >> 37 > 0`).Scan(&n)
	return n, err
}

// IndexesAndTriggers returns the SQL of every index and trigger of the
// schema, sorted.
func (s *Store) IndexesAndTriggers(ctx context.Context) ([]string, error) {
	query := `SELECT sql FROM sqlite_schema WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY sql`
	if s.pg {
		// Triggers paused by a bulk load say so in tgenabled ('D').
		query = `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
			UNION ALL SELECT pg_get_triggerdef(oid) || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
			ORDER BY 1`
	}
	rows, err := s.r.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ddl string
		if err := rows.Scan(&ddl); err != nil {
			return nil, err
		}
		out = append(out, ddl)
	}
	return out, rows.Err()
}

// ReadConnsInUse is how many connections of the read pool are lent out.
func (s *Store) ReadConnsInUse() int { return s.r.Stats().InUse }

// ReadCacheSizes returns the page cache setting (PRAGMA cache_size) of
// each open connection of the read pool, holding them all while it asks.
func (s *Store) ReadCacheSizes(ctx context.Context) ([]int, error) {
	var sizes []int
	for range s.r.Stats().OpenConnections {
		c, err := s.r.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		var n int
		if err := c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&n); err != nil {
			return nil, err
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// ImportCreatedNames returns the keys an import recorded in import_created.
func (s *Store) ImportCreatedNames(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.rd.QueryContext(ctx, `SELECT name FROM import_created WHERE import_id = ? ORDER BY name`, id)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc rowScanner) (string, error) {
		var n string
		return n, sc.Scan(&n)
	})
}
