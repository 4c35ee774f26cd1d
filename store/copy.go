package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// copyTables are the tables CopyDatabase copies, in this order: each one
// after the tables its foreign keys name. The foreign keys are off while
// rows are copied (see dropForCopy), so the order is not what lets the
// copy through; it is the one a copy with them on would need, and it
// tells where a new table goes. A table a migration adds goes here, or
// into copySkipped: CopyDatabase refuses a SQLite schema with a table in
// neither (and a test checks that the current one has none).
var copyTables = []string{
	"tenants", "org_units", "org_closure", "administrators", "tenant_members", "api_keys",
	// Sealed under the server key, which moves with them: start the
	// PostgreSQL replicas with the same key file.
	// (Their nonces stay behind: on SQLite they are in a file of their
	// own, and a nonce outlives its request by a quarter of an hour.)
	"access_keys",
	"users", "user_tags", "user_counts", "user_groups", "group_members",
	"properties", "property_options", "user_property_values",
	"resource_groups", "resource_group_resources", "resource_group_users", "resource_group_groups",
	"user_tokens", "password_history", "outbox", "audit_events", "admin_preferences",
	"jobs", "job_users", "imports", "import_parts", "import_rows", "import_seen", "import_created", "import_chunks",
	// Failed sign-ins still counting against their limits: copied, so a
	// move to PostgreSQL does not give a guesser a fresh start.
	"attempts",
}

// copySkipped are the tables of the SQLite schema CopyDatabase leaves
// behind, with why. Besides these, SQLite's own tables (sqlite_…: planner
// statistics) and the shadow tables FTS5 keeps users_fts in (users_fts_…)
// stay behind with users_fts.
var copySkipped = map[string]string{
	"goose_db_version": "each database records the migrations applied to it",
	"users_fts":        "SQLite's keyword index: PostgreSQL's is an index on users (users_keyword), built as they are copied",
	"auth_codes":       "one-time authorization codes, good for minutes: an administrator makes another in a moment",
	"scim_requests":    "a log of the last SCIM requests, for the Provisioning page: the identity provider's next sync writes it again",
	"sessions": "sign-in sessions: SQLite's expiry is a Julian day, PostgreSQL's a timestamp, " +
		"and a session moved to another server's database is worth little; everyone signs in again",
}

// copySkippedColumns are the columns of SQLite's tables, as table.column,
// that PostgreSQL's have not, with why: CopyDatabase leaves them behind.
var copySkippedColumns = map[string]string{
	"users.version": "SQLite's row version, which a trigger raises for the user lists' cache: PostgreSQL's rows carry theirs (xmin)",
}

// ErrTargetNotEmpty is CopyDatabase's refusal of a target that holds rows.
var ErrTargetNotEmpty = errors.New("the target database is not empty")

// copyEvery is how often, in rows, CopyDatabase reports progress: a few
// hundred times a second at the rates measured, a call is cheap beside
// reading and writing that many rows.
const copyEvery = 1000

// CopiedTable is a table CopyDatabase copied and how many rows it holds.
type CopiedTable struct {
	Name string
	Rows int64
}

