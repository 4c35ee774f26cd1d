package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// write applies a planned chunk: the org units its valid rows need, then
// its updates, then its new users through the batch creation.
func (im *importer) write(ctx context.Context, plans []rowPlan) error {
	s, t := im.s, im.imp.TenantID
	locked := false
	for i := range plans {
		p := &plans[i]
		if p.unit == nil || (p.action != ImportCreate && p.action != ImportUpdate) {
			continue
		}
		if !locked {
			if err := s.serialize(ctx, im.tx, "orgtree", t); err != nil {
				return err
			}
			locked = true
		}
		id, err := im.createUnits(ctx, p.unit)
		if err != nil {
			return err
		}
		if p.action == ImportCreate {
			im.batch.out[p.create].user.OrgUnitID = id
		} else {
			p.user.OrgUnitID = id
		}
	}
	for i := range plans {
		if p := &plans[i]; p.action == ImportUpdate {
			if err := im.update(ctx, p); err != nil {
				return err
			}
		}
	}
	if im.batch == nil {
		return nil
	}
	res, err := s.writeNewUsers(ctx, im.tx, im.batch)
	if err != nil {
		return err
	}
	for _, f := range res.Failed {
		for i := range plans {
			if plans[i].create == f.Index && plans[i].action == ImportCreate {
				plans[i].failErr(im.batch.out[f.Index].err)
			}
		}
	}
	return nil
}

// createUnits creates the units of path that do not exist, each audited,
// and returns the last one's id.
func (im *importer) createUnits(ctx context.Context, path []string) (int64, error) {
	s, t := im.s, im.imp.TenantID
	parent := im.root
	for i, name := range path {
		key := strings.Join(path[:i+1], "/")
		if id := im.units[key]; id != 0 {
			parent = id
			continue
		}
		// Planned as missing; a chunk applied beside this one may have
		// created it since, and committed before the tree's lock was ours.
		var id int64
		err := im.tx.QueryRowContext(ctx, `SELECT id FROM org_units WHERE tenant_id = ? AND parent_id = ? AND name = ?`,
			t, parent, name).Scan(&id)
		switch {
		case err == nil:
			im.units[key], parent = id, id
			continue
		case !errors.Is(err, sql.ErrNoRows):
			return 0, fmt.Errorf("store: import org unit: %w", err)
		}
		now := s.nowMillis()
		if err := im.tx.QueryRowContext(ctx, sqlInsertOrgUnit, t, parent, name, "", now, now).Scan(&id); err != nil {
			return 0, fmt.Errorf("store: import org unit: %w", err)
		}
		if _, err := s.exec(ctx, im.tx, sqlLinkOrgUnit, id, parent); err != nil {
			return 0, fmt.Errorf("store: import org unit: %w", err)
		}
		if err := s.audit(ctx, im.tx, t, "org_unit.create", "org_unit", PublicID(PrefixOrgUnit, id), Changes{
			"name": {After: name}, "parent_id": {After: orgUnitText(parent)}}); err != nil {
			return 0, err
		}
		im.units[key], parent = id, id
	}
	return parent, nil
}

// update writes one matched user's changes, each audited as its own kind
// of change is elsewhere.
func (im *importer) update(ctx context.Context, p *rowPlan) error {
	s, t, old := im.s, im.imp.TenantID, *p.old
	if ch := userChanges(old, p.user); len(ch) > 0 {
		if err := s.writeUser(ctx, im.tx, old, &p.user); err != nil {
			return err
		}
		if err := s.audit(ctx, im.tx, t, "user.update", "user", old.PublicID(), ch); err != nil {
			return err
		}
	}
	for _, g := range p.addGroups {
		if err := s.writeMember(ctx, im.tx, t, g, old.ID, true); err != nil {
			return err
		}
	}
	for _, g := range p.dropGroups {
		if err := s.writeMember(ctx, im.tx, t, g, old.ID, false); err != nil {
			return err
		}
	}
	for _, key := range p.clearProps {
		if _, err := s.clearUserProperty(ctx, im.tx, im.props[key], old.ID); err != nil {
			return err
		}
	}
	for key, vs := range p.setProps {
		if _, err := s.setUserProperty(ctx, im.tx, im.props[key], old.ID, vs); err != nil {
			return err
		}
	}
	return nil
}

