package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PrefixResourceGroup is the public id prefix of resource groups.
const PrefixResourceGroup = "rg"

// ResourceGroup is a set of resources (desktops, apps, …) that users are
// entitled to, directly or through a group. The counts are filled by reads.
type ResourceGroup struct {
	ID            int64
	TenantID      int64
	Name          string
	Description   string
	Platform      string
	ResourceCount int
	UserCount     int
	GroupCount    int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// PublicID is the resource group's id as shown in URLs and the API.
func (r ResourceGroup) PublicID() string { return PublicID(PrefixResourceGroup, r.ID) }

// Resource is one entry of a resource group.
type Resource struct {
	Type    string
	ID      string
	Name    string
	AddedAt time.Time
}

// ResourceGroupInput is the input for creating or changing a resource
// group; on change, nil fields stay.
type ResourceGroupInput struct {
	Name        *string
	Description *string
	Platform    *string
}

const resourceGroupColumns = `r.id, r.tenant_id, r.name, r.description, r.platform,
	(SELECT count(*) FROM resource_group_resources x WHERE x.resource_group_id = r.id),
	(SELECT count(*) FROM resource_group_users x WHERE x.resource_group_id = r.id),
	(SELECT count(*) FROM resource_group_groups x WHERE x.resource_group_id = r.id),
	r.created_at, r.updated_at`

func scanResourceGroup(sc rowScanner) (ResourceGroup, error) {
	var r ResourceGroup
	var created, updated int64
	err := sc.Scan(&r.ID, &r.TenantID, &r.Name, &r.Description, &r.Platform, &r.ResourceCount, &r.UserCount,
		&r.GroupCount, &created, &updated)
	r.CreatedAt, r.UpdatedAt = fromMillis(created), fromMillis(updated)
	return r, err
}

func getResourceGroup(ctx context.Context, q rowQuerier, tenant, id int64) (ResourceGroup, error) {
	r, err := scanResourceGroup(q.QueryRowContext(ctx, `SELECT `+resourceGroupColumns+` FROM resource_groups r
		WHERE r.tenant_id = ? AND r.id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ResourceGroup{}, fmt.Errorf("store: resource group %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return ResourceGroup{}, fmt.Errorf("store: get resource group: %w", err)
	}
	return r, nil
}

// GetResourceGroup returns a resource group of tenant, or ErrNotFound.
func (s *Store) GetResourceGroup(ctx context.Context, tenant, id int64) (ResourceGroup, error) {
	return getResourceGroup(ctx, s.rd, tenant, id)
}

const resourceGroupTaken = "A resource group with this name already exists."

// CreateResourceGroup adds a resource group; names are unique per tenant.
func (s *Store) CreateResourceGroup(ctx context.Context, tenant int64, in ResourceGroupInput) (ResourceGroup, error) {
	var r ResourceGroup
	in.apply(&r)
	if fe := r.check(); len(fe) > 0 {
		return ResourceGroup{}, fe
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.nowMillis()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO resource_groups (tenant_id, name, description, platform, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, tenant, r.Name, r.Description, r.Platform, now, now).Scan(&id)
		if isUniqueViolation(err) {
			return conflict("name", resourceGroupTaken)
		}
		if err != nil {
			return fmt.Errorf("store: create resource group: %w", err)
		}
		if r, err = getResourceGroup(ctx, s.in(tx), tenant, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, tenant, "resource_group.create", "resource_group", r.PublicID(), Changes{
			"name": {After: r.Name}, "platform": {After: r.Platform}})
	})
	return r, err
}

func (in ResourceGroupInput) apply(r *ResourceGroup) {
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&r.Name, in.Name}, {&r.Description, in.Description}, {&r.Platform, in.Platform}} {
		if f.v != nil {
			*f.dst = strings.TrimSpace(*f.v)
		}
	}
}

func (r ResourceGroup) check() FieldErrors {
	fe := checkNamed(r.Name, r.Description)
	checkText(fe, "platform", "Platform", r.Platform, 64)
	return fe
}

// UpdateResourceGroup changes a resource group's name, description or
// platform.
func (s *Store) UpdateResourceGroup(ctx context.Context, tenant, id int64, in ResourceGroupInput) (ResourceGroup, error) {
	var r ResourceGroup
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := getResourceGroup(ctx, s.in(tx), tenant, id)
		if err != nil {
			return err
		}
		r = old
		in.apply(&r)
		if fe := r.check(); len(fe) > 0 {
			return fe
		}
		ch := Changes{}
		ch.set("name", old.Name, r.Name)
		ch.set("description", old.Description, r.Description)
		ch.set("platform", old.Platform, r.Platform)
		if len(ch) == 0 {
			return nil
		}
		r.UpdatedAt = fromMillis(s.nowMillis())
		_, err = s.exec(ctx, tx, `UPDATE resource_groups SET name = ?, description = ?, platform = ?, updated_at = ?
			WHERE tenant_id = ? AND id = ?`, r.Name, r.Description, r.Platform, r.UpdatedAt.UnixMilli(), tenant, id)
		if isUniqueViolation(err) {
			return conflict("name", resourceGroupTaken)
		}
		if err != nil {
			return fmt.Errorf("store: update resource group: %w", err)
		}
		return s.audit(ctx, tx, tenant, "resource_group.update", "resource_group", r.PublicID(), ch)
	})
	return r, err
}

// RemoveResourceGroup removes a resource group with its resources and
// assignments.
func (s *Store) RemoveResourceGroup(ctx context.Context, tenant, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := getResourceGroup(ctx, s.in(tx), tenant, id)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM resource_groups WHERE tenant_id = ? AND id = ?`, tenant, id); err != nil {
			return fmt.Errorf("store: remove resource group: %w", err)
		}
		return s.audit(ctx, tx, tenant, "resource_group.delete", "resource_group", r.PublicID(), Changes{"name": {Before: r.Name}})
	})
}