// CopyDatabase copies every row of the SQLite database from into the
// PostgreSQL database to, ids unchanged, and returns the tables copied
// in the order they were. to must be empty: it refuses a target with a
// row in any table it would copy, writing nothing (ErrTargetNotEmpty).
// progress, when set, is called as each table is copied: with done 0 as
// it starts (unless it is empty), every thousand rows, and once with done
// equal to total, when it is complete.
//
// The source is read in one read transaction, so the copy is one
// snapshot of it even while a server keeps writing to it (in WAL mode a
// reader holds up no writer). The target is written in one transaction:
// a failure anywhere, or ctx ending, leaves it as empty as it was.
// Rows stream from one to the other through PostgreSQL's COPY, never a
// whole table in memory, into tables stripped of their secondary indexes
// and foreign keys, which are then built again (progress calls that step
// CopyIndexes, counting the indexes and keys). What triggers keep
// (counters, the usernames and property values copied onto other rows)
// is copied as SQLite's triggers left it, with PostgreSQL's triggers off
// meanwhile; the id sequences then start past the largest copied id.
// Sign-in sessions are not copied (see copySkipped): everyone signs in
// again.
func CopyDatabase(ctx context.Context, from, to *Store, progress func(table string, done, total int64)) ([]CopiedTable, error) {
	if from.pg || !to.pg {
		return nil, errors.New("store: copy: copies a SQLite database into PostgreSQL only")
	}
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	// The read pool is query_only, and a read-only transaction is a
	// deferred BEGIN: its snapshot is taken at its first read and kept to
	// the end, whatever the server commits meanwhile.
	src, err := from.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	defer src.Rollback()
	plan, err := copyPlan(ctx, src)
	if err != nil {
		return nil, err
	}
	conn, err := to.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	defer conn.Close()
	// COPY is pgx's own API, under database/sql's: the pool's connections
	// are the store's driver wrapping pgx's.
	err = conn.Raw(func(dc any) error {
		return copyInto(ctx, dc.(*markedConn).Conn.Conn(), src, plan, progress)
	})
	if err != nil {
		// pgx closes the connection when ctx ends mid-COPY, and its error
		// then names the closed socket rather than the cancellation.
		if ctx.Err() != nil {
			return nil, fmt.Errorf("store: copy: %w", context.Cause(ctx))
		}
		return nil, err
	}
	// What to's caches hold (counts, property definitions) is of the
	// empty database it was.
	to.commits.Add(1)
	to.propDefs.Clear()
	copied := make([]CopiedTable, len(plan))
	for i, t := range plan {
		copied[i] = CopiedTable{Name: t.name, Rows: t.rows}
	}
	return copied, nil
}

// copyTable is a table to copy: its columns (in the source's order, named
// in both engines' statements) and how many rows the snapshot holds.
type copyTable struct {
	name  string
	cols  []string
	kinds []columnKind // of each column in the target, set by checkTarget
	rows  int64
}

// copyPlan lists what src holds to copy, in copyTables's order. Returns an
// error naming them if src has tables that are neither copied nor
// skipped, so a table added by a migration is never silently left behind.
func copyPlan(ctx context.Context, src *sql.Tx) ([]copyTable, error) {
	rows, err := src.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	var have, unknown []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: copy: %w", err)
		}
		have = append(have, name)
		if !slices.Contains(copyTables, name) && !copySkippedTable(name) {
			unknown = append(unknown, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("store: copy: the SQLite database has tables the copy does not know: %s "+
			"(each must be copied, in foreign-key order, or skipped with a reason: copyTables and copySkipped in store/copy.go)",
			strings.Join(unknown, ", "))
	}
	plan := make([]copyTable, 0, len(copyTables))
	for _, name := range copyTables {
		if !slices.Contains(have, name) {
			return nil, fmt.Errorf("store: copy: the SQLite database has no table %s", name)
		}
		t := copyTable{name: name}
		if t.cols, err = sqliteColumns(ctx, src, name); err != nil {
			return nil, err
		}
		if err := src.QueryRowContext(ctx, `SELECT count(*) FROM `+name).Scan(&t.rows); err != nil {
			return nil, fmt.Errorf("store: copy: count %s: %w", name, err)
		}
		plan = append(plan, t)
	}
	return plan, nil
}

// copySkippedTable reports whether the copy leaves the SQLite table name
// behind on purpose.
func copySkippedTable(name string) bool {
	_, skipped := copySkipped[name]
	return skipped || strings.HasPrefix(name, "sqlite_") || strings.HasPrefix(name, "users_fts_")
}

func sqliteColumns(ctx context.Context, src *sql.Tx, table string) ([]string, error) {
	rows, err := src.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, fmt.Errorf("store: copy: columns of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("store: copy: columns of %s: %w", table, err)
		}
		if _, skip := copySkippedColumns[table+"."+c]; !skip {
			cols = append(cols, c)
		}
	}
	return cols, rows.Err()
}

// columnKind is what a target column holds, as far as converting SQLite's
// values goes.
type columnKind int

const (
	kindOther columnKind = iota // integers: SQLite's int64 suits bigint and integer alike
	kindText                    // text, citext
	kindBytes                   // bytea
)

