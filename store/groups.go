package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PrefixGroup is the public id prefix of groups.
const PrefixGroup = "g"

// Group is a named set of users of one tenant.
type Group struct {
	ID          int64
	TenantID    int64
	Name        string
	Description string
	MemberCount int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// PublicID is the group's id as shown in URLs and the API.
func (g Group) PublicID() string { return PublicID(PrefixGroup, g.ID) }

const groupColumns = `g.id, g.tenant_id, g.name, g.description, g.member_count, g.created_at, g.updated_at`

func scanGroup(sc rowScanner) (Group, error) {
	var g Group
	var created, updated int64
	err := sc.Scan(&g.ID, &g.TenantID, &g.Name, &g.Description, &g.MemberCount, &created, &updated)
	g.CreatedAt, g.UpdatedAt = fromMillis(created), fromMillis(updated)
	return g, err
}

// checkNamed validates the (trimmed) name and description of org units,
// groups and resource groups.
func checkNamed(name, description string) FieldErrors {
	fe := FieldErrors{}
	if name == "" {
		fe["name"] = "Name is required."
	} else {
		checkText(fe, "name", "Name", name, 64)
	}
	checkText(fe, "description", "Description", description, 256)
	return fe
}

const groupTaken = "A group with this name already exists."

// sqlInsertGroup adds a group; BulkLoad uses it too.
const sqlInsertGroup = `INSERT INTO user_groups (tenant_id, name, description, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?) RETURNING id`

func getGroup(ctx context.Context, q rowQuerier, tenant, id int64) (Group, error) {
	g, err := scanGroup(q.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM user_groups g WHERE g.tenant_id = ? AND g.id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Group{}, fmt.Errorf("store: group %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Group{}, fmt.Errorf("store: get group: %w", err)
	}
	return g, nil
}

// GetGroup returns a group of tenant, or ErrNotFound.
func (s *Store) GetGroup(ctx context.Context, tenant, id int64) (Group, error) {
	return getGroup(ctx, s.rd, tenant, id)
}

// CreateGroup adds a group; names are unique per tenant without case.
func (s *Store) CreateGroup(ctx context.Context, tenant int64, name, description string) (Group, error) {
	var g Group
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		g, err = s.createGroup(ctx, tx, tenant, name, description)
		return err
	})
	return g, err
}

func (s *Store) createGroup(ctx context.Context, tx *sql.Tx, tenant int64, name, description string) (Group, error) {
	name, description = strings.TrimSpace(name), strings.TrimSpace(description)
	if fe := checkNamed(name, description); len(fe) > 0 {
		return Group{}, fe
	}
	now := s.nowMillis()
	var id int64
	err := tx.QueryRowContext(ctx, sqlInsertGroup, tenant, name, description, now, now).Scan(&id)
	if isUniqueViolation(err) {
		return Group{}, conflict("name", groupTaken)
	}
	if err != nil {
		return Group{}, fmt.Errorf("store: create group: %w", err)
	}
	g, err := getGroup(ctx, s.in(tx), tenant, id)
	if err != nil {
		return Group{}, err
	}
	return g, s.audit(ctx, tx, tenant, "group.create", "group", g.PublicID(), Changes{"name": {After: name}})
}

// UpdateGroup renames or re-describes a group; nil fields stay.
func (s *Store) UpdateGroup(ctx context.Context, tenant, id int64, name, description *string) (Group, error) {
	var g Group
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := getGroup(ctx, s.in(tx), tenant, id)
		if err != nil {
			return err
		}
		g, err = s.updateGroup(ctx, tx, old, name, description)
		return err
	})
	return g, err
}

func (s *Store) updateGroup(ctx context.Context, tx *sql.Tx, old Group, name, description *string) (Group, error) {
	g := old
	if name != nil {
		g.Name = strings.TrimSpace(*name)
	}
	if description != nil {
		g.Description = strings.TrimSpace(*description)
	}
	if fe := checkNamed(g.Name, g.Description); len(fe) > 0 {
		return Group{}, fe
	}
	ch := Changes{}
	ch.set("name", old.Name, g.Name)
	ch.set("description", old.Description, g.Description)
	if len(ch) == 0 {
		return g, nil
	}
	g.UpdatedAt = fromMillis(s.nowMillis())
	_, err := s.exec(ctx, tx, `UPDATE user_groups SET name = ?, description = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`,
		g.Name, g.Description, g.UpdatedAt.UnixMilli(), g.TenantID, g.ID)
	if isUniqueViolation(err) {
		return Group{}, conflict("name", groupTaken)
	}
	if err != nil {
		return Group{}, fmt.Errorf("store: update group: %w", err)
	}
	return g, s.audit(ctx, tx, g.TenantID, "group.update", "group", g.PublicID(), ch)
}

// RemoveGroups removes up to MaxBatch groups (public ids) with their
// memberships; unknown ids are failed items.
func (s *Store) RemoveGroups(ctx context.Context, tenant int64, ids []string) (BatchResult, error) {
	if len(ids) > MaxBatch {
		return BatchResult{}, FieldErrors{"group_ids": fmt.Sprintf("A batch takes at most %d groups; this one has %d.", MaxBatch, len(ids))}
	}
	var res BatchResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = BatchResult{}
		return eachID(PrefixGroup, "group_ids", ids, &res, func(id int64) error {
			g, err := getGroup(ctx, s.in(tx), tenant, id)
			if err != nil {
				return err
			}
			if _, err := s.exec(ctx, tx, `DELETE FROM user_groups WHERE tenant_id = ? AND id = ?`, tenant, id); err != nil {
				return fmt.Errorf("store: remove group: %w", err)
			}
			return s.audit(ctx, tx, tenant, "group.delete", "group", g.PublicID(), Changes{
				"name": {Before: g.Name}, "member_count": {Before: g.MemberCount}})
		})
	})
	return res, err
}

