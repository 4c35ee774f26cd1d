package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// unitMoves sums users' moves between org units: how many users each unit
// gained, less how many it lost.
type unitMoves map[int64]int64

// move records n users leaving unit from for unit to.
func (m unitMoves) move(from, to, n int64) {
	m[from] -= n
	m[to] += n
}

// countUnitMoves adds moves to the org units' user counters on SQLite,
// whose row trigger for it migration 00032 dropped: one statement for
// every user the caller's statement moved. On PostgreSQL a statement
// trigger (migration 00031) has counted them already.
func (s *Store) countUnitMoves(ctx context.Context, tx *sql.Tx, moves unitMoves) error {
	if s.pg {
		return nil
	}
	var rows []string
	var args []any
	for unit, n := range moves {
		if n != 0 {
			rows, args = append(rows, "(?, ?)"), append(args, unit, n)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, addToUnitsSQLite(`VALUES `+strings.Join(rows, ", ")), args...); err != nil {
		return fmt.Errorf("store: count users' org units: %w", err)
	}
	return nil
}

// addToUnitsSQLite is the statement adding to the units' counters what
// the rows of d (org unit, number of users) add to each unit, negative
// for users taken away: each unit of d and every unit above it, updated
// once with the sum of the rows below it. A unit whose sums are zero,
// such as the ancestors shared by the units users left and joined, is
// not written.
func addToUnitsSQLite(d string) string {
	return `WITH d(org_unit_id, n) AS (` + d + `),
		      a AS (SELECT c.ancestor AS id, sum(d.n) AS n, sum(CASE WHEN c.depth = 0 THEN d.n ELSE 0 END) AS direct
		            FROM d JOIN org_closure c ON c.descendant = d.org_unit_id GROUP BY c.ancestor)
		 UPDATE org_units SET subtree_user_count = subtree_user_count + a.n, user_count = user_count + a.direct
		 FROM a WHERE org_units.id = a.id AND (a.n <> 0 OR a.direct <> 0)`
}