// copyInto writes plan's tables from src into the PostgreSQL connection
// pc, in one transaction that it commits only once everything is there.
func copyInto(ctx context.Context, pc *pgx.Conn, src *sql.Tx, plan []copyTable, progress func(string, int64, int64)) error {
	tx, err := pc.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store: copy: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // no-op once committed
	// Turning the triggers off locks each table against writes to the end
	// of the transaction, so the target is checked empty under the locks:
	// nothing can be added to it between the check and the copy.
	for _, t := range plan {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+t.name+` DISABLE TRIGGER USER`); err != nil {
			return fmt.Errorf("store: copy: %w", err)
		}
	}
	if err := checkTarget(ctx, tx, plan); err != nil {
		return err
	}
	rebuild, err := dropForCopy(ctx, tx, plan)
	if err != nil {
		return err
	}
	for _, t := range plan {
		if err := copyRows(ctx, tx, src, t, progress); err != nil {
			return err
		}
	}
	progress(CopyIndexes, 0, int64(len(rebuild)))
	for i, ddl := range rebuild {
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return fmt.Errorf("store: copy: %s: %w", ddl, err)
		}
		progress(CopyIndexes, int64(i+1), int64(len(rebuild)))
	}
	for _, t := range plan {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+t.name+` ENABLE TRIGGER USER`); err != nil {
			return fmt.Errorf("store: copy: %w", err)
		}
		if !slices.Contains(t.cols, "id") {
			continue
		}
		// Rows were written with their ids, which the identity's sequence
		// does not see: without this the next row would be given id 1.
		// (setval of an empty table's NULL maximum does nothing.)
		q := `SELECT setval(pg_get_serial_sequence($1, 'id'), (SELECT max(id) FROM ` + t.name + `))`
		if _, err := tx.Exec(ctx, q, t.name); err != nil {
			return fmt.Errorf("store: copy: sequence of %s: %w", t.name, err)
		}
	}
	// Planner statistics of the new rows now, not whenever autovacuum
	// comes round to them (as BulkLoad does); in the transaction, so that
	// the copy is done or not, never done but for this.
	names := make([]string, len(plan))
	for i, t := range plan {
		names[i] = t.name
	}
	if _, err := tx.Exec(ctx, `ANALYZE `+strings.Join(names, ", ")); err != nil {
		return fmt.Errorf("store: copy: analyze: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store: copy: commit: %w", err)
	}
	return nil
}

// CopyIndexes is the step of CopyDatabase that follows the tables, as
// its progress names it: building the target's indexes and foreign keys.
const CopyIndexes = "indexes and foreign keys"

