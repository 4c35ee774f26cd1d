package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

// A transaction whose context ends before it commits writes nothing, and
// its error says the context ended, not just that the transaction was
// already over.
func TestCancelledTransactionSaysSo(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(t.Context())
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tenants (alias, name, created_at) VALUES ('gone', 'Gone', 0)`); err != nil {
			return err
		}
		cancel()
		// database/sql rolls back in a goroutine of its own; wait for it,
		// so that the commit meets a transaction already over.
		for {
			_, err := tx.ExecContext(context.Background(), `SELECT 1`)
			if errors.Is(err, sql.ErrTxDone) {
				return nil
			}
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("inTx with its context cancelled before commit = %v; want context.Canceled", err)
	}
	var n int
	if err := s.r.QueryRowContext(t.Context(), `SELECT count(*) FROM tenants WHERE alias = 'gone'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("tenants written by the cancelled transaction = %d, %v; want 0", n, err)
	}
}
