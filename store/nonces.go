package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ErrNonceUsed is a signed request whose nonce its key already used.
var ErrNonceUsed = errors.New("store: signature nonce already used")

// Every noncesPruneEvery-th nonce a store remembers deletes up to
// noncesPruned lapsed ones: enough to keep up with the requests that add
// them, never a long delete, and a statement the other requests spare
// (the delete was a third of a signed page's cost).
const (
	noncesPruneEvery = 32
	noncesPruned     = 4 * noncesPruneEvery
)

// RememberNonce records that key signed a request with nonce, until
// expires (when the request's timestamp leaves the accepted window), and
// returns ErrNonceUsed when the key used it before: a replayed request.
// A request counts as used only when this returns nil, so call it after
// the signature checks out, or anyone could spend a key's nonces.
//
// Not one of the store's transactions: a nonce changes nothing the read
// cache holds, and ending the cache's entries at every signed request
// made each page count its users anew. The nonces of requests arriving
// together are written in one transaction (see nonceQueue).
func (s *Store) RememberNonce(ctx context.Context, key int64, nonce string, expires time.Time) error {
	req := nonceRequest{key: key, hash: sha256.Sum256([]byte(nonce)), expires: expires.UnixMilli(), done: make(chan error, 1)}
	s.nonceQueue.start.Do(func() {
		s.nonceQueue.requests, s.nonceQueue.quit = make(chan nonceRequest), make(chan struct{})
		go s.writeNonces()
		if !s.pg {
			go s.checkpointNonces()
		}
	})
	select {
	case s.nonceQueue.requests <- req:
	case <-s.nonceQueue.quit:
		return errors.New("store: closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// nonceQueue hands the nonces to remember to one writer, which writes
// those that arrived meanwhile in one transaction: a commit per signed
// request was a fifth of a signed list's cost, and requests arriving
// together share one.
type nonceQueue struct {
	start, stop sync.Once
	requests    chan nonceRequest
	quit        chan struct{}
}

// close stops the queue's writer, if it started; RememberNonce refuses
// from then on.
func (q *nonceQueue) close() {
	q.start.Do(func() { q.quit = make(chan struct{}) })
	q.stop.Do(func() { close(q.quit) })
}

type nonceRequest struct {
	key     int64
	hash    [sha256.Size]byte
	expires int64
	done    chan error // ErrNonceUsed, another error, or nil
}

// maxNonceBatch bounds the nonces one transaction writes.
const maxNonceBatch = 64

// writeNonces writes the queue's nonces until the store closes.
func (s *Store) writeNonces() {
	for {
		var batch []nonceRequest
		select {
		case r := <-s.nonceQueue.requests:
			batch = append(batch, r)
		case <-s.nonceQueue.quit:
			return
		}
	more:
		for len(batch) < maxNonceBatch {
			select {
			case r := <-s.nonceQueue.requests:
				batch = append(batch, r)
			default:
				break more
			}
		}
		used, err := s.insertNonces(batch)
		for i, r := range batch {
			switch {
			case err != nil:
				r.done <- err
			case used[i]:
				r.done <- ErrNonceUsed
			default:
				r.done <- nil
			}
		}
	}
}

// checkpointNonces copies the nonces file's write-ahead log into the file
// every second, until the store closes. The writer does not: a checkpoint
// syncs the file, and the requests waiting on the writer stalled for as
// long (a p99 of 18 ms where 12 ms without). This one runs beside it.
func (s *Store) checkpointNonces() {
	checkpointEverySecond(s.nonces, "nonces file", s.nonceQueue.quit, nil)
}

// insertNonces writes a batch of nonces, pruning lapsed ones now and then;
// used says which were taken already (earlier in the batch too). A nonce
// whose window lapsed is taken afresh, pruned or not. The batch is one
// statement, committed on its own: most batches hold one nonce, and
// BEGIN, INSERT and COMMIT were three round trips to PostgreSQL and
// three statements through SQLite's driver.
func (s *Store) insertNonces(batch []nonceRequest) (used []bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := s.nowMillis()
	if n := s.noncesRemembered.Add(uint64(len(batch))); n/noncesPruneEvery != (n-uint64(len(batch)))/noncesPruneEvery {
		prune, err := prepared(ctx, s.nonces, &s.nonceStmts, s.pruneNoncesSQL())
		if err == nil {
			_, err = prune.ExecContext(ctx, now, max(noncesPruned, 4*len(batch)))
		}
		if err != nil {
			return nil, fmt.Errorf("store: prune nonces: %w", err)
		}
	}
	type pair struct {
		key  int64
		hash [sha256.Size]byte
	}
	// A nonce twice in the batch is written once (PostgreSQL refuses to
	// change a row twice in one statement) and its second use refused.
	used = make([]bool, len(batch))
	first := make(map[pair]int, len(batch))
	values := make([]string, 0, len(batch))
	args := make([]any, 0, 3*len(batch)+1)
	for i, r := range batch {
		p := pair{r.key, r.hash}
		if _, ok := first[p]; ok {
			used[i] = true
			continue
		}
		first[p] = i
		values = append(values, "(?, ?, ?)")
		args = append(args, r.key, r.hash[:], r.expires)
	}
	insert, err := prepared(ctx, s.nonces, &s.nonceStmts, `INSERT INTO request_nonces (access_key_id, nonce_hash, expires_at) VALUES `+
		strings.Join(values, ", ")+` ON CONFLICT (access_key_id, nonce_hash) DO UPDATE SET expires_at = excluded.expires_at
		WHERE request_nonces.expires_at <= ? RETURNING access_key_id, nonce_hash`)
	if err != nil {
		return nil, fmt.Errorf("store: remember nonces: %w", err)
	}
	rows, err := insert.QueryContext(ctx, append(args, now)...)
	if err != nil {
		return nil, fmt.Errorf("store: remember nonces: %w", err)
	}
	defer rows.Close()
	taken := make(map[pair]bool, len(first))
	for rows.Next() {
		var p pair
		var hash []byte
		if err := rows.Scan(&p.key, &hash); err != nil {
			return nil, fmt.Errorf("store: remember nonces: %w", err)
		}
		copy(p.hash[:], hash)
		taken[p] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("store: remember nonces: %w", err)
	}
	for p, i := range first {
		used[i] = !taken[p]
	}
	return used, nil
}

// pruneNoncesSQL deletes up to ? nonces that lapsed by ?, skipping on
// PostgreSQL rows another request is deleting.
func (s *Store) pruneNoncesSQL() string {
	q := `DELETE FROM request_nonces WHERE (access_key_id, nonce_hash) IN
		(SELECT access_key_id, nonce_hash FROM request_nonces WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`
	if s.pg {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	return q + `)`
}

// NoncesSuffix names the file beside a SQLite database that holds its
// nonces. SQLite empties every other connection's page cache when one
// commits to the file, and a nonce is written by every signed request:
// kept in the directory's file, they made each signed list read its pages
// anew (half of its cost). In a file of their own they leave the readers'
// caches alone, and every process serving the database still shares them.
const NoncesSuffix = "-nonces"

// openNonces opens (creating if needed) the nonces file of the SQLite
// database at path. The nonces need no migrations: they live a quarter of
// an hour, so a file whose schema is not this one is emptied and made
// anew.
func openNonces(ctx context.Context, path string) (*sql.DB, error) {
	// Its log is checkpointed by checkpointNonces, not by the writer.
	db, err := sql.Open("sqlite", dsn(path+NoncesSuffix, false)+"&_pragma=wal_autocheckpoint%280%29")
	if err != nil {
		return nil, fmt.Errorf("store: open nonces: %w", err)
	}
	db.SetMaxOpenConns(2) // the writer and the checkpoint
	db.SetConnMaxIdleTime(0)
	// An access key is never deleted (revoking one keeps its row), so a
	// nonce needs no foreign key to its key, which is in the other file.
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS request_nonces (
		access_key_id INTEGER NOT NULL,
		nonce_hash    BLOB NOT NULL,
		expires_at    INTEGER NOT NULL, -- unix milliseconds
		PRIMARY KEY (access_key_id, nonce_hash)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX IF NOT EXISTS request_nonces_expiry ON request_nonces(expires_at)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open nonces: %w", err)
	}
	return db, nil
}

// SQLiteFiles are the files a SQLite database at path may consist of: the
// database, its write-ahead log and shared memory, and its nonces file
// with theirs.
func SQLiteFiles(path string) []string {
	var files []string
	for _, db := range []string{path, path + NoncesSuffix} {
		files = append(files, db, db+"-wal", db+"-shm")
	}
	return files
}
