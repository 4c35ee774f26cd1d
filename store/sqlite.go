package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"runtime"
	"strconv"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// openSQLite opens (creating if needed) the database file at path.
func openSQLite(ctx context.Context, path string) (*Store, error) {
	// The writer leaves its write-ahead log to checkpointSQLite.
	w, err := sql.Open("sqlite", dsn(path, false)+"&_pragma=wal_autocheckpoint%280%29")
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// One writer: with _txlock=immediate every write transaction takes the lock
	// at BEGIN, so a second writer would only wait on busy_timeout anyway.
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := migrateSQLite(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: migrate %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// More readers than cores: a request waiting on the pool is idle CPU.
	n := max(8, runtime.NumCPU()*4)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	nonces, err := openNonces(ctx, path)
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	ckpt, err := sql.Open("sqlite", dsn(path, false)+"&_pragma=cache_size%28-1000%29")
	if err != nil {
		w.Close()
		r.Close()
		nonces.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	ckpt.SetConnMaxIdleTime(0)
	s := &Store{w: w, r: r, nonces: nonces, ckpt: ckpt, now: time.Now, path: path, keys: apiKeyCache{m: map[string]*cachedKey{}}, planner: defaultPlanner,
		matches: readCache{limit: matchListsWeight}, ckptQuit: make(chan struct{}), ckptDone: make(chan struct{})}
	s.rd = reader{s}
	go s.checkpointSQLite()
	if err := s.prepareWrites(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// checkpointSQLite copies the database's write-ahead log into the file
// every second, on a connection of its own, until the store closes. The
// writer does not: SQLite's automatic checkpoint runs inside the commit
// that crosses its threshold, and copying pages back (and syncing the
// file) was about a quarter of a bulk move's time and a sixth of a lock's,
// spent while every other write waited. Here it runs on the other core,
// beside the writer; the log grows by at most about a second of writes.
// The same loop merges the keyword index while the store is idle.
func (s *Store) checkpointSQLite() {
	defer close(s.ckptDone)
	seen, merged := s.commits.Load(), false
	checkpointEverySecond(s.ckpt, "database file", s.ckptQuit, func() { s.mergeSearchWhenIdle(&seen, &merged) })
}

// checkpointEverySecond copies db's write-ahead log into its file every
// second (as much as readers allow: PASSIVE) until quit closes, then calls
// also when not nil; what names the file in a failure's log line.
func checkpointEverySecond(db *sql.DB, what string, quit <-chan struct{}, also func()) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if _, err := db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
				slog.Warn("store: checkpoint of the "+what, "err", err)
			}
			if also != nil {
				also()
			}
		case <-quit:
			return
		}
	}
}

// dsn builds the connection string. busy_timeout comes first so WAL setup
// waits on a locked file instead of failing; foreign_keys is off by default in
// SQLite and our ON DELETE rules depend on it; synchronous=NORMAL is durable in
// WAL mode (a crash can lose no committed transaction, only an unsynced
// checkpoint). Readers are query_only so a stray write on the read pool fails
// loudly instead of taking the write lock behind the writer's back.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// Statement journals (an INSERT whose triggers write other tables keeps
	// one, to undo just that statement) and temporary sorts stay in memory:
	// in files they were a write(2) per page, a fifth of a batch of users.
	q.Add("_pragma", "temp_store(MEMORY)")
	// Page caches: small ones, 8 MB for the writer and 2 MB for each of the
	// eight readers; the kernel's page cache backs them. With 32 MB and
	// 8 MB the server's peak under make bench's writes was 227 MiB, with
	// 8 MB and 2 MB 132 MiB (the target is under 150 MB), and the writes
	// and lists ran as fast: what a bigger cache spares is a read(2) from
	// the kernel's cache. No mmap: a mapped 1 GiB window of a 1.4 GB database counts as
	// resident memory (348 MiB peak under make bench, the target is under 150
	// MB); reads through the page cache measured within noise of it, except
	// the widest keyword searches (about -15 %).
	if readOnly {
		q.Add("_pragma", "cache_size(-"+strconv.Itoa(readerCacheKiB)+")")
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "cache_size(-8000)")
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

func migrateSQLite(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations/sqlite")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

func isSQLiteUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
