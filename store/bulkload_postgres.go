package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// bulkLoadPostgres is BulkLoad on PostgreSQL. The rows are written with
// COPY, which database/sql cannot send, in the same transaction as the
// rest of the load: so the transaction is begun on a connection held for
// the load, and COPY goes to that connection beside it (see copier).
func (s *Store) bulkLoadPostgres(ctx context.Context, t Tenant, fill func(*Loader) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tryPostgresLoad(ctx, t, fill)
		if err == nil {
			break
		}
		if attempt == 5 || !isRetryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt) * 5 * time.Millisecond)
	}
	// What autovacuum would otherwise do within the minute, while the
	// database serves (at a million users, half a minute of its throttled
	// work; 7 s here): statistics of the new rows for the planner, and the
	// visibility map, without which no index-only scan skips the table.
	_, err := s.w.ExecContext(ctx, `VACUUM (ANALYZE) users, group_members, user_property_values, org_units, org_closure`)
	return err
}

func (s *Store) tryPostgresLoad(ctx context.Context, t Tenant, fill func(*Loader) error) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: bulk load: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback() // no-op once committed
	if err := s.load(ctx, tx, conn, t, fill); err != nil {
		return cancelled(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", cancelled(ctx, err))
	}
	s.commits.Add(1)
	return nil
}

// pausePostgresLoadSchema drops what PostgreSQL would do row by row while
// loading users, memberships and values, and resume does it once for all
// rows: the triggers are off (recount computes what they keep), the
// secondary indexes are dropped and built again, and the foreign keys of
// the three tables are dropped and added again, which checks every row in
// one join. Measured on this project's busy 2-core box: a million user
// rows took 124 s with their 13 indexes in place, 4 s without them and
// 59 s to build them; 4.6 million memberships took 80 s with their two
// foreign keys checked row by row, 11 s without and 4 s to check them
// after; a whole seed of 100,000 users with 1,000 groups took 4 min with
// everything in place, 42-55 s without. Unique indexes check the loaded
// usernames as they are built.
//
// Dropping an index locks its table until commit, so readers of users wait
// for the load too (writers already did, for the ids; resume moves the id
// sequence past them): loads of a few users belong to CreateUsers.
func (s *Store) pausePostgresLoadSchema(ctx context.Context, tx *sql.Tx) (resume func() error, err error) {
	tables := []string{"users", "group_members", "user_property_values"}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return nil, err
	}
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE `+t+` DISABLE TRIGGER USER`); err != nil {
			return nil, err
		}
	}
	// The indexes that no constraint stands on (the primary keys stay:
	// foreign keys of other tables need users'), then the foreign keys.
	drops, rebuild, err := schemaToDrop(ctx, tx, `SELECT drop_ddl, create_ddl FROM (
		 SELECT 1 AS step, 'DROP INDEX ' || i.indexrelid::regclass::text AS drop_ddl, pg_get_indexdef(i.indexrelid) AS create_ddl
		 FROM pg_index i
		 WHERE i.indrelid IN ('users'::regclass, 'group_members'::regclass, 'user_property_values'::regclass)
		   AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
		 UNION ALL
		 SELECT 2, 'ALTER TABLE ' || conrelid::regclass::text || ' DROP CONSTRAINT ' || quote_ident(conname),
		        'ALTER TABLE ' || conrelid::regclass::text || ' ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid)
		 FROM pg_constraint WHERE contype = 'f'
		   AND conrelid IN ('users'::regclass, 'group_members'::regclass, 'user_property_values'::regclass)
		) s ORDER BY step, drop_ddl`)
	if err != nil {
		return nil, err
	}
	for _, d := range drops {
		if _, err := tx.ExecContext(ctx, d); err != nil {
			return nil, fmt.Errorf("%s: %w", d, err)
		}
	}
	return func() error {
		for _, ddl := range rebuild {
			if _, err := tx.ExecContext(ctx, ddl); err != nil {
				return fmt.Errorf("store: bulk load: rebuild: %w", err)
			}
		}
		for _, t := range tables {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE `+t+` ENABLE TRIGGER USER`); err != nil {
				return fmt.Errorf("store: bulk load: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, `SELECT setval('users_id_seq', (SELECT max(id) FROM users)) FROM users LIMIT 1`)
		if err != nil {
			return fmt.Errorf("store: bulk load: %w", err)
		}
		return nil
	}, nil
}

// schemaToDrop reads pairs of statements, one that drops a part of the
// schema and one that creates it again.
func schemaToDrop(ctx context.Context, tx *sql.Tx, query string) (drops, creates []string, err error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var drop, create string
		if err := rows.Scan(&drop, &create); err != nil {
			return nil, nil, err
		}
		drops, creates = append(drops, drop), append(creates, create)
	}
	return drops, creates, rows.Err()
}

