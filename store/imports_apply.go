package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"roster/store/userfile"
)

// ImportRecord is one row of an import's file as read: the record, or the
// errors that kept it from being read.
type ImportRecord struct {
	Row    int
	Record userfile.Record
	Errs   userfile.RowErrors
}

// ImportCounts are how many rows a chunk created, updated, left unchanged
// or failed, and the first error of each failed row; Cancel is whether an
// administrator asked the chunk's job to stop.
type ImportCounts struct {
	Created, Updated, Unchanged, Failed int
	Errors                              []ImportRow
	Cancel                              bool
}

// rowPlan is what one row of a chunk does.
type rowPlan struct {
	rec    ImportRecord
	action string
	errs   userfile.RowErrors
	old    *User // the matched user
	user   User  // the updated user
	// groups and properties to change; unit is a path to create first.
	addGroups, dropGroups []int64
	setProps              map[string][]string
	clearProps            []string
	unit                  []string
	create                int // index into the chunk's new users
	newUser               NewUser
}

func (p *rowPlan) fail(col, msg string) {
	p.action = ImportError
	p.errs = append(p.errs, userfile.RowError{Row: p.rec.Row, Column: col, Message: msg})
}

// importer applies one chunk inside its transaction.
type importer struct {
	s      *Store
	tx     *sql.Tx
	imp    Import
	srcTyp string
	root   int64
	units  map[string]int64 // path joined by "/" → id; 0 for one missing
	groups map[string]int64
	props  map[string]Property
	batch  *newUsers // the chunk's new users
}

// ImportChunk is how many rows ApplyImportRows takes at most: two
// batches, so the commit and each chunk's statements are shared by twice
// the rows. On SQLite that took 13 % off the CPU time of a row (measured
// with BenchmarkImportChunk, at 200,000 users); on PostgreSQL see
// ImportSideBySide.
func (s *Store) ImportChunk() int {
	return 2 * MaxBatch
}

// ImportSideBySide is how many chunks of one import may be applied at
// once. On PostgreSQL most of a chunk is the server's work on the users'
// INSERT and its indexes, one core's worth, so chunks of new users go
// side by side. 500-row chunks one at a time took 4,100 rows/s into a
// million users, two 8,600, four 9,000 (before other changes); in
// alternating runs later, two 1,000-row chunks at once 8,939-11,639 rows/s
// (mean 10,497) against four of 500 9,108-10,769 (mean 9,766): fewer
// commits, and fewer transactions waiting on each other's counters.
// SQLite has one writer: one at a time.
func (s *Store) ImportSideBySide() int {
	if s.pg {
		return 2
	}
	return 1
}

// Refusals of a chunk applied side by side (ApplyImportRows with
// sideBySide), which leave it unapplied, to be applied alone: rows that
// change users already there, and rows with errors, keep the order of the
// file. (A chunk's rows and its errors are recorded in its transaction;
// chunks side by side commit in any order.)
var (
	ErrImportUpdates   = errors.New("store: the chunk changes users already there")
	ErrImportRowErrors = errors.New("store: the chunk has rows with errors")
)

// RowRange is the rows first to last of a file, both counted.
type RowRange struct{ First, Last int }

