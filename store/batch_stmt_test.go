package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
)

// A whole batch's INSERT is kept prepared once a transaction that ran it
// commits, and the next transactions run it with their own rows; one that
// rolled back keeps nothing, nor does an INSERT of another number of rows.
func TestBatchStatementsAreKeptOnceCommitted(t *testing.T) {
	s := openCopySource(t)
	ctx := context.Background()
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE scratch (n INTEGER, label TEXT)`); err != nil {
		t.Fatal(err)
	}
	insert := func(from, rows int, fail bool) error {
		var args []any
		for i := from; i < from+rows; i++ {
			args = append(args, i, "row")
		}
		return s.inTx(ctx, func(tx *sql.Tx) error {
			if err := s.insertRows(ctx, tx, `INSERT INTO scratch (n, label) VALUES `, 2, args, "", nil); err != nil {
				return err
			}
			if fail {
				return errors.New("rolled back")
			}
			return nil
		})
	}
	kept := func() int {
		n := 0
		s.wstmts.Range(func(k, _ any) bool {
			if strings.HasPrefix(k.(string), "INSERT INTO scratch") {
				n++
			}
			return true
		})
		return n
	}
	if err := insert(0, MaxBatch, true); err == nil || kept() != 0 {
		t.Fatalf("rolled back batch: err %v, %d statements kept, want 0", err, kept())
	}
	if err := insert(0, MaxBatch-1, false); err != nil || kept() != 0 {
		t.Fatalf("batch of %d: err %v, %d statements kept, want 0", MaxBatch-1, err, kept())
	}
	for from := MaxBatch; from < 4*MaxBatch; from += MaxBatch {
		if err := insert(from, MaxBatch, false); err != nil || kept() != 1 {
			t.Fatalf("batch from %d: err %v, %d statements kept, want 1", from, err, kept())
		}
	}
	var count, sum int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*), sum(n) FROM scratch`).Scan(&count, &sum); err != nil {
		t.Fatal(err)
	}
	// Rows 0 to 4*MaxBatch-1 but for the one the first committed batch
	// lacked (MaxBatch-1).
	last := 4*MaxBatch - 1
	if wantSum := last*(last+1)/2 - (MaxBatch - 1); count != last || sum != wantSum {
		t.Errorf("scratch holds %d rows summing to %d, want %d summing to %d", count, sum, last, wantSum)
	}
}
