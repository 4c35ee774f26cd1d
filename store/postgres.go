package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// openPostgres connects to the PostgreSQL database at dsn (a postgres://
// URL) and applies pending migrations. One pool serves reads and writes:
// PostgreSQL runs transactions side by side, so nothing here serialises
// writers; row locks and constraints keep them correct.
func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := migratePostgres(ctx, cfg); err != nil {
		return nil, fmt.Errorf("store: migrate %s: %w", redact(cfg), err)
	}
	db := sql.OpenDB(questionMarks{stdlib.GetConnector(*cfg)})
	n := max(8, runtime.NumCPU()*4)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect %s: %w", redact(cfg), err)
	}
	// Nonces are written by every signed request, each its own commit:
	// their pool's commits do not wait for the disk, which made a signed
	// list a fifth of an unsigned one. A crash of the server can lose the
	// nonces of its last moment (a fraction of a second, the WAL writer's
	// delay), which could then be replayed within their window; everything
	// else stays durable.
	ncfg := cfg.Copy()
	ncfg.RuntimeParams["synchronous_commit"] = "off"
	nonces := sql.OpenDB(questionMarks{stdlib.GetConnector(*ncfg)})
	nonces.SetMaxOpenConns(n)
	nonces.SetMaxIdleConns(n)
	nonces.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{w: db, r: db, nonces: nonces, pg: true, now: time.Now, keys: apiKeyCache{m: map[string]*cachedKey{}}, planner: defaultPlanner,
		matches: readCache{limit: matchListsWeight}}
	s.rd = reader{s}
	return s, nil
}

// redact names a database without its password, for errors and logs.
func redact(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// Redacted is dsn without a password, to show in logs and messages.
func Redacted(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "postgres://…"
	}
	return redact(cfg)
}

// migratePostgres applies the PostgreSQL migrations on a connection of its
// own, holding goose's advisory lock: replicas started together wait for
// the first one's migrations instead of running them again.
func migratePostgres(ctx context.Context, cfg *pgx.ConnConfig) error {
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	sub, err := fs.Sub(migrations, "migrations/postgres")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

func isPostgresUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// questionMarks is the pgx driver with the store's SQL dialect: the
// queries are written once for both engines, with SQLite's ? placeholders
// (PostgreSQL numbers them: $1, $2, …) and Go bools bound as 0 and 1 (the
// schema keeps flags in integer columns, as SQLite does).
type questionMarks struct{ driver.Connector }

func (c questionMarks) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &markedConn{conn.(*stdlib.Conn)}, nil
}

// markedConn is a pgx connection whose queries are rewritten by numbered.
type markedConn struct{ *stdlib.Conn }

func (c *markedConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(postgresSQL(query))
}

func (c *markedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, postgresSQL(query))
}

func (c *markedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, postgresSQL(query), args)
}

func (c *markedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, postgresSQL(query), args)
}

func (c *markedConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
	}
	return nil
}

// sqliteHints are SQLite's planner hints in the store's queries: an index
// to use or not (INDEXED BY, NOT INDEXED), and CROSS JOIN, which fixes the
// join order. PostgreSQL plans by its own statistics, and its CROSS JOIN
// takes no ON clause, so there they go (a CROSS JOIN … ON becomes a JOIN).
var (
	sqliteHints = regexp.MustCompile(`\s+(INDEXED BY \w+|NOT INDEXED)\b`)
	crossJoinOn = regexp.MustCompile(`\bCROSS JOIN (\w+(?: \w+)?) ON\b`)
)

// postgresSQL is query in PostgreSQL's dialect: SQLite's hints dropped and
// its placeholders numbered.
func postgresSQL(query string) string {
	if strings.Contains(query, "INDEXED") {
		query = sqliteHints.ReplaceAllString(query, "")
	}
	if strings.Contains(query, "CROSS JOIN") {
		query = crossJoinOn.ReplaceAllString(query, "JOIN $1 ON")
	}
	return numbered(query)
}

// numbered rewrites the ? placeholders of query as $1, $2, … (and ?3 as
// $3) outside string literals, quoted names and comments.
func numbered(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '?' && i+1 < len(query) && query[i+1] >= '0' && query[i+1] <= '9':
			b.WriteByte('$') // ?3 is already the third argument
			continue
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(query) && query[j] != c {
				j++
			}
			b.WriteString(query[i:min(j+1, len(query))])
			i = j
			continue
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			b.WriteString(query[i : i+j])
			i += j - 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// serialize makes the transactions that call it with the same scope and
// id run one after another: those that check a rule over several rows
// before they write (a tenant keeps an owner; a unit never moves under its
// own subtree; a tenant's number of properties) would otherwise both pass
// the check on PostgreSQL, which runs transactions side by side. SQLite's
// one writer already runs them one at a time.
func (s *Store) serialize(ctx context.Context, tx *sql.Tx, scope string, id int64) error {
	if !s.pg {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(?, ?))`, scope, id)
	if err != nil {
		return fmt.Errorf("store: lock %s %d: %w", scope, id, err)
	}
	return nil
}

// inPostgresTx is inTx on PostgreSQL. Concurrent transactions there can
// deadlock on rows they both update (a delete and a create touching the
// same counters in another order) or, under REPEATABLE READ, fail to
// serialise; PostgreSQL then aborts one of them, which is tried again
// from the start. fn must therefore begin from scratch on each call: it
// sets its results, never appends to what a previous attempt left.
func (s *Store) inPostgresTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tryPostgresTx(ctx, fn)
		if err == nil || attempt == 5 || !isRetryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt) * 5 * time.Millisecond)
	}
}

func (s *Store) tryPostgresTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback() // no-op once committed
	if err := fn(tx); err != nil {
		return cancelled(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", cancelled(ctx, err))
	}
	s.commits.Add(1)
	return nil
}

// isRetryable reports a PostgreSQL deadlock or serialisation failure.
func isRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}
