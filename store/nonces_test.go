package store

import (
	"context"
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