// dropForCopy drops the target's foreign keys and its indexes other than
// primary keys and unique constraints, on the tables of plan, and returns
// the statements that create them again, indexes first. Building an
// index once over all its rows is several times faster than updating it
// row by row, and a foreign key added to full tables is checked in one
// join instead of one lookup per row (measured, a million users with
// 2.2 million property values: 2 min 38 s with everything in place,
// 1 min 7 s to 1 min 26 s so). A row that breaks a unique index or a
// foreign key fails the copy when they are created again.
func dropForCopy(ctx context.Context, tx pgx.Tx, plan []copyTable) (rebuild []string, err error) {
	names := make([]string, len(plan))
	for i, t := range plan {
		names[i] = t.name
	}
	rows, err := tx.Query(ctx, `
		SELECT 1, 'DROP INDEX ' || i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i
		WHERE i.indrelid::regclass::text = ANY ($1) AND NOT EXISTS (
			SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
		UNION ALL
		SELECT 2, 'ALTER TABLE ' || c.conrelid::regclass::text || ' DROP CONSTRAINT ' || quote_ident(c.conname),
		       'ALTER TABLE ' || c.conrelid::regclass::text || ' ADD CONSTRAINT ' || quote_ident(c.conname) || ' ' ||
		       pg_get_constraintdef(c.oid)
		FROM pg_constraint c
		WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY ($1)
		ORDER BY 1, 2`, names)
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	var step int
	var drop, create string
	var drops []string
	_, err = pgx.ForEachRow(rows, []any{&step, &drop, &create}, func() error {
		drops, rebuild = append(drops, drop), append(rebuild, create)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	// The foreign keys go first: one may need an index to stand on.
	for _, d := range slices.Backward(drops) {
		if _, err := tx.Exec(ctx, d); err != nil {
			return nil, fmt.Errorf("store: copy: %s: %w", d, err)
		}
	}
	return rebuild, nil
}

// checkTarget refuses a target holding rows in any table of plan, or whose
// tables' columns are not the source's (a database from another version
// of Roster), and sets each column's kind from the target's types.
func checkTarget(ctx context.Context, tx pgx.Tx, plan []copyTable) error {
	var full []string
	for _, t := range plan {
		var found bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t.name+`)`).Scan(&found); err != nil {
			return fmt.Errorf("store: copy: %w", err)
		}
		if found {
			full = append(full, t.name)
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("store: copy: %w: %s hold rows; copy only into a new, empty database",
			ErrTargetNotEmpty, strings.Join(full, ", "))
	}
	for i := range plan {
		t := &plan[i]
		rows, err := tx.Query(ctx, `SELECT column_name, udt_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`, t.name)
		if err != nil {
			return fmt.Errorf("store: copy: columns of %s: %w", t.name, err)
		}
		types := map[string]string{}
		var name, typ string
		_, err = pgx.ForEachRow(rows, []any{&name, &typ}, func() error { types[name] = typ; return nil })
		if err != nil {
			return fmt.Errorf("store: copy: columns of %s: %w", t.name, err)
		}
		var onlySQLite []string
		t.kinds = make([]columnKind, len(t.cols))
		for j, c := range t.cols {
			typ, ok := types[c]
			if !ok {
				onlySQLite = append(onlySQLite, c)
				continue
			}
			delete(types, c)
			switch typ {
			case "text", "citext", "varchar":
				t.kinds[j] = kindText
			case "bytea":
				t.kinds[j] = kindBytes
			}
		}
		if len(onlySQLite) > 0 || len(types) > 0 {
			onlyPG := slices.Sorted(maps.Keys(types))
			return fmt.Errorf("store: copy: table %s differs between the databases (columns only in SQLite: %s; only in PostgreSQL: %s): "+
				"are both at the same migration?", t.name, orNone(onlySQLite), orNone(onlyPG))
		}
	}
	return nil
}

// orNone lists names, or says there are none.
func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// copyRows copies table t from src into tx through COPY.
func copyRows(ctx context.Context, tx pgx.Tx, src *sql.Tx, t copyTable, progress func(string, int64, int64)) error {
	quoted := make([]string, len(t.cols))
	for i, c := range t.cols {
		quoted[i] = `"` + c + `"`
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+t.name)
	if err != nil {
		return fmt.Errorf("store: copy: read %s: %w", t.name, err)
	}
	defer rows.Close()
	if t.rows > 0 {
		progress(t.name, 0, t.rows)
	}
	r := &sqliteRows{rows: rows, t: t, progress: progress,
		vals: make([]any, len(t.cols)), ptrs: make([]any, len(t.cols))}
	for i := range r.vals {
		r.ptrs[i] = &r.vals[i]
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, r)
	if err != nil {
		return fmt.Errorf("store: copy: %s: %w", t.name, err)
	}
	// The count was read in the same snapshot as the rows: a difference
	// would be a bug here, not a change to the source.
	if n != t.rows {
		return fmt.Errorf("store: copy: %s: %d rows copied of %d", t.name, n, t.rows)
	}
	progress(t.name, n, t.rows)
	return nil
}

// sqliteRows is the rows of a SQLite query as pgx's CopyFromSource.
type sqliteRows struct {
	rows     *sql.Rows
	t        copyTable
	progress func(string, int64, int64)
	n        int64
	// One row's values at a time: pgx encodes them before it asks for the
	// next row, so one slice serves all.
	vals, ptrs []any
	err        error
}

func (r *sqliteRows) Next() bool {
	if r.n > 0 && r.n%copyEvery == 0 && r.n < r.t.rows {
		r.progress(r.t.name, r.n, r.t.rows)
	}
	return r.rows.Next()
}

func (r *sqliteRows) Values() ([]any, error) {
	if err := r.rows.Scan(r.ptrs...); err != nil {
		r.err = fmt.Errorf("read %s: %w", r.t.name, err)
		return nil, r.err
	}
	r.n++
	for i, v := range r.vals {
		// SQLite's STRICT tables hold each column's declared type, and
		// those map one to one onto the PostgreSQL schema's; but a BLOB
		// and a TEXT are both bytes, and SQLite would let either into a
		// column of the other, so each is made what the target expects.
		switch x := v.(type) {
		case []byte:
			if r.t.kinds[i] == kindText {
				r.vals[i] = string(x)
			}
		case string:
			if r.t.kinds[i] == kindBytes {
				r.vals[i] = []byte(x)
			}
		}
	}
	return r.vals, nil
}

func (r *sqliteRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}
