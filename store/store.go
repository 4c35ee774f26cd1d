package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

//go:embed migrations
var migrations embed.FS

// Store is Roster's database, on SQLite or PostgreSQL. On SQLite, writes go
// through one connection so SQLite never has two writers racing for the
// lock, and reads use a separate pool so they never queue behind a write;
// on PostgreSQL both are one pool.
type Store struct {
	w    *sql.DB
	r    *sql.DB
	pg   bool   // PostgreSQL, else SQLite
	rd   reader // the read pool through the prepared-statement cache
	now  func() time.Time
	path string // the database file, for Backup's own connection

	// Limits bounds what a tenant may define; zero fields take defaults.
	Limits Limits
	// Compose writes the emails the store queues (the web layer's
	// templates); nil refuses every change that sends one.
	Compose func(EmailData) Email
	// Sealer encrypts the secrets the store keeps recoverable (AccessKey
	// secrets) under the server key; nil refuses AccessKeys.
	Sealer *Sealer
	// PasswordCost is bcrypt's cost for new password hashes; zero is
	// bcrypt's default (10). Set it before the first password is hashed.
	// Tests lower it: under the race detector one hash at cost 10 takes
	// most of a second.
	PasswordCost int
	dummy        struct {
		once sync.Once
		hash []byte
	}

	keys       apiKeyCache
	accessKeys sync.Map // AccessKeyId -> *cachedAccessKey, see AccessKeySecret
	// nonces holds the signed requests' nonces: on SQLite a file of its
	// own (see NoncesSuffix), on PostgreSQL the database through a pool
	// of its own (see openPostgres).
	nonces *sql.DB
	// ckpt is SQLite's checkpointing connection (see checkpointSQLite),
	// nil on PostgreSQL; closing ckptQuit stops it, and ckptDone closes
	// once it has.
	ckpt               *sql.DB
	ckptQuit, ckptDone chan struct{}
	ckptStop           sync.Once
	// searchMergeOff stops the keyword index's background merge (tests
	// that count its segments).
	searchMergeOff atomic.Bool
	// bulkCacheKiB, when not 0, is SQLite's page cache while a bulk load
	// runs instead of bulkCacheDefault (the benchmarks' ten million users).
	bulkCacheKiB int
	// noncesRemembered counts the nonces remembered, which prune lapsed
	// nonces now and then.
	noncesRemembered atomic.Uint64
	nonceQueue       nonceQueue
	// commits counts this store's write transactions; reads cached
	// from before the latest one are not used.
	commits atomic.Uint64
	reads   readCache
	// matches holds keyword searches' matches in sort order (matchList),
	// under the rules of reads but a bound of their own: a few hundred
	// lists of a thousand ids would otherwise crowd out the counts.
	matches  readCache
	propDefs sync.Map // tenant id -> propertyDefs, see PropertyDefinitions
	// stmts caches prepared read statements by their SQL: parsing and
	// planning cost more than running a page query (measured: +25-80 %).
	// List queries are built from fixed fragments, so their number is bounded.
	stmts sync.Map
	// nonceStmts caches prepared statements of the nonces pool: parsing a
	// nonce's insert was a third of remembering it. A batch's insert
	// differs only in its number of rows, so there are few.
	nonceStmts sync.Map
	// wstmts caches prepared statements of the write connection, used in
	// transactions through tx.StmtContext: an INSERT into users compiles
	// its triggers when prepared, which cost more than the insert itself.
	wstmts  sync.Map
	writeMu sync.Mutex // one write transaction at a time, see inTx
	txMu    sync.Mutex
	txStmts map[string]*sql.Stmt // statements of the current write transaction
	txKeep  []string             // statements to keep prepared once it commits (see batchStmt)
	// onListQuery, when set, sees each list query before it runs: tests check
	// its plan with EXPLAIN QUERY PLAN.
	onListQuery func(query string, args []any)
	planner     planner
	// onBcrypt, when set, runs before each bcrypt hash or comparison: tests
	// check that none runs while a write transaction holds the lock.
	onBcrypt func()
}

