package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SeedOptions describes a generated data set.
type SeedOptions struct {
	Users      int
	OrgUnits   int    // units added under the root, depth up to 8
	Groups     int    // groups of 1 to 50,000 members (log-uniform)
	Properties int    // custom properties of every type, each held by 2-40 % of users
	Seed       uint64 // same seed, same data
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
	if err := s.rd.QueryRowContext(ctx, `SELECT id FROM org_units WHERE tenant_id = ? AND parent_id IS NULL`, tenant).Scan(&root); err != nil {
		return fmt.Errorf("store: seed: root org unit: %w", err)
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	end := s.now()
	start := end.AddDate(-2, 0, 0)
	span := end.Sub(start).Milliseconds()
	var base int
	if err := s.rd.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE tenant_id = ?`, tenant).Scan(&base); err != nil {
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
	defer s.forgetProperties(tenant)
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
			WHERE tbl_name IN ('users', 'group_members', 'user_property_values')
			AND type IN ('index', 'trigger') AND sql IS NOT NULL`)
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
			if _, err := s.exec(ctx, tx, d); err != nil {
				return fmt.Errorf("store: seed: %s: %w", d, err)
			}
		}
		units := []int64{root}
		if o.OrgUnits > 0 {
			if units, err = seedOrgUnits(ctx, tx, tenant, root, o.OrgUnits, rng, s.nowMillis()); err != nil {
				return err
			}
		}
		var firstUser int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM users`).Scan(&firstUser); err != nil {
			return err
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
			unit := root
			if len(units) > 1 {
				unit = units[rng.IntN(len(units))]
			}
			if _, err := stmt.ExecContext(ctx, tenant, username, capitalize(first)+" "+capitalize(last),
				username+"@"+seedDomains[rng.IntN(len(seedDomains))], status, locked, reason, source, unit, created, created); err != nil {
				return fmt.Errorf("store: seed user %d: %w", k, err)
			}
			if o.Progress != nil && (i+1)%seedChunk == 0 {
				o.Progress(i + 1)
			}
		}
		if o.Progress != nil && o.Users%seedChunk != 0 {
			o.Progress(o.Users)
		}
		if err := seedGroups(ctx, tx, tenant, firstUser, o, rng, s.nowMillis()); err != nil {
			return err
		}
		if err := seedProperties(ctx, tx, tenant, firstUser, o, rng, s.nowMillis()); err != nil {
			return err
		}
		for _, ddl := range schema {
			if _, err := s.exec(ctx, tx, ddl); err != nil {
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
			`UPDATE user_groups SET member_count = (SELECT count(*) FROM group_members m
			     WHERE m.group_id = user_groups.id) WHERE tenant_id = ?1`,
			// So were the triggers keeping each user's copy of their values.
			`UPDATE users SET property_values = (
			     SELECT group_concat(v.property_id || ',' || v.option_id || ',' || octet_length(v.value) || ',' || v.value, ''
			                         ORDER BY v.property_id, v.option_id, v.value)
			     FROM user_property_values v WHERE v.user_id = users.id)
			 WHERE tenant_id = ?1 AND id IN (SELECT user_id FROM user_property_values)`,
			`UPDATE property_options SET user_count = (SELECT count(*) FROM user_property_values v
			     WHERE v.property_id = property_options.property_id AND v.option_id = property_options.id)
			 WHERE property_id IN (SELECT id FROM properties WHERE tenant_id = ?1)`,
			`UPDATE properties SET user_count = (SELECT count(DISTINCT user_id) FROM user_property_values v
			     WHERE v.property_id = properties.id) WHERE tenant_id = ?1`,
			`UPDATE org_units SET subtree_user_count = (SELECT sum(d.user_count) FROM org_closure c
			     JOIN org_units d ON d.id = c.descendant WHERE c.ancestor = org_units.id) WHERE tenant_id = ?1`,
		} {
			var args []any
			if strings.Contains(q, "?") {
				args = []any{tenant}
			}
			if _, err := s.exec(ctx, tx, q, args...); err != nil {
				return fmt.Errorf("store: seed: %w", err)
			}
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM sqlite_stat1 WHERE tbl = 'users'`); err != nil {
			return err
		}
		for _, st := range stats {
			if _, err := s.exec(ctx, tx, `INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('users', ?, ?)`, st[0], st[1]); err != nil {
				return err
			}
		}
		if _, err := s.exec(ctx, tx, `ANALYZE sqlite_schema`); err != nil {
			return err
		}
		return s.audit(ctx, tx, tenant, "tenant.seed", "tenant", PublicID(PrefixTenant, tenant), Changes{
			"users": {After: o.Users}, "org_units": {After: o.OrgUnits}, "groups": {After: o.Groups},
			"properties": {After: o.Properties}})
	})
	return err
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-32) + s[1:]
}

