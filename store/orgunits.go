package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// OrgUnit is a node of a tenant's organization tree. ParentID is 0 for the
// root. UserCount counts the users directly in the unit, SubtreeUserCount
// those in it and every unit below; ChildCount is filled by reads that show
// the tree.
type OrgUnit struct {
	ID               int64
	TenantID         int64
	ParentID         int64
	Name             string
	Description      string
	UserCount        int
	SubtreeUserCount int
	ChildCount       int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// PublicID is the unit's id as shown in URLs and the API.
func (o OrgUnit) PublicID() string { return PublicID(PrefixOrgUnit, o.ID) }

// ParentPublicID is the parent's public id, "" for the root.
func (o OrgUnit) ParentPublicID() string { return orgUnitText(o.ParentID) }

// IsRoot reports whether the unit is its tenant's root.
func (o OrgUnit) IsRoot() bool { return o.ParentID == 0 }

// NewOrgUnit is the input for creating a unit; ParentID 0 means the root.
type NewOrgUnit struct {
	ParentID    int64
	Name        string
	Description string
}

// OrgUnitUpdate changes the fields that are not nil.
type OrgUnitUpdate struct {
	Name        *string
	Description *string
}

const orgUnitColumns = `o.id, o.tenant_id, coalesce(o.parent_id, 0), o.name, o.description, o.user_count,
	o.subtree_user_count, (SELECT count(*) FROM org_units c WHERE c.tenant_id = o.tenant_id AND c.parent_id = o.id),
	o.created_at, o.updated_at`

func scanOrgUnit(sc rowScanner) (OrgUnit, error) {
	var o OrgUnit
	var created, updated int64
	err := sc.Scan(&o.ID, &o.TenantID, &o.ParentID, &o.Name, &o.Description, &o.UserCount,
		&o.SubtreeUserCount, &o.ChildCount, &created, &updated)
	o.CreatedAt, o.UpdatedAt = fromMillis(created), fromMillis(updated)
	return o, err
}

const siblingTaken = "Another unit under the same parent already has this name."

// Statements of adding a unit, shared with BulkLoad. sqlLinkOrgUnit takes
// the new unit and its parent: the unit's ancestors are its parent's, one
// level further, and itself at depth 0.
const (
	sqlInsertOrgUnit = `INSERT INTO org_units (tenant_id, parent_id, name, description, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`
	sqlLinkOrgUnit = `INSERT INTO org_closure (ancestor, descendant, depth)
		SELECT ancestor, CAST(?1 AS BIGINT), depth + 1 FROM org_closure WHERE descendant = ?2
		UNION ALL SELECT CAST(?1 AS BIGINT), CAST(?1 AS BIGINT), 0`
)

func getOrgUnit(ctx context.Context, q rowQuerier, tenant, id int64) (OrgUnit, error) {
	o, err := scanOrgUnit(q.QueryRowContext(ctx, `SELECT `+orgUnitColumns+` FROM org_units o
		WHERE o.tenant_id = ? AND o.id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return OrgUnit{}, fmt.Errorf("store: org unit %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return OrgUnit{}, fmt.Errorf("store: get org unit: %w", err)
	}
	return o, nil
}

// GetOrgUnit returns a unit of tenant, or ErrNotFound.
func (s *Store) GetOrgUnit(ctx context.Context, tenant, id int64) (OrgUnit, error) {
	return getOrgUnit(ctx, s.rd, tenant, id)
}

// RootOrgUnit returns the tenant's root unit.
func (s *Store) RootOrgUnit(ctx context.Context, tenant int64) (OrgUnit, error) {
	o, err := scanOrgUnit(s.rd.QueryRowContext(ctx, `SELECT `+orgUnitColumns+` FROM org_units o
		WHERE o.tenant_id = ? AND o.parent_id IS NULL`, tenant))
	if err != nil {
		return OrgUnit{}, fmt.Errorf("store: root org unit: %w", err)
	}
	return o, nil
}

// CreateOrgUnit adds a unit under n.ParentID (the root when 0).
func (s *Store) CreateOrgUnit(ctx context.Context, tenant int64, n NewOrgUnit) (OrgUnit, error) {
	n.Name, n.Description = strings.TrimSpace(n.Name), strings.TrimSpace(n.Description)
	if fe := checkNamed(n.Name, n.Description); len(fe) > 0 {
		return OrgUnit{}, fe
	}
	var o OrgUnit
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.serialize(ctx, tx, "orgtree", tenant); err != nil {
			return err
		}
		parent := n.ParentID
		if parent == 0 {
			if err := tx.QueryRowContext(ctx, `SELECT id FROM org_units WHERE tenant_id = ? AND parent_id IS NULL`, tenant).Scan(&parent); err != nil {
				return fmt.Errorf("store: root org unit: %w", err)
			}
		} else if _, err := getOrgUnit(ctx, s.in(tx), tenant, parent); err != nil {
			if errors.Is(err, ErrNotFound) {
				return FieldErrors{"parent_id": "No such parent unit in this tenant."}
			}
			return err
		}
		now := s.nowMillis()
		var id int64
		err := tx.QueryRowContext(ctx, sqlInsertOrgUnit, tenant, parent, n.Name, n.Description, now, now).Scan(&id)
		if isUniqueViolation(err) {
			return conflict("name", siblingTaken)
		}
		if err != nil {
			return fmt.Errorf("store: create org unit: %w", err)
		}
		if _, err := s.exec(ctx, tx, sqlLinkOrgUnit, id, parent); err != nil {
			return fmt.Errorf("store: create org unit: %w", err)
		}
		if o, err = getOrgUnit(ctx, s.in(tx), tenant, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, tenant, "org_unit.create", "org_unit", o.PublicID(), Changes{
			"name": {After: o.Name}, "parent_id": {After: orgUnitText(parent)}})
	})
	return o, err
}

// UpdateOrgUnit renames or re-describes a unit.
func (s *Store) UpdateOrgUnit(ctx context.Context, tenant, id int64, upd OrgUnitUpdate) (OrgUnit, error) {
	var o OrgUnit
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.serialize(ctx, tx, "orgtree", tenant); err != nil {
			return err
		}
		old, err := getOrgUnit(ctx, s.in(tx), tenant, id)
		if err != nil {
			return err
		}
		o = old
		if upd.Name != nil {
			o.Name = strings.TrimSpace(*upd.Name)
		}
		if upd.Description != nil {
			o.Description = strings.TrimSpace(*upd.Description)
		}
		if fe := checkNamed(o.Name, o.Description); len(fe) > 0 {
			return fe
		}
		ch := Changes{}
		ch.set("name", old.Name, o.Name)
		ch.set("description", old.Description, o.Description)
		if len(ch) == 0 {
			return nil
		}
		o.UpdatedAt = fromMillis(s.nowMillis())
		_, err = s.exec(ctx, tx, `UPDATE org_units SET name = ?, description = ?, updated_at = ?
			WHERE tenant_id = ? AND id = ?`, o.Name, o.Description, o.UpdatedAt.UnixMilli(), tenant, id)
		if isUniqueViolation(err) {
			return conflict("name", siblingTaken)
		}
		if err != nil {
			return fmt.Errorf("store: update org unit: %w", err)
		}
		return s.audit(ctx, tx, tenant, "org_unit.update", "org_unit", o.PublicID(), ch)
	})
	return o, err
}

// MoveOrgUnit moves a unit and its subtree under parent. Moving the root,
// or moving a unit under itself or one of its descendants, is refused.
func (s *Store) MoveOrgUnit(ctx context.Context, tenant, id, parent int64) (OrgUnit, error) {
	var o OrgUnit
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.serialize(ctx, tx, "orgtree", tenant); err != nil {
			return err
		}
		old, err := getOrgUnit(ctx, s.in(tx), tenant, id)
		if err != nil {
			return err
		}
		if old.IsRoot() {
			return FieldErrors{"parent_id": "The root unit cannot be moved."}
		}
		np, err := getOrgUnit(ctx, s.in(tx), tenant, parent)
		if errors.Is(err, ErrNotFound) {
			return FieldErrors{"parent_id": "No such parent unit in this tenant."}
		}
		if err != nil {
			return err
		}
		if np.ID == old.ParentID {
			o = old
			return nil
		}
		var inside int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM org_closure WHERE ancestor = ? AND descendant = ?`,
			id, parent).Scan(&inside); err != nil {
			return fmt.Errorf("store: move org unit: %w", err)
		}
		if inside > 0 {
			return FieldErrors{"parent_id": fmt.Sprintf("%q is inside the subtree of %q: a unit cannot move under itself or its own descendants.", np.Name, old.Name)}
		}
		// The old ancestors lose the subtree's users and the new ones gain
		// them; then the pairs linking the subtree to its old ancestors are
		// replaced by pairs to the new ones. Pairs inside the subtree stay.
		steps := []struct {
			q    string
			args []any
		}{
			{`UPDATE org_units SET subtree_user_count = subtree_user_count - ?
			  WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = ? AND depth > 0)`, []any{old.SubtreeUserCount, id}},
			{`DELETE FROM org_closure WHERE descendant IN (SELECT descendant FROM org_closure WHERE ancestor = ?1)
			  AND ancestor IN (SELECT ancestor FROM org_closure WHERE descendant = ?1 AND depth > 0)`, []any{id}},
			{`INSERT INTO org_closure (ancestor, descendant, depth)
			  SELECT a.ancestor, d.descendant, a.depth + d.depth + 1
			  FROM org_closure a CROSS JOIN org_closure d WHERE a.descendant = ? AND d.ancestor = ?`, []any{parent, id}},
			{`UPDATE org_units SET subtree_user_count = subtree_user_count + ?
			  WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = ? AND depth > 0)`, []any{old.SubtreeUserCount, id}},
		}
		for _, st := range steps {
			if _, err := s.exec(ctx, tx, st.q, st.args...); err != nil {
				return fmt.Errorf("store: move org unit: %w", err)
			}
		}
		_, err = s.exec(ctx, tx, `UPDATE org_units SET parent_id = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`,
			parent, s.nowMillis(), tenant, id)
		if isUniqueViolation(err) {
			return conflict("parent_id", fmt.Sprintf("%q already has a unit named %q.", np.Name, old.Name))
		}
		if err != nil {
			return fmt.Errorf("store: move org unit: %w", err)
		}
		if o, err = getOrgUnit(ctx, s.in(tx), tenant, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, tenant, "org_unit.move", "org_unit", o.PublicID(), Changes{
			"parent_id": {Before: orgUnitText(old.ParentID), After: orgUnitText(parent)}})
	})
	return o, err
}