// ListResourceGroups returns a tenant's resource groups by name,
// optionally those whose name contains f.Name.
func (s *Store) ListResourceGroups(ctx context.Context, tenant int64, f NameFilter) (List[ResourceGroup], error) {
	return named[ResourceGroup]{cols: resourceGroupColumns, from: "resource_groups r", nameCol: "r.name", idCol: "r.id",
		where: []string{"r.tenant_id = ?"}, args: []any{tenant}, scan: scanResourceGroup,
		key: func(r ResourceGroup) (string, int64) { return r.Name, r.ID }}.search(ctx, s, f)
}

// Resources returns the resources of a resource group of tenant.
func (s *Store) Resources(ctx context.Context, tenant, id int64) ([]Resource, error) {
	if _, err := s.GetResourceGroup(ctx, tenant, id); err != nil {
		return nil, err
	}
	rows, err := s.rd.QueryContext(ctx, `SELECT type, resource_id, name, added_at FROM resource_group_resources
		WHERE resource_group_id = ? ORDER BY type, resource_id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: resources: %w", err)
	}
	return collect(rows, func(sc rowScanner) (Resource, error) {
		var x Resource
		var added int64
		err := sc.Scan(&x.Type, &x.ID, &x.Name, &added)
		x.AddedAt = fromMillis(added)
		return x, err
	})
}

// ChangeResources adds (or, with add false, removes) resources of a
// resource group. Adding one already there renames it.
func (s *Store) ChangeResources(ctx context.Context, tenant, id int64, add bool, items []Resource) (ResourceGroup, error) {
	fe := FieldErrors{}
	if len(items) == 0 {
		fe["resources"] = "Give at least one resource."
	}
	if len(items) > MaxBatch {
		fe["resources"] = fmt.Sprintf("At most %d resources per call.", MaxBatch)
	}
	for i := range items {
		it := &items[i]
		it.Type, it.ID, it.Name = strings.TrimSpace(it.Type), strings.TrimSpace(it.ID), strings.TrimSpace(it.Name)
		field := fmt.Sprintf("resources[%d]", i)
		switch {
		case it.Type == "" || it.ID == "":
			fe[field] = "A resource needs a type and an id."
		case !cleanText(it.Type) || len(it.Type) > 64 || !cleanText(it.ID) || len(it.ID) > 128 || !cleanText(it.Name) || len([]rune(it.Name)) > 128:
			fe[field] = "Type (64), id (128) and name (128 characters) must be plain text."
		}
	}
	if len(fe) > 0 {
		return ResourceGroup{}, fe
	}
	var r ResourceGroup
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := getResourceGroup(ctx, s.in(tx), tenant, id); err != nil {
			return err
		}
		var keys []string
		for _, it := range items {
			var err error
			if add {
				_, err = s.exec(ctx, tx, `INSERT INTO resource_group_resources (resource_group_id, type, resource_id, name, added_at)
					VALUES (?, ?, ?, ?, ?) ON CONFLICT (resource_group_id, type, resource_id) DO UPDATE SET name = excluded.name`, id, it.Type, it.ID, it.Name, s.nowMillis())
			} else {
				_, err = s.exec(ctx, tx, `DELETE FROM resource_group_resources WHERE resource_group_id = ? AND type = ? AND resource_id = ?`,
					id, it.Type, it.ID)
			}
			if err != nil {
				return fmt.Errorf("store: change resources: %w", err)
			}
			keys = append(keys, it.Type+":"+it.ID)
		}
		var err error
		if r, err = getResourceGroup(ctx, s.in(tx), tenant, id); err != nil {
			return err
		}
		action, ch := "resource_group.add_resources", Changes{"resources": {After: strings.Join(keys, ",")}}
		if !add {
			action, ch = "resource_group.remove_resources", Changes{"resources": {Before: strings.Join(keys, ",")}}
		}
		return s.audit(ctx, tx, tenant, action, "resource_group", r.PublicID(), ch)
	})
	return r, err
}

// Assignments are the users and groups a resource group is assigned to.
type Assignments struct {
	Users  []User
	Groups []Group
}

// ResourceGroupAssignments returns who a resource group is assigned to.
func (s *Store) ResourceGroupAssignments(ctx context.Context, tenant, id int64) (Assignments, error) {
	if _, err := s.GetResourceGroup(ctx, tenant, id); err != nil {
		return Assignments{}, err
	}
	var a Assignments
	rows, err := s.rd.QueryContext(ctx, `SELECT `+userColumns+` FROM resource_group_users x CROSS JOIN users u ON u.id = x.user_id
		WHERE x.resource_group_id = ? AND u.tenant_id = ? ORDER BY u.username`, id, tenant)
	if err != nil {
		return a, fmt.Errorf("store: assignments: %w", err)
	}
	if a.Users, err = collect(rows, scanUser); err != nil {
		return a, err
	}
	rows, err = s.rd.QueryContext(ctx, `SELECT `+groupColumns+` FROM resource_group_groups x CROSS JOIN user_groups g ON g.id = x.group_id
		WHERE x.resource_group_id = ? AND g.tenant_id = ? ORDER BY g.name`, id, tenant)
	if err != nil {
		return a, fmt.Errorf("store: assignments: %w", err)
	}
	a.Groups, err = collect(rows, scanGroup)
	return a, err
}

// ChangeAssignments assigns (or, with add false, unassigns) a resource
// group to users and groups given by public id, with per-item results:
// items are numbered users first, then groups.
func (s *Store) ChangeAssignments(ctx context.Context, tenant, id int64, add bool, userIDs, groupIDs []string) (BatchResult, error) {
	if len(userIDs)+len(groupIDs) > MaxBatch {
		return BatchResult{}, FieldErrors{"user_ids": fmt.Sprintf("A batch takes at most %d users and groups.", MaxBatch)}
	}
	if len(userIDs)+len(groupIDs) == 0 {
		return BatchResult{}, FieldErrors{"user_ids": "Give at least one user or group."}
	}
	var res BatchResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := getResourceGroup(ctx, s.in(tx), tenant, id)
		if err != nil {
			return err
		}
		res = BatchResult{}
		verb := "assign"
		if !add {
			verb = "unassign"
		}
		kinds := []struct {
			prefix, field, table, col, parent string
			ids                               []string
		}{
			{PrefixUser, "user_ids", "resource_group_users", "user_id", "users", userIDs},
			{PrefixGroup, "group_ids", "resource_group_groups", "group_id", "user_groups", groupIDs},
		}
		offset := 0
		for _, k := range kinds {
			var part BatchResult
			err := eachID(k.prefix, k.field, k.ids, &part, func(oid int64) error {
				var one int
				err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+k.parent+` WHERE tenant_id = ? AND id = ?`, tenant, oid).Scan(&one)
				if errors.Is(err, sql.ErrNoRows) {
					return ErrNotFound
				}
				if err != nil {
					return err
				}
				var res sql.Result
				if add {
					res, err = s.exec(ctx, tx, `INSERT INTO `+k.table+` (resource_group_id, `+k.col+`, assigned_at)
						VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, oid, s.nowMillis())
				} else {
					res, err = s.exec(ctx, tx, `DELETE FROM `+k.table+` WHERE resource_group_id = ? AND `+k.col+` = ?`, id, oid)
				}
				if err != nil {
					return fmt.Errorf("store: %s resource group: %w", verb, err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					return nil
				}
				return s.audit(ctx, tx, tenant, "resource_group."+verb, "resource_group", r.PublicID(),
					Changes{strings.TrimSuffix(k.field, "s"): {After: PublicID(k.prefix, oid)}})
			})
			if err != nil {
				return err
			}
			for _, ok := range part.Succeeded {
				ok.Index += offset
				res.Succeeded = append(res.Succeeded, ok)
			}
			for _, f := range part.Failed {
				f.Index += offset
				res.Failed = append(res.Failed, f)
			}
			offset += len(k.ids)
		}
		return nil
	})
	return res, err
}