// ApplyImportRows applies (or, in a dry run, classifies) a chunk of an
// import's rows, up to ImportChunk, consecutive in the file, and in the
// same transaction records the chunk's rows as applied and, when job is
// not 0, adds the chunk to that running job's progress: each row is
// applied with its audit events or not at all, and a chunk already
// applied (its transaction committed before a process was killed) is
// neither applied nor counted again. With sideBySide, other chunks of the
// import may be under way: a chunk of anything but new users is refused
// with ErrImportUpdates or ErrImportRowErrors, before anything is written.
func (s *Store) ApplyImportRows(ctx context.Context, imp Import, job int64, recs []ImportRecord, sideBySide bool) (ImportCounts, error) {
	if len(recs) > s.ImportChunk() {
		return ImportCounts{}, fmt.Errorf("store: an import chunk takes at most %d rows", s.ImportChunk())
	}
	if len(recs) == 0 {
		return ImportCounts{}, nil
	}
	rows := RowRange{recs[0].Row, recs[len(recs)-1].Row}
	var c ImportCounts
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c = ImportCounts{}
		// Applied ranges never overlap, so the one starting last at or
		// before the chunk's end is the only one that can overlap it: a
		// seek, however many chunks an import has applied.
		var applied bool
		err := tx.QueryRowContext(ctx, `SELECT last_row >= ? FROM import_chunks WHERE import_id = ? AND first_row <= ?
			ORDER BY first_row DESC LIMIT 1`, rows.First, imp.ID, rows.Last).Scan(&applied)
		switch {
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: import progress: %w", err)
		case applied:
			return nil
		}
		im := &importer{s: s, tx: tx, imp: imp, srcTyp: SourceImport, units: map[string]int64{}}
		if imp.Source == "" {
			im.srcTyp = "built_in"
		}
		plans, err := im.plan(ctx, recs)
		if err != nil {
			return err
		}
		if sideBySide {
			if err := refuseSideBySide(plans); err != nil {
				return err
			}
		}
		if !imp.DryRun {
			if err := im.write(ctx, plans); err != nil {
				return err
			}
		}
		if err := im.record(ctx, plans, rows, &c); err != nil {
			return err
		}
		if job == 0 {
			return nil
		}
		failures := importFailures(c.Errors)
		c.Cancel, err = s.recordJobProgress(ctx, tx, job, c.Created+c.Updated+c.Unchanged, len(failures), failures)
		return err
	})
	return c, err
}

// refuseSideBySide says why a planned chunk cannot be applied beside
// others, if it cannot.
func refuseSideBySide(plans []rowPlan) error {
	for i := range plans {
		switch {
		case plans[i].old != nil:
			return ErrImportUpdates
		case plans[i].action == ImportError:
			return ErrImportRowErrors
		}
	}
	return nil
}

// AppliedImportRows returns the ranges of rows of an import that chunks
// applied, in the file's order.
func (s *Store) AppliedImportRows(ctx context.Context, id int64) ([]RowRange, error) {
	rows, err := s.rd.QueryContext(ctx, `SELECT first_row, last_row FROM import_chunks WHERE import_id = ? ORDER BY first_row`, id)
	if err != nil {
		return nil, fmt.Errorf("store: import progress: %w", err)
	}
	return collect(rows, func(sc rowScanner) (RowRange, error) {
		var r RowRange
		return r, sc.Scan(&r.First, &r.Last)
	})
}

// importFailures are a job's failures for a chunk's failed rows, each with
// its first error.
func importFailures(errs []ImportRow) []JobFailure {
	out := make([]JobFailure, len(errs))
	for i, e := range errs {
		msg := e.Message
		if e.Column != "" {
			msg = e.Column + ": " + msg
		}
		out[i] = JobFailure{Item: fmt.Sprintf("row %d", e.Row), Name: e.Username, Message: msg}
	}
	return out
}

