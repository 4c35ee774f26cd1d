package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// SeedOptions describes a generated data set.
type SeedOptions struct {
	Users int
	Seed  uint64 // same seed, same users
	// Progress, when set, is called as rows are written; done equals Users
	// when the rows are in and the indexes are about to be built.
	Progress func(done int)
}

var (
	seedFirst = []string{"ada", "alan", "grace", "linus", "margaret", "ken", "dennis", "barbara", "edsger", "donald",
		"frances", "john", "radia", "tim", "vint", "whitfield", "shafi", "leslie", "niklaus", "hedy", "katherine",
		"dorothy", "annie", "sophie", "mary", "yukihiro", "guido", "rob", "bjarne", "anders", "james", "lynn"}
	seedLast = []string{"lovelace", "turing", "hopper", "torvalds", "hamilton", "thompson", "ritchie", "liskov",
		"dijkstra", "knuth", "allen", "mccarthy", "perlman", "berners-lee", "cerf", "diffie", "goldwasser",
		"lamport", "wirth", "lamarr", "johnson", "vaughan", "easley", "wilson", "keller", "matsumoto", "rossum",
		"pike", "stroustrup", "hejlsberg", "gosling", "conway"}
	seedDomains = []string{"example.com", "example.org", "corp.example", "mail.example", "staff.example.net"}
)

// seedChunk is how often SeedUsers reports progress.
const seedChunk = 50000