// postgresRecount is recount on PostgreSQL, whose trigram index is kept as
// rows are written. Each counter is one aggregate joined to the rows it
// updates: the correlated subqueries SQLite runs, one per unit or group,
// were planned as a scan of the loaded table each, on statistics from
// before the load (100,000 users: 11 minutes for the units' counts alone).
var postgresRecount = []string{
	`DELETE FROM user_counts WHERE tenant_id = ?`,
	// One scan of the tenant's users for the four dimensions.
	`INSERT INTO user_counts (tenant_id, dim, key, n)
	 SELECT tenant_id, CASE WHEN GROUPING(status) = 0 THEN 'status' WHEN GROUPING(source_type) = 0 THEN 'source_type'
	                        WHEN GROUPING(month) = 0 THEN 'created_month' ELSE 'all' END,
	        coalesce(status, source_type, month, ''), count(*)
	 FROM (SELECT tenant_id, status, source_type,
	              to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM') AS month
	       FROM users WHERE tenant_id = ?1) u
	 GROUP BY tenant_id, GROUPING SETS ((), (status), (source_type), (month))`,
	`UPDATE org_units o SET user_count = c.n FROM (
	     SELECT o.id, count(u.id) AS n FROM org_units o LEFT JOIN users u ON u.org_unit_id = o.id AND u.tenant_id = ?1
	     WHERE o.tenant_id = ?1 GROUP BY o.id) c
	 WHERE o.id = c.id AND o.user_count <> c.n`,
	`UPDATE user_groups g SET member_count = c.n FROM (
	     SELECT g.id, count(m.group_id) AS n FROM user_groups g LEFT JOIN group_members m ON m.group_id = g.id
	     WHERE g.tenant_id = ?1 GROUP BY g.id) c
	 WHERE g.id = c.id AND g.member_count <> c.n`,
	`UPDATE property_options o SET user_count = c.n FROM (
	     SELECT o.id, count(v.option_id) AS n FROM properties p JOIN property_options o ON o.property_id = p.id
	     LEFT JOIN user_property_values v ON v.property_id = o.property_id AND v.option_id = o.id
	     WHERE p.tenant_id = ?1 GROUP BY o.id) c
	 WHERE o.id = c.id AND o.user_count <> c.n`,
	`UPDATE properties p SET user_count = c.n FROM (
	     SELECT p.id, count(DISTINCT v.user_id) AS n FROM properties p LEFT JOIN user_property_values v ON v.property_id = p.id
	     WHERE p.tenant_id = ?1 GROUP BY p.id) c
	 WHERE p.id = c.id AND p.user_count <> c.n`,
	`UPDATE org_units o SET subtree_user_count = c.n FROM (
	     SELECT c.ancestor AS id, sum(d.user_count) AS n FROM org_units d JOIN org_closure c ON c.descendant = d.id
	     WHERE d.tenant_id = ?1 GROUP BY c.ancestor) c
	 WHERE o.id = c.id AND o.subtree_user_count <> c.n`,
}

// loadedUserColumns are the columns of users a load writes, in the order of
// AddUser's rows followed by the copy of property values.
var loadedUserColumns = []string{"id", "tenant_id", "username", "display_name", "email", "status", "locked_at", "lock_reason",
	"source_type", "language", "org_unit_id", "created_at", "updated_at", "property_values"}

// heldRows keeps the user rows of a load on PostgreSQL, in COPY's text
// format, until finishPostgres writes them with their copies of property
// values. Written as they came, the rows had to be updated with the copies
// at the end, and PostgreSQL writes an updated row anew: at 100,000 users
// the update took 5.5 s where copying the rows took 1.3 s, and left a
// table twice its size until vacuumed. Held, they cost memory instead:
// about 140 bytes a user.
type heldRows struct {
	blocks [][]byte // full blocks of copyBytes or more
	cur    []byte
}

func (h *heldRows) add(vals ...any) error {
	var err error
	for i, v := range vals {
		if i > 0 {
			h.cur = append(h.cur, '\t')
		}
		if h.cur, err = appendCopyValue(h.cur, v); err != nil {
			return err
		}
	}
	h.cur = append(h.cur, '\n')
	if len(h.cur) >= copyBytes {
		h.blocks, h.cur = append(h.blocks, h.cur), nil
	}
	return nil
}

func (h *heldRows) flush() error { return nil } // the rows wait for finishPostgres
func (h *heldRows) close()       {}

// finishPostgres writes the memberships and values still waiting, then
// the users, each row with its copy of property values.
func (l *Loader) finishPostgres() error {
	for _, b := range []rowWriter{l.members, l.values} {
		if err := b.flush(); err != nil {
			return fmt.Errorf("store: bulk load: %w", err)
		}
	}
	held := l.users.(*heldRows)
	blocks := append(held.blocks, held.cur)
	held.blocks, held.cur = nil, nil
	out := newCopy(l.copier, "users", loadedUserColumns...)
	var line []byte
	err := l.eachCopy(func(_ int64, c []byte) error {
		for len(blocks) > 0 && len(blocks[0]) == 0 {
			blocks = blocks[1:] // each block is let go once written
		}
		if len(blocks) == 0 {
			return errors.New("store: bulk load: fewer user rows than users")
		}
		end := bytes.IndexByte(blocks[0], '\n')
		line, blocks[0] = blocks[0][:end], blocks[0][end+1:]
		out.buf = append(out.buf, line...)
		out.buf = append(out.buf, '\t')
		out.buf, _ = appendCopyValue(out.buf, string(c))
		out.buf = append(out.buf, '\n')
		if len(out.buf) >= copyBytes {
			return out.flush()
		}
		return nil
	})
	if err == nil {
		err = out.flush()
	}
	if err == nil {
		err = l.copier.wait()
	}
	if err != nil {
		return fmt.Errorf("store: bulk load: %w", err)
	}
	return nil
}