// UserResourceGroup is a resource group a user gets, and how: Direct when
// assigned to the user, Via naming the groups it comes through.
type UserResourceGroup struct {
	ResourceGroup
	Direct bool
	Via    []Group
}

// UserResourceGroups returns the resource groups a user of tenant gets,
// directly or through the groups they are in, by name.
func (s *Store) UserResourceGroups(ctx context.Context, tenant, user int64) ([]UserResourceGroup, error) {
	if _, err := s.GetUser(ctx, tenant, user); err != nil {
		return nil, err
	}
	rows, err := s.rd.QueryContext(ctx, `
		SELECT `+resourceGroupColumns+`, coalesce(g.id, 0), coalesce(g.name, '')
		FROM (SELECT resource_group_id, NULL AS group_id FROM resource_group_users WHERE user_id = ?1
		      UNION ALL
		      SELECT x.resource_group_id, x.group_id FROM group_members m
		      CROSS JOIN resource_group_groups x ON x.group_id = m.group_id WHERE m.user_id = ?1) a
		CROSS JOIN resource_groups r ON r.id = a.resource_group_id
		LEFT JOIN user_groups g ON g.id = a.group_id
		WHERE r.tenant_id = ?2 ORDER BY r.name, r.id, g.name`, user, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: user resource groups: %w", err)
	}
	defer rows.Close()
	var out []UserResourceGroup
	for rows.Next() {
		var r ResourceGroup
		var created, updated, gid int64
		var gname string
		if err := rows.Scan(&r.ID, &r.TenantID, &r.Name, &r.Description, &r.Platform, &r.ResourceCount, &r.UserCount,
			&r.GroupCount, &created, &updated, &gid, &gname); err != nil {
			return nil, fmt.Errorf("store: user resource groups: %w", err)
		}
		r.CreatedAt, r.UpdatedAt = fromMillis(created), fromMillis(updated)
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			out = append(out, UserResourceGroup{ResourceGroup: r})
		}
		last := &out[len(out)-1]
		if gid == 0 {
			last.Direct = true
		} else {
			last.Via = append(last.Via, Group{ID: gid, Name: gname, TenantID: tenant})
		}
	}
	return out, rows.Err()
}