// plan matches a chunk's rows to users and works out what each does.
func (im *importer) plan(ctx context.Context, recs []ImportRecord) ([]rowPlan, error) {
	s, t := im.s, im.imp.TenantID
	if err := im.tx.QueryRowContext(ctx, `SELECT id FROM org_units WHERE tenant_id = ? AND parent_id IS NULL`, t).Scan(&im.root); err != nil {
		return nil, fmt.Errorf("store: root org unit: %w", err)
	}
	defs, err := s.PropertyDefinitions(ctx, t)
	if err != nil {
		return nil, err
	}
	im.props = map[string]Property{}
	for _, p := range defs {
		im.props[p.Key] = p
	}
	var names, exts, groupNames, keys []string
	for _, r := range recs {
		if r.Errs != nil && r.Record.User.Username == "" {
			continue
		}
		u := r.Record.User
		names = append(names, u.Username)
		if r.Record.Has(userfile.ColExternalID) && strings.TrimSpace(u.ExternalID) != "" {
			exts = append(exts, strings.TrimSpace(u.ExternalID))
		}
		groupNames = append(groupNames, u.Groups...)
		keys = append(keys, ImportKeys(r.Record)...)
	}
	earlier, err := im.earlierCreates(ctx, keys)
	if err != nil {
		return nil, err
	}
	byName, err := im.idsBy(ctx, `username`, names, true)
	if err != nil {
		return nil, err
	}
	byExt, err := im.idsBy(ctx, `external_id`, exts, false)
	if err != nil {
		return nil, err
	}
	if im.groups, err = im.groupIDs(ctx, groupNames); err != nil {
		return nil, err
	}
	ids := slices.Collect(maps.Values(byName))
	ids = append(ids, slices.Collect(maps.Values(byExt))...)
	users, err := im.users(ctx, ids)
	if err != nil {
		return nil, err
	}
	var memberships map[int64][]Group
	if slices.ContainsFunc(recs, func(r ImportRecord) bool { return r.Record.Has(userfile.ColGroups) }) {
		if memberships, err = s.GroupsOfUsers(ctx, t, slices.Collect(maps.Keys(users))); err != nil {
			return nil, err
		}
	}
	plans := make([]rowPlan, len(recs))
	claimed := map[int64]int{}   // user id → the row matched to it
	creating := map[string]int{} // username → the row creating it
	news := 0
	for i, r := range recs {
		p := &plans[i]
		p.rec, p.action, p.create = r, ImportError, -1
		u := r.Record.User
		id, ok := byExt[strings.TrimSpace(u.ExternalID)]
		if !ok || !r.Record.Has(userfile.ColExternalID) {
			id, ok = byName[strings.ToLower(strings.TrimSpace(u.Username))]
		}
		if ok {
			old := users[id]
			p.old = &old
		}
		if r.Errs != nil {
			p.errs = r.Errs
			continue
		}
		if earlier.fail(p) {
			continue
		}
		if p.old != nil {
			if first, dup := claimed[p.old.ID]; dup {
				p.fail("", fmt.Sprintf("Row %d of the file is the same user (%s).", first, p.old.Username))
				continue
			}
			claimed[p.old.ID] = r.Row
			if err := im.planUpdate(ctx, p, memberships[p.old.ID]); err != nil {
				return nil, err
			}
			continue
		}
		name := strings.ToLower(strings.TrimSpace(u.Username))
		if first, dup := creating[name]; dup {
			p.fail(userfile.ColUsername, fmt.Sprintf("Row %d of the file has this username too.", first))
			continue
		}
		creating[name] = r.Row
		if err := im.planCreate(ctx, p); err != nil {
			return nil, err
		}
		if p.action == ImportCreate {
			p.create = news
			news++
		}
	}
	return plans, im.checkCreates(ctx, plans, news)
}

// idsBy maps the values of col (username, or external id within the
// import's source) to the ids of the tenant's users holding them. On
// PostgreSQL each value is looked up on its own in the unique index: the
// statistics of a directory that had no external ids before the import
// count none until the next analyze, and a plan made from them read
// every external id of the source written so far (an IN list: into a
// filter; a join: into a hash table), each chunk slower than the last.
func (im *importer) idsBy(ctx context.Context, col string, vals []string, lower bool) (map[string]int64, error) {
	out := map[string]int64{}
	if len(vals) == 0 {
		return out, nil
	}
	marks, args := usernameList(vals)
	if !lower {
		for i, v := range vals {
			args[i] = v
		}
	}
	where := col + ` %s AND tenant_id = ?`
	if col == "external_id" {
		where += ` AND source_type = ? AND source_id = ?`
	}
	q := `SELECT id, ` + col + ` FROM users WHERE ` + fmt.Sprintf(where, `IN (`+marks+`)`)
	if im.s.pg {
		list := make([]string, len(args))
		for i, v := range args {
			list[i] = v.(string)
		}
		// The LIMIT (at most one user holds a value anyway) keeps the
		// subquery from being flattened into a join planned as above.
		q = `SELECT u.id, u.val FROM unnest(?::text[]) AS v(val) CROSS JOIN LATERAL (SELECT id, ` + col + ` AS val FROM users
			WHERE ` + fmt.Sprintf(where, `= v.val`) + ` LIMIT 1) u`
		args = []any{list}
	}
	args = append(args, im.imp.TenantID)
	if col == "external_id" {
		args = append(args, im.srcTyp, im.imp.Source)
	}
	rows, err := im.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: match import rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("store: match import rows: %w", err)
		}
		out[v] = id
	}
	return out, rows.Err()
}