// copyWriter writes rows to a table with COPY, in PostgreSQL's text format,
// a few megabytes to a statement, through the load's copier.
type copyWriter struct {
	stmt string // COPY t (a, b) FROM STDIN
	buf  []byte
	to   *copier
}

// copyBytes is how much a COPY statement carries.
const copyBytes = 4 << 20

func newCopy(to *copier, table string, cols ...string) *copyWriter {
	return &copyWriter{to: to, stmt: `COPY ` + table + ` (` + strings.Join(cols, ", ") + `) FROM STDIN`}
}

func (c *copyWriter) add(vals ...any) error {
	for i, v := range vals {
		if i > 0 {
			c.buf = append(c.buf, '\t')
		}
		var err error
		if c.buf, err = appendCopyValue(c.buf, v); err != nil {
			return err
		}
	}
	c.buf = append(c.buf, '\n')
	if len(c.buf) < copyBytes {
		return nil
	}
	return c.flush()
}

// flush hands the rows waiting to the copier, and returns the error of a
// COPY that failed before.
func (c *copyWriter) flush() error {
	if len(c.buf) == 0 {
		return c.to.failed()
	}
	rows := c.buf
	c.buf = c.to.buffer()
	return c.to.send(c.stmt, rows)
}

func (c *copyWriter) close() {}

// copier runs a load's COPY statements one after another on a goroutine
// of its own, so that the loader makes the next rows while PostgreSQL
// writes the last ones: 4.6 million memberships and 430,000 values were
// generated and written in 22 s instead of 25 (three alternating runs of
// each). Every other statement of the load waits for the COPYs sent
// before it (Loader.txn): the driver's connection runs one at a time.
type copier struct {
	ctx  context.Context
	conn *sql.Conn
	jobs chan copyJob
	free chan []byte // buffers copied, for reuse
	done chan struct{}
	mu   sync.Mutex
	err  error // the first COPY's that failed
}

type copyJob struct {
	stmt   string
	rows   []byte
	synced chan struct{} // instead: closed once the COPYs before have run
}

func newCopier(ctx context.Context, conn *sql.Conn) *copier {
	c := &copier{ctx: ctx, conn: conn, jobs: make(chan copyJob, 1), free: make(chan []byte, 4), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *copier) run() {
	defer close(c.done)
	for j := range c.jobs {
		if j.synced != nil {
			close(j.synced)
			continue
		}
		if c.failed() == nil {
			if err := c.copy(j.stmt, j.rows); err != nil {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
			}
		}
		select {
		case c.free <- j.rows[:0]:
		default:
		}
	}
}

func (c *copier) copy(stmt string, rows []byte) error {
	return c.conn.Raw(func(dc any) error {
		mc, ok := dc.(*markedConn)
		if !ok {
			return fmt.Errorf("COPY needs a PostgreSQL connection, not %T", dc)
		}
		_, err := mc.Conn.Conn().PgConn().CopyFrom(c.ctx, bytes.NewReader(rows), stmt)
		return err
	})
}

// buffer returns an empty buffer for the next rows.
func (c *copier) buffer() []byte {
	select {
	case b := <-c.free:
		return b
	default:
		return make([]byte, 0, copyBytes+copyBytes/8)
	}
}

// send queues rows for stmt; it waits while one COPY runs and another is
// queued, which bounds the memory held.
func (c *copier) send(stmt string, rows []byte) error {
	if err := c.failed(); err != nil {
		return err
	}
	c.jobs <- copyJob{stmt: stmt, rows: rows}
	return nil
}

func (c *copier) failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// wait returns once every COPY sent has run, with the first one's error.
func (c *copier) wait() error {
	synced := make(chan struct{})
	c.jobs <- copyJob{synced: synced}
	<-synced
	return c.failed()
}

// close ends the copier once the COPYs sent have run.
func (c *copier) close() {
	close(c.jobs)
	<-c.done
}

// appendCopyValue appends v in COPY's text format: \N for NULL, and a
// backslash before the characters that separate fields and rows.
func appendCopyValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, `\N`...), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case string:
		for i := 0; i < len(v); i++ {
			switch c := v[i]; c {
			case '\\':
				b = append(b, `\\`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, c)
			}
		}
		return b, nil
	case sql.NullInt64:
		if !v.Valid {
			return append(b, `\N`...), nil
		}
		return strconv.AppendInt(b, v.Int64, 10), nil
	case sql.NullString:
		if !v.Valid {
			return append(b, `\N`...), nil
		}
		return appendCopyValue(b, v.String)
	}
	return b, fmt.Errorf("store: COPY of a %T", v)
}