// seedOrgUnits adds n units under root: each under a random earlier unit
// less than 8 levels deep, so early units gather large subtrees. It returns
// every unit id, root first.
func seedOrgUnits(ctx context.Context, tx *sql.Tx, tenant, root int64, n int, rng *rand.Rand, now int64) ([]int64, error) {
	ids := []int64{root}
	ancestors := [][]int64{{root}} // per unit: itself, then up to the root
	ins, err := tx.PrepareContext(ctx, `INSERT INTO org_units (tenant_id, parent_id, name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return nil, err
	}
	defer ins.Close()
	link, err := tx.PrepareContext(ctx, `INSERT INTO org_closure (ancestor, descendant, depth) VALUES (?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	defer link.Close()
	for i := range n {
		// Eight divisions under the root, then each unit under a random
		// earlier one (squared draw: earlier units are likelier parents, so
		// subtrees range from one unit to thousands) less than 8 deep.
		p := 0
		for i >= 8 {
			r := rng.Float64()
			p = 1 + int(r*r*float64(len(ids)-1))
			if len(ancestors[p]) < 8 {
				break
			}
		}
		var id int64
		name := fmt.Sprintf("%s %d", capitalize(seedLast[rng.IntN(len(seedLast))]), i)
		if err := ins.QueryRowContext(ctx, tenant, ids[p], name, now, now).Scan(&id); err != nil {
			return nil, fmt.Errorf("store: seed org unit: %w", err)
		}
		anc := append([]int64{id}, ancestors[p]...)
		for depth, a := range anc {
			if _, err := link.ExecContext(ctx, a, id, depth); err != nil {
				return nil, fmt.Errorf("store: seed org unit: %w", err)
			}
		}
		ids, ancestors = append(ids, id), append(ancestors, anc)
	}
	return ids, nil
}

// seedGroups adds o.Groups groups with log-uniform sizes from 1 to 50,000
// (capped at the users seeded), members drawn from the new users.
func seedGroups(ctx context.Context, tx *sql.Tx, tenant, firstUser int64, o SeedOptions, rng *rand.Rand, now int64) error {
	if o.Groups == 0 || o.Users == 0 {
		return nil
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO user_groups (tenant_id, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	defer ins.Close()
	member, err := tx.PrepareContext(ctx, `INSERT INTO group_members (group_id, user_id, joined_at) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer member.Close()
	for i := range o.Groups {
		var id int64
		if err := ins.QueryRowContext(ctx, tenant, fmt.Sprintf("group %04d", i), now, now).Scan(&id); err != nil {
			return fmt.Errorf("store: seed group: %w", err)
		}
		size := min(int(math.Pow(50000, rng.Float64())), o.Users)
		for _, u := range sample(rng, o.Users, size) {
			if _, err := member.ExecContext(ctx, id, firstUser+int64(u), now); err != nil {
				return fmt.Errorf("store: seed group member: %w", err)
			}
		}
	}
	return nil
}

// sample returns k distinct numbers below n, in increasing order.
func sample(rng *rand.Rand, n, k int) []int {
	seen := make(map[int]bool, k)
	out := make([]int, 0, k)
	for len(out) < k {
		if x := rng.IntN(n); !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// seedProperties adds o.Properties properties cycling through the types;
// select types get 5-50 values chosen with a skew (the first values are
// the common ones).
func seedProperties(ctx context.Context, tx *sql.Tx, tenant, firstUser int64, o SeedOptions, rng *rand.Rand, now int64) error {
	if o.Properties == 0 || o.Users == 0 {
		return nil
	}
	types := []string{"select", "text", "number", "select", "boolean", "multiselect", "date", "select"}
	val, err := tx.PrepareContext(ctx, `INSERT INTO user_property_values (property_id, option_id, value, user_id) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer val.Close()
	for i := range o.Properties {
		typ := types[i%len(types)]
		var pid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO properties (tenant_id, key, display_name, type, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, tenant, fmt.Sprintf("%s_%d", typ, i), fmt.Sprintf("Property %d", i),
			typ, now, now).Scan(&pid); err != nil {
			return fmt.Errorf("store: seed property: %w", err)
		}
		var opts []int64
		if typ == "select" || typ == "multiselect" {
			for j := range 5 + rng.IntN(46) {
				var oid int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO property_options (property_id, value, display_name) VALUES (?, ?, ?) RETURNING id`,
					pid, fmt.Sprintf("v%d", j), fmt.Sprintf("Value %d", j)).Scan(&oid); err != nil {
					return fmt.Errorf("store: seed property value: %w", err)
				}
				opts = append(opts, oid)
			}
		}
		share := 0.02 + 0.38*rng.Float64()
		for _, u := range sample(rng, o.Users, int(share*float64(o.Users))) {
			var vals [][2]any
			switch typ {
			case "select", "multiselect":
				r := rng.Float64()
				vals = append(vals, [2]any{opts[int(r*r*r*float64(len(opts)))], ""})
				if typ == "multiselect" && rng.IntN(3) == 0 {
					if extra := opts[rng.IntN(len(opts))]; extra != vals[0][0] {
						vals = append(vals, [2]any{extra, ""})
					}
				}
			case "text":
				vals = append(vals, [2]any{0, seedLast[int(math.Pow(rng.Float64(), 2)*float64(len(seedLast)))]})
			case "number":
				vals = append(vals, [2]any{0, strconv.Itoa(rng.IntN(100))})
			case "boolean":
				vals = append(vals, [2]any{0, strconv.FormatBool(rng.IntN(4) == 0)})
			case "date":
				vals = append(vals, [2]any{0, time.UnixMilli(now).AddDate(0, 0, -rng.IntN(3650)).UTC().Format(time.DateOnly)})
			}
			for _, v := range vals {
				if _, err := val.ExecContext(ctx, pid, v[0], v[1], firstUser+int64(u)); err != nil {
					return fmt.Errorf("store: seed property value: %w", err)
				}
			}
		}
	}
	return nil
}