func (im *importer) groupIDs(ctx context.Context, names []string) (map[string]int64, error) {
	out := map[string]int64{}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	if len(names) == 0 {
		return out, nil
	}
	args := []any{im.imp.TenantID}
	for _, n := range names {
		args = append(args, strings.TrimSpace(n))
	}
	rows, err := im.tx.QueryContext(ctx, `SELECT id, name FROM user_groups WHERE tenant_id = ? AND name IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(names)), ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: import groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("store: import groups: %w", err)
		}
		out[n] = id
	}
	return out, rows.Err()
}

func (im *importer) users(ctx context.Context, ids []int64) (map[int64]User, error) {
	out := map[int64]User{}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return out, nil
	}
	marks, args := idList(ids)
	rows, err := im.tx.QueryContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.tenant_id = ? AND u.id IN (`+marks+`)`,
		append([]any{im.imp.TenantID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: import users: %w", err)
	}
	us, err := collect(rows, scanUser)
	if err != nil {
		return nil, fmt.Errorf("store: import users: %w", err)
	}
	if err := im.s.decodeProperties(ctx, im.imp.TenantID, us); err != nil {
		return nil, err
	}
	for _, u := range us {
		out[u.ID] = u
	}
	return out, nil
}

// unit resolves an org unit's path: ok is false, with why, when a unit of
// it does not exist and the import does not create units; missing is the
// path when it would be created.
func (im *importer) unit(ctx context.Context, path []string) (id int64, missing bool, msg string, err error) {
	parent := im.root
	for i := range path {
		key := strings.Join(path[:i+1], "/")
		id, seen := im.units[key]
		if !seen {
			err := im.tx.QueryRowContext(ctx, `SELECT id FROM org_units WHERE tenant_id = ? AND parent_id = ? AND name = ?`,
				im.imp.TenantID, parent, path[i]).Scan(&id)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return 0, false, "", fmt.Errorf("store: import org unit: %w", err)
			}
			im.units[key] = id
		}
		if id == 0 {
			if !im.imp.CreateOrgUnits {
				return 0, false, fmt.Sprintf("There is no org unit %s; import with create_org_units to create it.", key), nil
			}
			if fe := checkNamed(path[i], ""); len(fe) > 0 {
				_, m := fe.First()
				return 0, false, m, nil
			}
			missing = true
		}
		parent = id
	}
	return parent, missing, "", nil
}

// fieldColumn names the column of the file a store field's error is about.
func fieldColumn(field string) string {
	switch {
	case field == "group_ids":
		return userfile.ColGroups
	case field == "org_unit_id":
		return userfile.ColOrgUnit
	case strings.HasPrefix(field, "properties."):
		return userfile.PropertyPrefix + strings.TrimPrefix(field, "properties.")
	case field == "tags", field == "source_type", field == "source_id", field == "owner_type":
		return ""
	}
	return field
}

func (p *rowPlan) failFields(fe FieldErrors) {
	for _, k := range slices.Sorted(maps.Keys(fe)) {
		p.fail(fieldColumn(k), fe[k])
	}
}
