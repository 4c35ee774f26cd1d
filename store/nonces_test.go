package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// A signed request's nonce is written beside a SQLite database, not into
// it: a reader connection sees no change to the directory's file (which
// would empty its page cache), and the nonce is still refused the second
// time, also by another process that opens the same database.
func TestNoncesLeaveTheSQLiteFileAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roster.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	version := func() (v int64) {
		t.Helper()
		if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := version()
	expires := time.Now().Add(15 * time.Minute)
	for i := range noncesPruneEvery + 1 { // a prune among them
		if err := s.RememberNonce(ctx, 1, string(rune('a'+i)), expires); err != nil {
			t.Fatal(err)
		}
	}
	if after := version(); after != before {
		t.Errorf("the database file's data_version went %d -> %d after nonces were remembered, want unchanged", before, after)
	}

	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.RememberNonce(ctx, 1, "a", expires); err != ErrNonceUsed {
		t.Errorf("a nonce replayed through another process = %v, want ErrNonceUsed", err)
	}
}

// The nonces file's log is copied into the file in the background, not by
// the writer (whose requests waited out each checkpoint's sync): within
// about a second the nonces are in the file itself, as a reader that
// ignores the log sees.
func TestNoncesAreCheckpointedBesideTheWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roster.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	expires := time.Now().Add(15 * time.Minute)
	for i := range 10 {
		if err := s.RememberNonce(ctx, 1, fmt.Sprint("n", i), expires); err != nil {
			t.Fatal(err)
		}
	}
	// immutable: the file as it is, without the write-ahead log (and
	// cached as never changing, so a connection each look).
	var n int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		file, err := sql.Open("sqlite", "file:"+path+NoncesSuffix+"?immutable=1")
		if err != nil {
			t.Fatal(err)
		}
		err = file.QueryRowContext(ctx, `SELECT count(*) FROM request_nonces`).Scan(&n)
		file.Close()
		if err == nil && n == 10 {
			return
		}
	}
	t.Errorf("nonces in the nonces file itself after 5 s: %d, want the 10 remembered", n)
}