// SeedUsers adds generated users to tenant: unique usernames, a few percent
// disabled, pending or locked, a mix of sources, creation dates spread over
// two years. It writes straight to the tables in large transactions, with
// one audit event for the whole load instead of one per user.
func (s *Store) SeedUsers(ctx context.Context, tenant int64, o SeedOptions) error {
	var root int64
	if err := s.r.QueryRowContext(ctx, `SELECT id FROM org_units WHERE tenant_id = ? AND parent_id IS NULL`, tenant).Scan(&root); err != nil {
		return fmt.Errorf("store: seed: root org unit: %w", err)
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	end := s.now()
	start := end.AddDate(-2, 0, 0)
	span := end.Sub(start).Milliseconds()
	var base int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE tenant_id = ?`, tenant).Scan(&base); err != nil {
		return fmt.Errorf("store: seed: %w", err)
	}
	// One transaction: the secondary indexes and triggers of users are
	// dropped, the rows loaded, then the indexes rebuilt, the search index
	// and the counters recomputed. Building an index once is several times
	// faster than updating it a million times (toolchain.md), and if
	// anything fails the schema is back as it was.
	// A large page cache while loading: building indexes over a million
	// rows thrashes the default 32 MB one (toolchain.md: x1.4).
	if _, err := s.w.ExecContext(ctx, `PRAGMA cache_size = -1000000`); err != nil {
		return err
	}
	defer s.w.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -32000`)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The planner statistics of users are the hand-written ones of the
		// migration (a tenant of a million users); dropping the indexes drops
		// them, so they are put back at the end. A sampled ANALYZE was tried
		// and misjudged tenant_id, sending the locked filter to a full scan.
		var stats [][2]string
		rows, err := tx.QueryContext(ctx, `SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'users'`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var st [2]string
			if err := rows.Scan(&st[0], &st[1]); err != nil {
				rows.Close()
				return err
			}
			stats = append(stats, st)
		}
		rows.Close()
		var schema []string
		rows, err = tx.QueryContext(ctx, `SELECT type, name, sql FROM sqlite_schema
			WHERE tbl_name = 'users' AND type IN ('index', 'trigger') AND sql IS NOT NULL`)
		if err != nil {
			return err
		}
		var drops []string
		for rows.Next() {
			var typ, name, ddl string
			if err := rows.Scan(&typ, &name, &ddl); err != nil {
				rows.Close()
				return err
			}
			schema = append(schema, ddl)
			drops = append(drops, "DROP "+strings.ToUpper(typ)+" "+name)
		}
		rows.Close()
		for _, d := range drops {
			if _, err := tx.ExecContext(ctx, d); err != nil {
				return fmt.Errorf("store: seed: %s: %w", d, err)
			}
		}
		stmt, err := tx.PrepareContext(ctx, `
			INSERT INTO users (tenant_id, username, display_name, email, status, locked_at, lock_reason,
			    source_type, language, org_unit_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'en', ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range o.Users {
			k := base + i
			first, last := seedFirst[rng.IntN(len(seedFirst))], seedLast[rng.IntN(len(seedLast))]
			username := first + "." + last + strconv.Itoa(k)
			status := StatusEnabled
			switch r := rng.IntN(100); {
			case r < 2:
				status = StatusDisabled
			case r < 5:
				status = StatusPending
			}
			source := "built_in"
			switch r := rng.IntN(10); {
			case r < 2:
				source = "ldap"
			case r < 3:
				source = "csv"
			}
			created := start.UnixMilli() + span*int64(k)/int64(base+o.Users) // ascending with id, like real sign-ups
			var locked sql.NullInt64
			var reason sql.NullString
			if rng.IntN(100) == 0 {
				locked, reason = sql.NullInt64{Int64: created, Valid: true}, sql.NullString{String: LockAdmin, Valid: true}
			}
			if _, err := stmt.ExecContext(ctx, tenant, username, capitalize(first)+" "+capitalize(last),
				username+"@"+seedDomains[rng.IntN(len(seedDomains))], status, locked, reason, source, root, created, created); err != nil {
				return fmt.Errorf("store: seed user %d: %w", k, err)
			}
			if o.Progress != nil && (i+1)%seedChunk == 0 {
				o.Progress(i + 1)
			}
		}
		if o.Progress != nil && o.Users%seedChunk != 0 {
			o.Progress(o.Users)
		}
		for _, ddl := range schema {
			if _, err := tx.ExecContext(ctx, ddl); err != nil {
				return fmt.Errorf("store: seed: rebuild: %w", err)
			}
		}
		for _, q := range []string{
			// 'rebuild' is the fast way to index a million rows. It leaves one
			// large segment that later writes merge against, which is why the
			// store writes the index once per batch, not once per user.
			`INSERT INTO users_fts (users_fts) VALUES ('rebuild')`,
			`DELETE FROM user_counts WHERE tenant_id = ?`,
			`INSERT INTO user_counts (tenant_id, dim, key, n)
			 SELECT tenant_id, 'all', '', count(*) FROM users WHERE tenant_id = ?1
			 UNION ALL SELECT tenant_id, 'status', status, count(*) FROM users WHERE tenant_id = ?1 GROUP BY status
			 UNION ALL SELECT tenant_id, 'source_type', source_type, count(*) FROM users WHERE tenant_id = ?1 GROUP BY source_type
			 UNION ALL SELECT tenant_id, 'created_month', strftime('%Y-%m', created_at / 1000, 'unixepoch'), count(*)
			           FROM users WHERE tenant_id = ?1 GROUP BY 3`,
			// The org counters' triggers were dropped with the others.
			`UPDATE org_units SET user_count = (SELECT count(*) FROM users u
			     WHERE u.tenant_id = ?1 AND u.org_unit_id = org_units.id) WHERE tenant_id = ?1`,
			`UPDATE org_units SET subtree_user_count = (SELECT sum(d.user_count) FROM org_closure c
			     JOIN org_units d ON d.id = c.descendant WHERE c.ancestor = org_units.id) WHERE tenant_id = ?1`,
		} {
			var args []any
			if strings.Contains(q, "?") {
				args = []any{tenant}
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("store: seed: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sqlite_stat1 WHERE tbl = 'users'`); err != nil {
			return err
		}
		for _, st := range stats {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('users', ?, ?)`, st[0], st[1]); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `ANALYZE sqlite_schema`); err != nil {
			return err
		}
		return s.audit(ctx, tx, tenant, "tenant.seed", "tenant", PublicID(PrefixTenant, tenant),
			Changes{"users": {After: o.Users}})
	})
	return err
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-32) + s[1:]
}
