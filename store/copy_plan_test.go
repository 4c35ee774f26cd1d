package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Every table of the SQLite schema is either copied to PostgreSQL or left
// behind on purpose: a migration that adds a table fails here until
// store/copy.go says which.
func TestCopyCoversEverySQLiteTable(t *testing.T) {
	t.Parallel()
	s := openCopySource(t)
	plan, err := readCopyPlan(t, s)
	if err != nil {
		t.Fatalf("copyPlan of the current schema = %v", err)
	}
	var copied []string
	for _, tb := range plan {
		copied = append(copied, tb.name)
		if len(tb.cols) == 0 {
			t.Errorf("table %s: no columns to copy", tb.name)
		}
	}
	if !slices.Equal(copied, copyTables) {
		t.Errorf("copyPlan tables = %v, want copyTables in their order", copied)
	}
	// A skip whose table a migration has since dropped would hide nothing,
	// but says something untrue about the schema.
	for name := range copySkipped {
		var n int
		if err := s.r.QueryRowContext(t.Context(), `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil || n != 1 {
			t.Errorf("copySkipped names %s, which the SQLite schema does not have (%v)", name, err)
		}
	}
}

// A table a migration added without a word in store/copy.go stops the copy
// before it writes anything, naming the table.
func TestCopyRefusesATableItDoesNotKnow(t *testing.T) {
	t.Parallel()
	s := openCopySource(t)
	if _, err := s.w.ExecContext(t.Context(), `CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	_, err := readCopyPlan(t, s)
	if err == nil || !strings.Contains(err.Error(), "tables the copy does not know: widgets") {
		t.Fatalf("copyPlan with a new table = %v, want a refusal naming widgets", err)
	}
}

func openCopySource(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// readCopyPlan runs copyPlan in a read transaction of s, as CopyDatabase does.
func readCopyPlan(t *testing.T, s *Store) ([]copyTable, error) {
	t.Helper()
	tx, err := s.r.BeginTx(t.Context(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	return copyPlan(t.Context(), tx)
}