// record counts a chunk's rows into its import, keeps its errors (and, in
// a dry run, what each row would do), the users it creates (see
// earlierCreates), the users a sync import's file holds, and records the
// chunk's rows as applied.
func (im *importer) record(ctx context.Context, plans []rowPlan, applied RowRange, c *ImportCounts) error {
	var rows, seen, created []any
	for i := range plans {
		p := &plans[i]
		switch p.action {
		case ImportCreate:
			c.Created++
		case ImportUpdate:
			c.Updated++
		case ImportUnchanged:
			c.Unchanged++
		case ImportError:
			c.Failed++
		}
		name := strings.ToLower(strings.TrimSpace(p.rec.Record.User.Username))
		for i, e := range p.errs {
			rows = append(rows, im.imp.ID, p.rec.Row, name, ImportError, e.Column, e.Message)
			if i == 0 {
				c.Errors = append(c.Errors, ImportRow{Row: p.rec.Row, Username: name, Action: ImportError, Column: e.Column, Message: e.Message})
			}
		}
		if im.imp.DryRun && (p.action == ImportCreate || p.action == ImportUpdate) {
			rows = append(rows, im.imp.ID, p.rec.Row, name, p.action, "", "")
		}
		if p.action == ImportCreate {
			for _, k := range ImportKeys(p.rec.Record) {
				if im.imp.Repeated.Maybe(k) {
					created = append(created, im.imp.ID, k, p.rec.Row)
				}
			}
		}
		switch {
		case p.old != nil:
			seen = append(seen, im.imp.ID, p.old.ID)
		case p.action == ImportCreate && !im.imp.DryRun:
			seen = append(seen, im.imp.ID, im.batch.out[p.create].user.ID)
		}
	}
	if err := im.insertMany(ctx, `INSERT INTO import_rows (import_id, row_no, username, action, column_name, message) VALUES `, 6, rows, ""); err != nil {
		return err
	}
	if err := im.insertMany(ctx, `INSERT INTO import_created (import_id, name, row_no) VALUES `, 3, created, ` ON CONFLICT DO NOTHING`); err != nil {
		return err
	}
	if im.imp.Sync {
		if err := im.insertMany(ctx, `INSERT INTO import_seen (import_id, user_id) VALUES `, 2, seen, ` ON CONFLICT DO NOTHING`); err != nil {
			return err
		}
	}
	if _, err := im.tx.ExecContext(ctx, `INSERT INTO import_chunks (import_id, first_row, last_row) VALUES (?, ?, ?)`,
		im.imp.ID, applied.First, applied.Last); err != nil {
		return fmt.Errorf("store: import progress: %w", err)
	}
	_, err := im.tx.ExecContext(ctx, `UPDATE imports SET rows_done = rows_done + ?, created = created + ?, updated = updated + ?,
		unchanged = unchanged + ?, failed = failed + ?, updated_at = ? WHERE id = ?`,
		applied.Last-applied.First+1, c.Created, c.Updated, c.Unchanged, c.Failed, im.s.nowMillis(), im.imp.ID)
	if err != nil {
		return fmt.Errorf("store: import progress: %w", err)
	}
	return nil
}

// insertMany inserts rows of width values each with as few statements
// as can hold them.
func (im *importer) insertMany(ctx context.Context, insert string, width int, args []any, tail string) error {
	if err := im.s.insertRows(ctx, im.tx, insert, width, args, tail, nil); err != nil {
		return fmt.Errorf("store: import record: %w", err)
	}
	return nil
}

// DisableImportMissing disables (or, in a dry run, lists) up to limit
// users of a sync import's source that its file does not hold, each
// audited, and counts them into the import; finished is true once none
// is left, and the import's sync has ended.
func (s *Store) DisableImportMissing(ctx context.Context, imp Import, limit int) (n int, finished bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		n, finished = 0, false
		var done bool
		if err := tx.QueryRowContext(ctx, `SELECT sync_done FROM imports WHERE id = ?`, imp.ID).Scan(&done); err != nil {
			return fmt.Errorf("store: import sync: %w", err)
		}
		if done {
			finished = true
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT u.id, u.username FROM users u WHERE u.tenant_id = ? AND u.source_type = ?
			AND u.source_id = ? AND u.status <> 'disabled'
			AND NOT EXISTS (SELECT 1 FROM import_seen x WHERE x.import_id = ? AND x.user_id = u.id)
			ORDER BY u.id LIMIT ?`, imp.TenantID, SourceImport, imp.Source, imp.ID, limit)
		if err != nil {
			return fmt.Errorf("store: import sync: %w", err)
		}
		type missing struct {
			id   int64
			name string
		}
		users, err := collect(rows, func(sc rowScanner) (missing, error) {
			var m missing
			return m, sc.Scan(&m.id, &m.name)
		})
		if err != nil {
			return fmt.Errorf("store: import sync: %w", err)
		}
		im := &importer{s: s, tx: tx, imp: imp}
		var seen, listed []any
		for _, u := range users {
			if !imp.DryRun {
				if err := s.userAction(ctx, tx, imp.TenantID, u.id, UserAction{Kind: ActionDisable}); err != nil {
					return err
				}
			} else {
				listed = append(listed, imp.ID, 0, u.name, ImportDisable, "", "")
			}
			seen = append(seen, imp.ID, u.id)
		}
		if err := im.insertMany(ctx, `INSERT INTO import_rows (import_id, row_no, username, action, column_name, message) VALUES `, 6, listed, ""); err != nil {
			return err
		}
		if err := im.insertMany(ctx, `INSERT INTO import_seen (import_id, user_id) VALUES `, 2, seen, ` ON CONFLICT DO NOTHING`); err != nil {
			return err
		}
		n, finished = len(users), len(users) < limit
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET disabled = disabled + ?, sync_done = ?, updated_at = ? WHERE id = ?`,
			n, finished, s.nowMillis(), imp.ID); err != nil {
			return fmt.Errorf("store: import sync: %w", err)
		}
		if finished {
			if _, err := tx.ExecContext(ctx, `DELETE FROM import_seen WHERE import_id = ?`, imp.ID); err != nil {
				return fmt.Errorf("store: import sync: %w", err)
			}
		}
		return nil
	})
	return n, finished, err
}
