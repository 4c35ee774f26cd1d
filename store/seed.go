package store

import (
	"cmp"
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
	// faster than updating it a million times (measured), and if
	// anything fails the schema is back as it was.
	// A large page cache while loading: building indexes over a million
	// rows thrashes the default 32 MB one (measured: x1.4).
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
		ins := newBulk(ctx, tx, `INSERT INTO users (tenant_id, username, display_name, email, status, locked_at,
			lock_reason, source_type, language, org_unit_id, created_at, updated_at) VALUES`, "", 12)
		defer ins.close()
		names := make([]string, o.Users) // the new users' usernames, for their memberships
		for i := range o.Users {
			k := base + i
			first, last := seedFirst[rng.IntN(len(seedFirst))], seedLast[rng.IntN(len(seedLast))]
			username := first + "." + last + strconv.Itoa(k)
			names[i] = username
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
			if err := ins.add(tenant, username, capitalize(first)+" "+capitalize(last),
				username+"@"+seedDomains[rng.IntN(len(seedDomains))], status, locked, reason, source, "en", unit, created, created); err != nil {
				return fmt.Errorf("store: seed user %d: %w", k, err)
			}
			if o.Progress != nil && (i+1)%seedChunk == 0 {
				o.Progress(i + 1)
			}
		}
		if err := ins.flush(); err != nil {
			return fmt.Errorf("store: seed users: %w", err)
		}
		if o.Progress != nil && o.Users%seedChunk != 0 {
			o.Progress(o.Users)
		}
		if err := seedGroups(ctx, tx, tenant, firstUser, names, o, rng, s.nowMillis()); err != nil {
			return err
		}
		if err := seedProperties(ctx, tx, tenant, firstUser, names, o, rng, s.nowMillis()); err != nil {
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
			// 'rebuild' leaves a dozen segments at a million users, and a
			// search seeks each of them for every trigram of its keyword;
			// merged into one, the widest searches run about 1.7 times as
			// fast (make bench). Batches written later add small segments
			// that FTS5's automerge folds into larger ones.
			`INSERT INTO users_fts (users_fts) VALUES ('optimize')`,
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
func seedGroups(ctx context.Context, tx *sql.Tx, tenant, firstUser int64, names []string, o SeedOptions, rng *rand.Rand, now int64) error {
	if o.Groups == 0 || o.Users == 0 {
		return nil
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO user_groups (tenant_id, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	defer ins.Close()
	member := newBulk(ctx, tx, `INSERT INTO group_members (group_id, user_id, joined_at, username) VALUES`, "", 4)
	defer member.close()
	for i := range o.Groups {
		var id int64
		if err := ins.QueryRowContext(ctx, tenant, fmt.Sprintf("group %04d", i), now, now).Scan(&id); err != nil {
			return fmt.Errorf("store: seed group: %w", err)
		}
		size := min(int(math.Pow(50000, rng.Float64())), o.Users)
		for _, u := range sample(rng, o.Users, size) {
			if err := member.add(id, firstUser+int64(u), now, names[u]); err != nil {
				return fmt.Errorf("store: seed group member: %w", err)
			}
		}
	}
	return member.flush()
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
func seedProperties(ctx context.Context, tx *sql.Tx, tenant, firstUser int64, names []string, o SeedOptions, rng *rand.Rand, now int64) error {
	if o.Properties == 0 || o.Users == 0 {
		return nil
	}
	types := []string{"select", "text", "number", "select", "boolean", "multiselect", "date", "select"}
	ins := newBulk(ctx, tx, `INSERT INTO user_property_values (property_id, option_id, value, user_id, username) VALUES`, "", 5)
	defer ins.close()
	copies := make([][]byte, o.Users) // each new user's copy of their values
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
		type value struct {
			option int64
			text   string
			user   int
		}
		var vals []value
		for _, u := range sample(rng, o.Users, int(share*float64(o.Users))) {
			switch typ {
			case "select", "multiselect":
				r := rng.Float64()
				first := opts[int(r*r*r*float64(len(opts)))]
				vals = append(vals, value{first, "", u})
				if typ == "multiselect" && rng.IntN(3) == 0 {
					if extra := opts[rng.IntN(len(opts))]; extra != first {
						vals = append(vals, value{extra, "", u})
					}
				}
			case "text":
				vals = append(vals, value{0, seedLast[int(math.Pow(rng.Float64(), 2)*float64(len(seedLast)))], u})
			case "number":
				vals = append(vals, value{0, strconv.Itoa(rng.IntN(100)), u})
			case "boolean":
				vals = append(vals, value{0, strconv.FormatBool(rng.IntN(4) == 0), u})
			case "date":
				vals = append(vals, value{0, time.UnixMilli(now).AddDate(0, 0, -rng.IntN(3650)).UTC().Format(time.DateOnly), u})
			}
		}
		// In primary key order: the table is written front to back instead of
		// at a random option's place for every value. The users' copies come
		// out in their order too (property, option, value).
		slices.SortFunc(vals, func(a, b value) int {
			return cmp.Or(cmp.Compare(a.option, b.option), strings.Compare(a.text, b.text), cmp.Compare(a.user, b.user))
		})
		for _, v := range vals {
			if err := ins.add(pid, v.option, v.text, firstUser+int64(v.user), names[v.user]); err != nil {
				return fmt.Errorf("store: seed property value: %w", err)
			}
			copies[v.user] = appendPropertyValue(copies[v.user], pid, v.option, v.text)
		}
	}
	if err := ins.flush(); err != nil {
		return fmt.Errorf("store: seed property value: %w", err)
	}
	// The copies on the user rows, which the dropped triggers would have
	// written.
	upd := newBulk(ctx, tx, `WITH v(id, pv) AS (VALUES`, `) UPDATE users SET property_values = v.pv FROM v WHERE users.id = v.id`, 2)
	defer upd.close()
	for u, c := range copies {
		if len(c) > 0 {
			if err := upd.add(firstUser+int64(u), string(c)); err != nil {
				return fmt.Errorf("store: seed property values: %w", err)
			}
		}
	}
	return upd.flush()
}

// bulk writes rows a hundred at a time with one multi-row statement:
// database/sql's cost per statement (arguments converted, bound, stepped,
// reset) was most of a seeded user's.
type bulk struct {
	ctx        context.Context
	tx         *sql.Tx
	head, tail string // around the rows: "INSERT INTO t (a, b) VALUES", ""
	cols       int
	full       *sql.Stmt // prepared for bulkRows rows
	args       []any
}

const bulkRows = 100

func newBulk(ctx context.Context, tx *sql.Tx, head, tail string, cols int) *bulk {
	return &bulk{ctx: ctx, tx: tx, head: head, tail: tail, cols: cols, args: make([]any, 0, cols*bulkRows)}
}

func (b *bulk) add(vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) < b.cols*bulkRows {
		return nil
	}
	if b.full == nil {
		st, err := b.tx.PrepareContext(b.ctx, b.statement(bulkRows))
		if err != nil {
			return err
		}
		b.full = st
	}
	_, err := b.full.ExecContext(b.ctx, b.args...)
	b.args = b.args[:0]
	return err
}

// flush writes the rows left.
func (b *bulk) flush() error {
	if len(b.args) == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(b.ctx, b.statement(len(b.args)/b.cols), b.args...)
	b.args = b.args[:0]
	return err
}

func (b *bulk) statement(rows int) string {
	row := "(?" + strings.Repeat(", ?", b.cols-1) + ")"
	return b.head + " " + row + strings.Repeat(", "+row, rows-1) + b.tail
}

func (b *bulk) close() {
	if b.full != nil {
		b.full.Close()
	}
}