// Open opens the database named by dsn and applies pending migrations: a
// postgres:// or postgresql:// URL is PostgreSQL; anything else is a SQLite
// file path, with or without a sqlite: prefix (created if needed).
func Open(ctx context.Context, dsn string) (*Store, error) {
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Engine is "sqlite" or "postgres".
func (s *Store) Engine() string {
	if s.pg {
		return "postgres"
	}
	return "sqlite"
}

// Close closes both connection pools.
func (s *Store) Close() error {
	s.nonceQueue.close()
	var ckpt error
	if s.ckpt != nil {
		s.ckptStop.Do(func() { close(s.ckptQuit) })
		<-s.ckptDone
		ckpt = s.ckpt.Close()
	}
	for _, m := range []*sync.Map{&s.stmts, &s.nonceStmts} {
		m.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	}
	s.wstmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	if s.r == s.w {
		return errors.Join(ckpt, s.w.Close(), s.nonces.Close())
	}
	return errors.Join(ckpt, s.r.Close(), s.w.Close(), s.nonces.Close())
}

// read returns a prepared statement on the read pool for query.
func (s *Store) read(ctx context.Context, query string) (*sql.Stmt, error) {
	return prepared(ctx, s.r, &s.stmts, query)
}

// prepared returns query prepared on db, from cache or into it.
func prepared(ctx context.Context, db *sql.DB, cache *sync.Map, query string) (*sql.Stmt, error) {
	if st, ok := cache.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := cache.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// txStmt returns query for use in tx: the statement prepared at Open when
// it is one of writeStatements, else one prepared in tx the first time it
// runs there. (The write pool's one connection is held by tx, so nothing
// can be prepared on the pool meanwhile; and there is one transaction at a
// time, so one per-transaction cache serves.)
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := s.wstmts.Load(query); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	s.txMu.Lock()
	defer s.txMu.Unlock()
	if st, ok := s.txStmts[query]; ok {
		return st, nil
	}
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.txStmts[query] = st
	return st, nil
}

// exec runs a statement in tx through txStmt. (On PostgreSQL the driver
// keeps each connection's prepared statements, and transactions run side
// by side, so statements go straight to tx.)
func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if s.pg {
		return tx.ExecContext(ctx, query, args...)
	}
	st, err := s.txStmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// in is tx as a querier whose statements go through txStmt, for the
// lookups shared by reads and writes (getUser, getGroup, …).
func (s *Store) in(tx *sql.Tx) querier { return txQuerier{s, tx} }

type txQuerier struct {
	s  *Store
	tx *sql.Tx
}

func (q txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if q.s.pg {
		return q.tx.QueryRowContext(ctx, query, args...)
	}
	st, err := q.s.txStmt(ctx, q.tx, query)
	if err != nil {
		return q.tx.QueryRowContext(ctx, query, args...) // reports the same error
	}
	return st.QueryRowContext(ctx, args...)
}

func (q txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if q.s.pg {
		return q.tx.QueryContext(ctx, query, args...)
	}
	st, err := q.s.txStmt(ctx, q.tx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// prepareWrites prepares writeStatements on the write connection.
func (s *Store) prepareWrites(ctx context.Context) error {
	for _, q := range writeStatements {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: prepare %q: %w", q, err)
		}
		s.wstmts.Store(q, st)
	}
	return nil
}

// reader runs queries on the read pool as prepared statements from the
// cache: preparing costs more than running most of Roster's reads (a
// quarter of the console's users page went to preparing its statistics
// and session lookups).
type reader struct{ s *Store }

func (r reader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if c := pinnedConn(ctx); c != nil {
		return c.QueryRowContext(ctx, query, args...)
	}
	if r.s.pg {
		return r.s.r.QueryRowContext(ctx, query, args...)
	}
	st, err := r.s.read(ctx, query)
	if err != nil {
		return r.s.r.QueryRowContext(ctx, query, args...) // reports the same error
	}
	return st.QueryRowContext(ctx, args...)
}

func (r reader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if c := pinnedConn(ctx); c != nil {
		return c.QueryContext(ctx, query, args...)
	}
	if r.s.pg {
		return r.s.r.QueryContext(ctx, query, args...)
	}
	st, err := r.s.read(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// cancelled adds ctx's error to err when ctx ended meanwhile: database/sql
// then rolls the transaction back on its own, and the statement or commit
// that follows fails with a bare sql.ErrTxDone, which would hide that the
// caller gave up and that nothing was written.
func cancelled(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, sql.ErrTxDone) {
		return errors.Join(err, ctxErr)
	}
	return err
}

// SetClock replaces the store's clock; tests use it to move time.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Now is the time by the store's clock (SetClock's in tests): what checks
// a request's age outside the store reads the same clock as the store.
func (s *Store) Now() time.Time { return s.now() }

// inTx runs fn in one write transaction; anything but a nil return rolls it
// all back, audit events included.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	// Waiting here instead of in database/sql's pool: it hands the one
	// write connection to its waiters in no particular order, while a Mutex
	// that has made a waiter wait over a millisecond hands over in arrival
	// order, so no request waits through many others' transactions.
	if s.pg {
		return s.inPostgresTx(ctx, fn)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback() // no-op once committed
	s.txMu.Lock()
	s.txStmts, s.txKeep = map[string]*sql.Stmt{}, nil
	s.txMu.Unlock()
	defer func() {
		// A transaction's statements end with it.
		s.txMu.Lock()
		s.txStmts, s.txKeep = nil, nil
		s.txMu.Unlock()
	}()
	if err := fn(tx); err != nil {
		return cancelled(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", cancelled(ctx, err))
	}
	s.commits.Add(1)
	s.keepStatements(ctx)
	return nil
}

// nowMillis is the store clock in the unit every table uses.
func (s *Store) nowMillis() int64 { return s.now().UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func fromNullMillis(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := fromMillis(ms.Int64)
	return &t
}

func toNullMillis(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// Ping checks that both pools answer; /healthz uses it.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// apiKeyCache keeps verified API keys in memory: verifying a key on every
// request in SQLite costs about a third of a cheap endpoint's throughput
// (measured). RevokeAPIKey drops the entry, so a key revoked here stops
// working at once; one revoked by another process (a replica, the command
// line) within keyRecheck, when its entry is read again.
type apiKeyCache struct {
	mu sync.Mutex
	m  map[string]*cachedKey
}