// ListGroups returns a tenant's groups by name, optionally those whose name
// contains f.Name.
func (s *Store) ListGroups(ctx context.Context, tenant int64, f NameFilter) (List[Group], error) {
	return named[Group]{cols: groupColumns, from: "user_groups g", nameCol: "g.name", idCol: "g.id",
		where: []string{"g.tenant_id = ?"}, args: []any{tenant}, scan: scanGroup,
		key: func(g Group) (string, int64) { return g.Name, g.ID }}.search(ctx, s, f)
}

// AddGroupMembers adds up to MaxBatch users (public ids) to a group. A user
// already in the group succeeds without change.
func (s *Store) AddGroupMembers(ctx context.Context, tenant, group int64, ids []string) (BatchResult, error) {
	return s.changeMembers(ctx, tenant, group, ids, true)
}

// RemoveGroupMembers takes up to MaxBatch users out of a group. A user not
// in the group succeeds without change.
func (s *Store) RemoveGroupMembers(ctx context.Context, tenant, group int64, ids []string) (BatchResult, error) {
	return s.changeMembers(ctx, tenant, group, ids, false)
}

func (s *Store) changeMembers(ctx context.Context, tenant, group int64, ids []string, add bool) (BatchResult, error) {
	if len(ids) > MaxBatch {
		return BatchResult{}, FieldErrors{"user_ids": fmt.Sprintf("A batch takes at most %d users; this one has %d.", MaxBatch, len(ids))}
	}
	var res BatchResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		g, err := getGroup(ctx, s.in(tx), tenant, group)
		if err != nil {
			return err
		}
		res = BatchResult{}
		return eachUserSet(ids, &res, func(ids []int64) (map[int64]bool, error) { return s.setMembers(ctx, tx, g, ids, add) })
	})
	return res, err
}

// changeMember is setMembers for one user: ErrNotFound for a user the
// tenant does not have.
func (s *Store) changeMember(ctx context.Context, tx *sql.Tx, g Group, id int64, add bool) error {
	missing, err := s.setMembers(ctx, tx, g, []int64{id}, add)
	if err != nil {
		return err
	}
	if missing[id] {
		return ErrNotFound
	}
	return nil
}

// writeMember adds a user of tenant to a group or takes them out, with
// its audit event; a user already in (or out of) the group is left as
// they are, without an event.
func (s *Store) writeMember(ctx context.Context, tx *sql.Tx, tenant, group, user int64, add bool) error {
	var r sql.Result
	var err error
	action := "group.add_member"
	if add {
		r, err = s.exec(ctx, tx, `INSERT INTO group_members (group_id, user_id, joined_at, username)
			VALUES (?1, ?2, ?3, (SELECT username FROM users WHERE id = ?2)) ON CONFLICT DO NOTHING`, group, user, s.nowMillis())
	} else {
		action = "group.remove_member"
		r, err = s.exec(ctx, tx, `DELETE FROM group_members WHERE group_id = ? AND user_id = ?`, group, user)
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", action, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return nil
	}
	return s.audit(ctx, tx, tenant, action, "group", PublicID(PrefixGroup, group), Changes{"user_id": {After: PublicID(PrefixUser, user)}})
}

// UserGroups returns the groups a user of tenant belongs to, by name.
func (s *Store) UserGroups(ctx context.Context, tenant, user int64) ([]Group, error) {
	// CROSS JOIN keeps the user's memberships driving: the planner would
	// otherwise walk every group of the tenant probing for the user.
	rows, err := s.rd.QueryContext(ctx, `SELECT `+groupColumns+` FROM group_members m
		CROSS JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = ? AND g.tenant_id = ? ORDER BY g.name`, user, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: user groups: %w", err)
	}
	return collect(rows, scanGroup)
}

// GroupMembers is a page of a group's members and when each joined.
type GroupMembers struct {
	UserList
	JoinedAt map[int64]time.Time // by user id
}

// ListGroupMembers returns a page of a group's members, narrowed by f's
// keyword and paged by f.Page, and when each joined; ErrNotFound when the
// group is not the tenant's. The group itself is read once, by the filter
// (and usually from the read cache), not looked up first.
func (s *Store) ListGroupMembers(ctx context.Context, tenant, group int64, f UserFilter) (GroupMembers, error) {
	f.GroupID = group
	l, err := s.ListUsers(ctx, tenant, f)
	if err = groupListError(group, err); err != nil {
		return GroupMembers{}, err
	}
	ids := make([]int64, len(l.Items))
	for i, u := range l.Items {
		ids[i] = u.ID
	}
	joined, err := s.joinedAt(ctx, group, ids)
	return GroupMembers{UserList: l, JoinedAt: joined}, err
}

// groupListError is err of listing a group's members, an unknown group
// being ErrNotFound.
func groupListError(group int64, err error) error {
	var fe FieldErrors
	if errors.As(err, &fe) && fe["group_id"] != "" {
		return fmt.Errorf("store: group %d: %w", group, ErrNotFound)
	}
	return err
}

// joinedAt returns when each of users joined group.
func (s *Store) joinedAt(ctx context.Context, group int64, users []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	if len(users) == 0 {
		return out, nil
	}
	in, args := s.inIDs("user_id", users)
	rows, err := s.rd.QueryContext(ctx, `SELECT user_id, joined_at FROM group_members WHERE group_id = ? AND `+in,
		append([]any{group}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: joined at: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("store: joined at: %w", err)
		}
		out[id] = fromMillis(at)
	}
	return out, rows.Err()
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(rowScanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		it, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return out, nil
}
