package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// bulkCacheDefault is SQLite's page cache in KiB while a bulk load runs.
const bulkCacheDefault = 1_000_000

// BulkLoad adds many users at once to tenant, with org units, groups and
// memberships, properties and their values: fill adds them through the
// Loader. All of it is one transaction, with one audit event for the
// whole load (tenant.bulk_load) instead of one per row; if fill or
// anything else fails, nothing is added.
//
// It is built for loads of thousands of users up to millions: what the
// tables a load fills would update row by row is paused while loading
// and done once at the end (on SQLite, the secondary indexes and triggers
// of users, group_members and user_property_values are dropped and
// rebuilt, and the keyword index is rebuilt whole; on PostgreSQL, their
// secondary indexes and foreign keys are dropped and rebuilt, their
// triggers are off, and the rows are written with COPY), and every
// counter of the tenant is recomputed. Building an index once is several
// times faster than updating it a million times (measured), but the
// rebuild costs the same for ten users as for the whole table, so small
// batches belong to CreateUsers. A username taken twice fails the load
// with ErrConflict.
func (s *Store) BulkLoad(ctx context.Context, tenant int64, fill func(*Loader) error) error {
	t, err := s.GetTenant(ctx, tenant)
	if err != nil {
		return err
	}
	defer s.forgetProperties(tenant)
	if s.pg {
		err = s.bulkLoadPostgres(ctx, t, fill)
	} else {
		// A large page cache while loading: building indexes over a million
		// rows thrashes the writer's small one (measured against 32 MB:
		// x1.4).
		cache := cmp.Or(s.bulkCacheKiB, bulkCacheDefault)
		if _, err := s.w.ExecContext(ctx, `PRAGMA cache_size = -`+strconv.Itoa(cache)); err != nil {
			return err
		}
		defer s.w.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -8000`)
		err = s.inTx(ctx, func(tx *sql.Tx) error { return s.load(ctx, tx, nil, t, fill) })
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && strings.HasPrefix(pe.ConstraintName, "users_") {
		// Written in batches, a user row may be checked long after AddUser.
		return uniqueUserError(err)
	}
	return err
}

// load is BulkLoad's transaction: tx on SQLite; on PostgreSQL, tx and the
// connection it runs on, conn, through which the rows are copied.
func (s *Store) load(ctx context.Context, tx *sql.Tx, conn *sql.Conn, t Tenant, fill func(*Loader) error) error {
	pause := s.pauseSQLiteLoadSchema
	if s.pg {
		pause = s.pausePostgresLoadSchema
	}
	resume, err := pause(ctx, tx)
	if err != nil {
		return fmt.Errorf("store: bulk load: %w", err)
	}
	l := &Loader{s: s, ctx: ctx, tx: tx, tenant: t.ID, lang: t.DefaultLanguage, now: s.nowMillis(),
		units: map[int64]bool{}, groups: map[int64]bool{}, props: map[int64]string{}, options: map[int64]int64{}}
	if err := tx.QueryRowContext(ctx, `SELECT id FROM org_units WHERE tenant_id = ? AND parent_id IS NULL`, t.ID).Scan(&l.root); err != nil {
		return fmt.Errorf("store: bulk load: root org unit: %w", err)
	}
	l.units[l.root] = true
	// Users get their ids here, so that memberships and values can name
	// them before their rows are written: they follow the largest one,
	// and nothing else writes to the table meanwhile (checked in
	// finish). SQLite's rowids do that on their own, and writing them
	// would make SQLite look each one up first (measured: user rows
	// about 5 % slower); PostgreSQL's come from a sequence, so there
	// they are written, starting past both the largest id and the
	// sequence (an id once used, even by a removed user, is not reused).
	firstID := `SELECT coalesce(max(id), 0) + 1 FROM users`
	if s.pg {
		firstID = `SELECT greatest(coalesce(max(id), 0), (SELECT last_value FROM users_id_seq)) + 1 FROM users`
	}
	if err := tx.QueryRowContext(ctx, firstID).Scan(&l.firstUser); err != nil {
		return fmt.Errorf("store: bulk load: %w", err)
	}
	if s.pg {
		// The foreign keys are off while loading (see
		// pausePostgresLoadSchema): memberships and values go first, and
		// the users wait to be written with their copies of their values.
		l.copier = newCopier(ctx, conn)
		defer l.copier.close()
		l.users = &heldRows{}
		l.members = newCopy(l.copier, "group_members", "group_id", "user_id", "joined_at", "username")
		l.values = newCopy(l.copier, "user_property_values", "property_id", "option_id", "value", "user_id", "username")
	} else {
		users := newBulk(ctx, tx, `INSERT INTO users (tenant_id, username, display_name, email, status, locked_at,
			lock_reason, source_type, language, org_unit_id, created_at, updated_at) VALUES`, "", 12, nil)
		l.users = users
		l.members = newBulk(ctx, tx, `INSERT INTO group_members (group_id, user_id, joined_at, username) VALUES`, "", 4, users)
		l.values = newBulk(ctx, tx, `INSERT INTO user_property_values (property_id, option_id, value, user_id, username) VALUES`, "", 5, users)
	}
	defer l.users.close()
	defer l.members.close()
	defer l.values.close()
	if err := fill(l); err != nil {
		if l.copier != nil {
			if cerr := l.copier.wait(); cerr != nil {
				// A COPY that failed aborted the transaction; what
				// failed after it only says so.
				return fmt.Errorf("store: bulk load: %w", cerr)
			}
		}
		return err
	}
	if err := l.finish(); err != nil {
		return err
	}
	if err := resume(); err != nil {
		return err
	}
	if err := s.recount(ctx, tx, t.ID); err != nil {
		return err
	}
	return s.audit(ctx, tx, t.ID, "tenant.bulk_load", "tenant", PublicID(PrefixTenant, t.ID), Changes{
		"users": {After: l.added.users}, "org_units": {After: l.added.units}, "groups": {After: l.added.groups},
		"memberships": {After: l.added.members}, "properties": {After: l.added.props},
		"property_values": {After: l.added.values}})
}

// pauseSQLiteLoadSchema drops what SQLite would update row by row while
// loading (see dropLoadSchema); resume builds it again and puts back the
// planner statistics.
func (s *Store) pauseSQLiteLoadSchema(ctx context.Context, tx *sql.Tx) (resume func() error, err error) {
	stats, err := userStatistics(ctx, tx)
	if err != nil {
		return nil, err
	}
	schema, err := s.dropLoadSchema(ctx, tx)
	if err != nil {
		return nil, err
	}
	return func() error {
		for _, ddl := range schema {
			if _, err := s.exec(ctx, tx, ddl); isUniqueViolation(err) {
				return uniqueUserError(err)
			} else if err != nil {
				return fmt.Errorf("store: bulk load: rebuild: %w", err)
			}
		}
		if err := restoreUserStatistics(ctx, tx, stats); err != nil {
			return fmt.Errorf("store: bulk load: %w", err)
		}
		return nil
	}, nil
}

// userStatistics reads the planner statistics of users. They are the
// hand-written ones of the migration (a tenant of a million users);
// dropping the indexes drops them, so they are put back at the end. A
// sampled ANALYZE was tried and misjudged tenant_id, sending the locked
// filter to a full scan.
func userStatistics(ctx context.Context, tx *sql.Tx) ([][2]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'users'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var stats [][2]string
	for rows.Next() {
		var st [2]string
		if err := rows.Scan(&st[0], &st[1]); err != nil {
			return nil, err
		}
		stats = append(stats, st)
	}
	return stats, rows.Err()
}

func restoreUserStatistics(ctx context.Context, tx *sql.Tx, stats [][2]string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sqlite_stat1 WHERE tbl = 'users'`); err != nil {
		return err
	}
	for _, st := range stats {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('users', ?, ?)`, st[0], st[1]); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `ANALYZE sqlite_schema`) // loads them
	return err
}

// dropLoadSchema drops the secondary indexes and the triggers of the
// tables a load fills, and returns the statements that create them again.
func (s *Store) dropLoadSchema(ctx context.Context, tx *sql.Tx) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT type, name, sql FROM sqlite_schema
		WHERE tbl_name IN ('users', 'group_members', 'user_property_values')
		AND type IN ('index', 'trigger') AND sql IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	var schema, drops []string
	for rows.Next() {
		var typ, name, ddl string
		if err := rows.Scan(&typ, &name, &ddl); err != nil {
			rows.Close()
			return nil, err
		}
		schema = append(schema, ddl)
		drops = append(drops, "DROP "+strings.ToUpper(typ)+" "+name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, d := range drops {
		if _, err := s.exec(ctx, tx, d); err != nil {
			return nil, fmt.Errorf("%s: %w", d, err)
		}
	}
	return schema, nil
}

// recount rebuilds the keyword index and recomputes the tenant's counters,
// which the dropped triggers would have kept.
func (s *Store) recount(ctx context.Context, tx *sql.Tx, tenant int64) error {
	stmts := []string{
		// 'rebuild' is the fast way to index a million rows. It leaves one
		// large segment that later writes merge against, which is why the
		// store writes the index once per batch, not once per user.
		`INSERT INTO users_fts (users_fts) VALUES ('rebuild')`,
		// 'rebuild' leaves a dozen segments at a million users, and a
		// search seeks each of them for every trigram of its keyword;
		// merged into one, the widest searches run about 1.7 times as
		// fast (make bench). Batches written later add small segments
		// that FTS5's automerge folds into larger ones.
		`INSERT INTO users_fts (users_fts) VALUES ('optimize')`,
		`DELETE FROM user_counts WHERE tenant_id = ?`,
		`INSERT INTO user_counts (tenant_id, dim, key, n) ` + userCountsSQLite(`tenant_id = ?1`),
		`UPDATE org_units SET user_count = (SELECT count(*) FROM users u
		     WHERE u.tenant_id = ?1 AND u.org_unit_id = org_units.id) WHERE tenant_id = ?1`,
		`UPDATE user_groups SET member_count = (SELECT count(*) FROM group_members m
		     WHERE m.group_id = user_groups.id) WHERE tenant_id = ?1`,
		`UPDATE property_options SET user_count = (SELECT count(*) FROM user_property_values v
		     WHERE v.property_id = property_options.property_id AND v.option_id = property_options.id)
		 WHERE property_id IN (SELECT id FROM properties WHERE tenant_id = ?1)`,
		`UPDATE properties SET user_count = (SELECT count(DISTINCT user_id) FROM user_property_values v
		     WHERE v.property_id = properties.id) WHERE tenant_id = ?1`,
		`UPDATE org_units SET subtree_user_count = (SELECT sum(d.user_count) FROM org_closure c
		     JOIN org_units d ON d.id = c.descendant WHERE c.ancestor = org_units.id) WHERE tenant_id = ?1`,
	}
	if s.pg {
		stmts = postgresRecount
	}
	for _, q := range stmts {
		var args []any
		if strings.Contains(q, "?") {
			args = []any{tenant}
		}
		if _, err := s.exec(ctx, tx, q, args...); err != nil {
			return fmt.Errorf("store: bulk load: %w", err)
		}
	}
	return nil
}
