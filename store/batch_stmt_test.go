package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
)

// An INSERT of sqliteInsertRows rows is kept prepared once a transaction
// that ran it commits, and the next transactions run it with their own
// rows; one that rolled back keeps nothing, nor does an INSERT of another
// number of rows (a batch's remainder).
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
	count, sum := 0, 0
	add := func(from, rows int) {
		for i := from; i < from+rows; i++ {
			count, sum = count+1, sum+i
		}
	}
	if err := insert(0, sqliteInsertRows-1, false); err != nil || kept() != 0 {
		t.Fatalf("%d rows: err %v, %d statements kept, want 0", sqliteInsertRows-1, err, kept())
	}
	add(0, sqliteInsertRows-1)
	// Whole batches and one short of a batch (its last INSERT shorter):
	// the INSERT of sqliteInsertRows rows alone is kept.
	for from, rows := range map[int]int{MaxBatch: MaxBatch, 2 * MaxBatch: MaxBatch - 1, 3 * MaxBatch: MaxBatch} {
		if err := insert(from, rows, false); err != nil || kept() != 1 {
			t.Fatalf("batch of %d from %d: err %v, %d statements kept, want 1", rows, from, err, kept())
		}
		add(from, rows)
	}
	var gotCount, gotSum int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*), sum(n) FROM scratch`).Scan(&gotCount, &gotSum); err != nil {
		t.Fatal(err)
	}
	if gotCount != count || gotSum != sum {
		t.Errorf("scratch holds %d rows summing to %d, want %d summing to %d", gotCount, gotSum, count, sum)
	}
}