// RemoveOrgUnit removes a unit that has no child units. A unit with users
// is refused unless moveUsers is set, which moves them to the parent first.
func (s *Store) RemoveOrgUnit(ctx context.Context, tenant, id int64, moveUsers bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.serialize(ctx, tx, "orgtree", tenant); err != nil {
			return err
		}
		o, err := getOrgUnit(ctx, s.in(tx), tenant, id)
		if err != nil {
			return err
		}
		if o.IsRoot() {
			return FieldErrors{"id": "The root unit cannot be removed."}
		}
		if o.ChildCount > 0 {
			return FieldErrors{"id": fmt.Sprintf("%q has %s; move or remove them first.", o.Name, plural(o.ChildCount, "child unit"))}
		}
		if o.UserCount > 0 && !moveUsers {
			return FieldErrors{"move_users_to_parent": fmt.Sprintf("%q has %s; move them first, or choose to move them to the parent unit.",
				o.Name, plural(o.UserCount, "user"))}
		}
		if o.UserCount > 0 {
			res, err := s.exec(ctx, tx, `UPDATE users SET org_unit_id = ?, updated_at = ?
				WHERE tenant_id = ? AND org_unit_id = ?`, o.ParentID, s.nowMillis(), tenant, id)
			if err != nil {
				return fmt.Errorf("store: remove org unit: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("store: remove org unit: %w", err)
			}
			moves := unitMoves{}
			moves.move(id, o.ParentID, n)
			if err := s.countUnitMoves(ctx, tx, moves); err != nil {
				return err
			}
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM org_units WHERE tenant_id = ? AND id = ?`, tenant, id); err != nil {
			return fmt.Errorf("store: remove org unit: %w", err)
		}
		ch := Changes{"name": {Before: o.Name}, "parent_id": {Before: orgUnitText(o.ParentID)}}
		if o.UserCount > 0 {
			ch["users_moved_to_parent"] = Change{After: o.UserCount}
		}
		return s.audit(ctx, tx, tenant, "org_unit.delete", "org_unit", o.PublicID(), ch)
	})
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// OrgUnitChildren returns one layer of the tree: the units directly under
// parent, by name.
func (s *Store) OrgUnitChildren(ctx context.Context, tenant, parent int64, p Page) (List[OrgUnit], error) {
	l, err := orgUnitList([]string{"o.tenant_id = ?", "o.parent_id = ?"}, []any{tenant, parent}).list(ctx, s, p)
	if err != nil || len(l.Items) > 0 {
		return l, err // children of the tenant's own prove the parent is too
	}
	if _, err := s.GetOrgUnit(ctx, tenant, parent); err != nil {
		return List[OrgUnit]{}, err
	}
	return l, nil
}

// ListOrgUnits returns a tenant's units by name, optionally those whose
// name contains f.Name.
func (s *Store) ListOrgUnits(ctx context.Context, tenant int64, f NameFilter) (List[OrgUnit], error) {
	return orgUnitList([]string{"o.tenant_id = ?"}, []any{tenant}).search(ctx, s, f)
}

func orgUnitList(where []string, args []any) named[OrgUnit] {
	return named[OrgUnit]{cols: orgUnitColumns, from: "org_units o", nameCol: "o.name", idCol: "o.id",
		where: where, args: args, scan: scanOrgUnit,
		key: func(o OrgUnit) (string, int64) { return o.Name, o.ID }}
}

// OrgUnitPath returns the units from the root down to id, id included.
func (s *Store) OrgUnitPath(ctx context.Context, tenant, id int64) ([]OrgUnit, error) {
	rows, err := s.rd.QueryContext(ctx, `SELECT `+orgUnitColumns+` FROM org_closure p
		JOIN org_units o ON o.id = p.ancestor WHERE p.descendant = ? AND o.tenant_id = ? ORDER BY p.depth DESC`, id, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: org unit path: %w", err)
	}
	out, err := collect(rows, scanOrgUnit)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("store: org unit %d: %w", id, ErrNotFound)
	}
	return out, nil
}

// OrgUnitPaths returns, for each of the given units of tenant, the names
// on its path from the root, in one query (pickers label units this way),
// through the read cache: a page of users shows its units' paths.
func (s *Store) OrgUnitPaths(ctx context.Context, tenant int64, ids []int64) (map[int64][]string, error) {
	if len(ids) == 0 {
		return map[int64][]string{}, nil
	}
	ids = slices.Sorted(slices.Values(ids))
	ids = slices.Compact(ids)
	key := fmt.Sprintf("paths\x00%d\x00%v", tenant, ids)
	return cachedRead(ctx, s, key, func(ctx context.Context) (map[int64][]string, error) { return s.orgUnitPaths(ctx, tenant, ids) })
}

// orgUnitPaths reads OrgUnitPaths. The closure is read first, by
// descendant: SQLite otherwise walked every unit of the tenant to probe
// the closure for each.
func (s *Store) orgUnitPaths(ctx context.Context, tenant int64, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	marks, args := idList(ids)
	rows, err := s.rd.QueryContext(ctx, `SELECT c.descendant, o.name FROM org_closure c
		CROSS JOIN org_units o ON o.id = c.ancestor WHERE c.descendant IN (`+marks+`) AND o.tenant_id = ?
		ORDER BY c.descendant, c.depth DESC`, append(args, tenant)...)
	if err != nil {
		return nil, fmt.Errorf("store: org unit paths: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("store: org unit paths: %w", err)
		}
		out[id] = append(out[id], name)
	}
	return out, rows.Err()
}

// MoveUsers puts up to MaxBatch users (public ids) into unit, each moved
// user with an audit event, in a few statements for the whole batch (see
// moveUsers); unknown ids are failed items.
func (s *Store) MoveUsers(ctx context.Context, tenant, unit int64, ids []string) (BatchResult, error) {
	if len(ids) > MaxBatch {
		return BatchResult{}, FieldErrors{"user_ids": fmt.Sprintf("A batch takes at most %d users; this one has %d.", MaxBatch, len(ids))}
	}
	var res BatchResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := getOrgUnit(ctx, s.in(tx), tenant, unit); err != nil {
			if errors.Is(err, ErrNotFound) {
				return FieldErrors{"org_unit_id": "No such org unit in this tenant."}
			}
			return err
		}
		res = BatchResult{}
		return eachUserSet(ids, &res, func(ids []int64) (map[int64]bool, error) {
			return s.moveUsers(ctx, tx, tenant, unit, ids)
		})
	})
	return res, err
}

// eachUser runs fn for every user id of a batch (public ids); see eachID.
func eachUser(ids []string, res *BatchResult, fn func(id int64) error) error {
	return eachID(PrefixUser, "user_ids", ids, res, fn)
}

// eachID runs fn for every public id of a batch, recording ids that are
// not of this kind, repeated ids and fn's refusals (ErrNotFound,
// FieldErrors) as failed items. Any other error stops the batch.
func eachID(prefix, field string, ids []string, res *BatchResult, fn func(id int64) error) error {
	seen := map[int64]bool{}
	for i, pid := range ids {
		id, ok := ParseID(prefix, pid)
		if !ok {
			res.fail(i, pid, ErrNotFound)
			continue
		}
		if seen[id] {
			res.fail(i, pid, duplicateError{FieldErrors{field: "This id appears earlier in this batch."}})
			continue
		}
		seen[id] = true
		err := fn(id)
		var fe FieldErrors
		if err != nil && !errors.Is(err, ErrNotFound) && !errors.As(err, &fe) {
			return err
		}
		if err != nil {
			res.fail(i, pid, err)
			continue
		}
		res.Succeeded = append(res.Succeeded, BatchOK{Index: i, ID: pid, Key: pid})
	}
	return nil
}

// SubtreeSize counts the units in id's subtree, id included.
func (s *Store) SubtreeSize(ctx context.Context, tenant, id int64) (int, error) {
	var n int
	err := s.rd.QueryRowContext(ctx, `SELECT count(*) FROM org_closure c JOIN org_units o ON o.id = c.ancestor
		WHERE c.ancestor = ? AND o.tenant_id = ?`, id, tenant).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: subtree size: %w", err)
	}
	return n, nil
}

// OrgUnitNames returns the names of the org units users are in, by unit
// id, in one query for the whole page (the users list's org unit column).
func (s *Store) OrgUnitNames(ctx context.Context, tenant int64, users []User) (map[int64]string, error) {
	out := map[int64]string{}
	var ids []int64
	for _, u := range users {
		if u.OrgUnitID != 0 && !slices.Contains(ids, u.OrgUnitID) {
			ids = append(ids, u.OrgUnitID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	marks, args := idList(ids)
	rows, err := s.rd.QueryContext(ctx, `SELECT id, name FROM org_units WHERE tenant_id = ? AND id IN (`+marks+`)`,
		append([]any{tenant}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: org unit names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("store: org unit names: %w", err)
		}
		out[id] = name
	}
	return out, rows.Err()
}
