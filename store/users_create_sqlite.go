package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// newUserIDsSQLite are the n ids after the largest user id, the ids SQLite
// would give the rows one by one: the write transaction holds SQLite's one
// write lock, so no other writer takes them meanwhile.
func newUserIDsSQLite(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM users`).Scan(&last); err != nil {
		return nil, fmt.Errorf("store: new user ids: %w", err)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = last + 1 + int64(i)
	}
	return ids, nil
}

// insertUsersSQLite is insertUsersPostgres on SQLite: the users in as few
// statements as SQLite's limit of parameters allows (one for a batch of
// 500), what PostgreSQL's statement triggers do for them
// (countNewUsersSQLite), then the events of those written. ON CONFLICT DO NOTHING leaves
// out a row whose username or external id is taken (two items of the
// batch with one external id: the second).
func (s *Store) insertUsersSQLite(ctx context.Context, tx *sql.Tx, tenant, now int64, c *userRows, ev *events) (map[int64]bool, error) {
	args := make([]any, 0, len(c.ids)*userRowWidth)
	for k := range c.ids {
		args = append(args, c.ids[k], tenant, c.usernames[k], c.displayNames[k], c.descriptions[k], c.emails[k], c.emailVerified[k],
			c.phoneRegions[k], c.phoneNumbers[k], c.statuses[k], c.accountExpires[k], c.passwordExpires[k],
			c.passwordHashes[k], c.passwordChanged[k], c.requiredActions[k], c.userTypes[k], c.sourceTypes[k], c.sourceIDs[k],
			c.externalIDs[k], c.languages[k], c.timezones[k], c.tags[k], c.orgUnits[k], c.registered[k], now, now, c.lockAt[k],
			c.ownerTypes[k], c.managers[k])
	}
	written := map[int64]bool{}
	err := s.insertRows(ctx, tx, `INSERT INTO users (id, tenant_id, username, display_name, description, email, email_verified,
		    phone_region, phone_number, status, account_expires_at, password_expires_at,
		    password_hash, password_changed_at, required_actions, user_type, source_type, source_id,
		    external_id, language, timezone, tags, org_unit_id, registered_at, created_at, updated_at, lock_at,
		    owner_type, manager_id) VALUES `, userRowWidth, args, ` ON CONFLICT DO NOTHING RETURNING id`,
		func(sc rowScanner) error {
			var id int64
			err := sc.Scan(&id)
			written[id] = true
			return err
		})
	if err != nil {
		return nil, err
	}
	if err := countNewUsersSQLite(ctx, tx, c.ids[0], c.ids[len(c.ids)-1]); err != nil {
		return nil, err
	}
	if err := s.writeEvents(ctx, tx, tenant, now, ev.only(written)); err != nil {
		return nil, err
	}
	return written, nil
}

// countNewUsersSQLite counts the users with ids first to last, just
// written, into their counters, and copies their tags into user_tags: one
// statement each for the whole batch (migration 00027 dropped the row
// triggers that did it a user at a time).
func countNewUsersSQLite(ctx context.Context, tx *sql.Tx, first, last int64) error {
	for _, q := range []string{
		`INSERT INTO user_counts (tenant_id, dim, key, n) SELECT * FROM (` + userCountsSQLite(`id BETWEEN ?1 AND ?2`) + `)
		 WHERE true ON CONFLICT (tenant_id, dim, key) DO UPDATE SET n = n + excluded.n`,
		addToUnitsSQLite(`SELECT org_unit_id, count(*) FROM users WHERE id BETWEEN ?1 AND ?2 GROUP BY org_unit_id`),
		`INSERT INTO user_tags (tenant_id, key, value, user_id)
		 SELECT u.tenant_id, j.key, j.value, u.id FROM users u, json_each(u.tags) j
		 WHERE u.id BETWEEN ?1 AND ?2 AND u.tags <> '{}'`,
	} {
		if _, err := tx.ExecContext(ctx, q, first, last); err != nil {
			return fmt.Errorf("store: count new users: %w", err)
		}
	}
	return nil
}

// userCountsSQLite selects the rows of user_counts (tenant_id, dim, key,
// n) that count the users matching where.
func userCountsSQLite(where string) string {
	return `SELECT tenant_id, 'all', '', count(*) FROM users WHERE ` + where + ` GROUP BY tenant_id
		UNION ALL SELECT tenant_id, 'status', status, count(*) FROM users WHERE ` + where + ` GROUP BY tenant_id, status
		UNION ALL SELECT tenant_id, 'source_type', source_type, count(*) FROM users WHERE ` + where + `
		          GROUP BY tenant_id, source_type
		UNION ALL SELECT tenant_id, 'created_month', strftime('%Y-%m', created_at / 1000, 'unixepoch'), count(*)
		          FROM users WHERE ` + where + ` GROUP BY tenant_id, 3`
}

// userRowWidth is how many columns insertUsersSQLite writes a user.
const userRowWidth = 29

// writeInitialSQLite is writeInitialBatch on SQLite.
func (s *Store) writeInitialSQLite(ctx context.Context, tx *sql.Tx, m memberRows, v valueRows, now int64) error {
	var args []any
	for k := range m.groups {
		args = append(args, m.groups[k], m.users[k], now, m.names[k])
	}
	if err := s.insertRows(ctx, tx, `INSERT INTO group_members (group_id, user_id, joined_at, username) VALUES `, 4, args, "", nil); err != nil {
		return fmt.Errorf("store: add new users to groups: %w", err)
	}
	args = args[:0]
	for k := range v.props {
		args = append(args, v.props[k], v.opts[k], v.texts[k], v.users[k], v.names[k])
	}
	if err := s.insertRows(ctx, tx, `INSERT INTO user_property_values (property_id, option_id, value, user_id, username) VALUES `, 5, args, "", nil); err != nil {
		return fmt.Errorf("store: set new users' properties: %w", err)
	}
	return nil
}

// sqliteInsertRows bounds the rows of one INSERT on SQLite: the INSERTs of
// this size are kept prepared (batchStmt), and a statement's program grows
// with its rows. A chunk of 1,000 users ran as fast in ten statements of
// 100 rows as in one of 1,000, whose kept programs held about 10 MB more.
const sqliteInsertRows = 100

// maxArgs is how many parameters a statement may take: SQLite's limit
// (SQLITE_MAX_VARIABLE_NUMBER), under PostgreSQL's 65,535.
const maxArgs = 32766

// insertRows inserts rows of width values each (args holds them row after
// row) with as few statements as maxArgs allows: head is the INSERT up to
// its VALUES, tail what follows the rows. each, when not nil, scans every
// row the statements return.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, head string, width int, args []any, tail string, each func(rowScanner) error) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	per := maxArgs / width
	if !s.pg {
		per = min(per, sqliteInsertRows)
	}
	for len(args) > 0 {
		n := min(per, len(args)/width)
		q := head + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ") + tail
		st := s.batchStmt(ctx, tx, q, n)
		var err error
		switch {
		case each == nil && st != nil:
			_, err = st.ExecContext(ctx, args[:n*width]...)
		case each == nil:
			_, err = tx.ExecContext(ctx, q, args[:n*width]...)
		default:
			err = scanEach(ctx, tx, st, q, args[:n*width], each)
		}
		if err != nil {
			return err
		}
		args = args[n*width:]
	}
	return nil
}

// batchStmt is the kept prepared statement for q, an INSERT of rows rows,
// or nil to run q as it is. On SQLite parsing the INSERT of a whole batch
// (500 users, their events) took a tenth of an import chunk's
// transaction: the statements of sqliteInsertRows rows (a bounded few for
// each table) are kept prepared on the write connection from their first
// commit on (see keepStatements). On PostgreSQL the driver keeps each
// connection's statements.
func (s *Store) batchStmt(ctx context.Context, tx *sql.Tx, q string, rows int) *sql.Stmt {
	if s.pg || rows != sqliteInsertRows {
		return nil
	}
	if st, ok := s.wstmts.Load(q); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt))
	}
	s.txMu.Lock()
	s.txKeep = append(s.txKeep, q)
	s.txMu.Unlock()
	return nil
}

// keepStatements prepares on the write connection the statements the
// transaction just committed asked to keep (batchStmt): after the commit,
// as the transaction held the connection until then.
func (s *Store) keepStatements(ctx context.Context) {
	s.txMu.Lock()
	keep := s.txKeep
	s.txKeep = nil
	s.txMu.Unlock()
	for _, q := range keep {
		if _, ok := s.wstmts.Load(q); ok {
			continue
		}
		// A statement that fails to prepare here ran in the transaction
		// all the same; it is parsed again the next time.
		if st, err := s.w.PrepareContext(ctx, q); err == nil {
			s.wstmts.Store(q, st)
		}
	}
}

// scanEach runs q (st, when not nil) in tx and calls each on every row.
func scanEach(ctx context.Context, tx *sql.Tx, st *sql.Stmt, q string, args []any, each func(rowScanner) error) error {
	var rows *sql.Rows
	var err error
	if st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = tx.QueryContext(ctx, q, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
