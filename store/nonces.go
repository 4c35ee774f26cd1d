package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
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
// made each page count its users anew.
func (s *Store) RememberNonce(ctx context.Context, key int64, nonce string, expires time.Time) error {
	sum := sha256.Sum256([]byte(nonce))
	if s.noncesRemembered.Add(1)%noncesPruneEvery == 1 {
		if _, err := s.nonces.ExecContext(ctx, s.pruneNoncesSQL(), s.nowMillis(), noncesPruned); err != nil {
			return fmt.Errorf("store: prune nonces: %w", err)
		}
	}
	// A nonce whose window lapsed is taken afresh, pruned or not.
	res, err := s.nonces.ExecContext(ctx, `INSERT INTO request_nonces (access_key_id, nonce_hash, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (access_key_id, nonce_hash) DO UPDATE SET expires_at = excluded.expires_at
		WHERE request_nonces.expires_at <= ?`, key, sum[:], expires.UnixMilli(), s.nowMillis())
	if err != nil {
		return fmt.Errorf("store: remember nonce: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: remember nonce: %w", err)
	} else if n == 0 {
		return ErrNonceUsed
	}
	return nil
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
	db, err := sql.Open("sqlite", dsn(path+NoncesSuffix, false))
	if err != nil {
		return nil, fmt.Errorf("store: open nonces: %w", err)
	}
	db.SetMaxOpenConns(1)
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
