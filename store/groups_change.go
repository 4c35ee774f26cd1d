package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// GroupChange is a change to a group's name and members made at once, in
// one transaction with its audit events: protocols that describe a group
// as a whole (SCIM) change several of them in one request. Members are
// user ids; Members, when not nil, is the whole new membership and Add
// and Remove apply after it.
type GroupChange struct {
	Name        *string
	Members     *[]int64
	Add, Remove []int64
}

// MemberRef is a group member as a protocol lists one.
type MemberRef struct {
	ID       int64
	Username string
}

// CreateGroupWith creates a group with its first members, all or nothing.
// A member the tenant does not have is refused under "members".
func (s *Store) CreateGroupWith(ctx context.Context, tenant int64, name string, members []int64) (Group, error) {
	var g Group
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		if g, err = s.createGroup(ctx, tx, tenant, name, ""); err != nil {
			return err
		}
		g, err = s.changeGroup(ctx, tx, g, GroupChange{Add: members})
		return err
	})
	return g, err
}

// ChangeGroup applies ch to a group of tenant: ErrNotFound for no such
// group, FieldErrors for a refused name ("name") or a member the tenant
// does not have ("members"), in which case nothing changes.
func (s *Store) ChangeGroup(ctx context.Context, tenant, group int64, ch GroupChange) (Group, error) {
	var g Group
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := getGroup(ctx, s.in(tx), tenant, group)
		if err != nil {
			return err
		}
		g, err = s.changeGroup(ctx, tx, old, ch)
		return err
	})
	return g, err
}

func (s *Store) changeGroup(ctx context.Context, tx *sql.Tx, g Group, ch GroupChange) (Group, error) {
	var err error
	if ch.Name != nil {
		if g, err = s.updateGroup(ctx, tx, g, ch.Name, nil); err != nil {
			return Group{}, err
		}
	}
	add, remove := ch.Add, ch.Remove
	if ch.Members != nil {
		current, err := groupMemberIDs(ctx, s.in(tx), g.ID)
		if err != nil {
			return Group{}, err
		}
		for _, id := range current {
			if !slices.Contains(*ch.Members, id) {
				remove = append(remove, id)
			}
		}
		add = append(slices.Clone(*ch.Members), add...)
	}
	for _, step := range []struct {
		ids []int64
		add bool
	}{{remove, false}, {add, true}} {
		for _, id := range step.ids {
			err := s.changeMember(ctx, tx, g, id, step.add)
			if errors.Is(err, ErrNotFound) && step.add {
				return Group{}, FieldErrors{"members": fmt.Sprintf("No user %s in this tenant.", PublicID(PrefixUser, id))}
			}
			if err != nil && !errors.Is(err, ErrNotFound) {
				return Group{}, err
			}
		}
	}
	return getGroup(ctx, s.in(tx), g.TenantID, g.ID)
}

func groupMemberIDs(ctx context.Context, q querier, group int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id`, group)
	if err != nil {
		return nil, fmt.Errorf("store: group members: %w", err)
	}
	return collect(rows, func(sc rowScanner) (id int64, err error) { return id, sc.Scan(&id) })
}

// GroupMemberRefs returns every member of a group of tenant (by user id),
// at most limit of them, read from the memberships alone.
func (s *Store) GroupMemberRefs(ctx context.Context, tenant, group int64, limit int) ([]MemberRef, error) {
	rows, err := s.rd.QueryContext(ctx, `SELECT m.user_id, m.username FROM group_members m
		JOIN user_groups g ON g.id = m.group_id WHERE m.group_id = ? AND g.tenant_id = ? ORDER BY m.user_id LIMIT ?`,
		group, tenant, limit)
	if err != nil {
		return nil, fmt.Errorf("store: group members: %w", err)
	}
	return collect(rows, func(sc rowScanner) (m MemberRef, err error) { return m, sc.Scan(&m.ID, &m.Username) })
}

// GroupQuery finds groups by name or id, for protocols that filter
// groups: Name is compared by NameOp (NameEqual, NamePrefix or
// NameContains, without case), IDs (when not nil) are the only groups
// wanted. Groups come by name, then id, from Offset.
type GroupQuery struct {
	NameOp, Name string
	IDs          []int64
	Offset       int
	Limit        int
	Desc         bool
}

// Name tests of a GroupQuery.
const (
	NameEqual    = "eq"
	NamePrefix   = "prefix"
	NameContains = "contain"
)

// QueryGroups returns the groups of tenant q matches (at most
// QueryMaxResults) and how many match.
func (s *Store) QueryGroups(ctx context.Context, tenant int64, q GroupQuery) (List[Group], error) {
	where, args := []string{"g.tenant_id = ?"}, []any{tenant}
	switch q.NameOp {
	case "":
	case NameEqual:
		where, args = append(where, "g.name = ?"), append(args, q.Name)
	case NamePrefix:
		lo, hi := prefixRange(strings.ToLower(q.Name))
		where, args = append(where, "g.name >= ? AND g.name < ?"), append(args, lo, hi)
	case NameContains:
		where, args = append(where, "g.name "+s.like()+` ? ESCAPE '\'`), append(args, likeContains(q.Name))
	default:
		return List[Group]{}, fmt.Errorf("store: unknown group name test %q", q.NameOp)
	}
	if q.IDs != nil {
		marks := "NULL"
		if len(q.IDs) > 0 {
			var ids []any
			marks, ids = idList(q.IDs)
			args = append(args, ids...)
		}
		where = append(where, "g.id IN ("+marks+")")
	}
	cond := strings.Join(where, " AND ")
	var out List[Group]
	if err := s.rd.QueryRowContext(ctx, `SELECT count(*) FROM user_groups g WHERE `+cond, args...).Scan(&out.Total); err != nil {
		return out, fmt.Errorf("store: query groups: %w", err)
	}
	limit := q.Limit
	if limit <= 0 || limit > QueryMaxResults {
		limit = QueryMaxResults
	}
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	rows, err := s.rd.QueryContext(ctx, `SELECT `+groupColumns+` FROM user_groups g WHERE `+cond+
		` ORDER BY g.name`+dir+`, g.id`+dir+` LIMIT ? OFFSET ?`, append(args, limit, max(q.Offset, 0))...)
	if err != nil {
		return out, fmt.Errorf("store: query groups: %w", err)
	}
	out.Items, err = collect(rows, scanGroup)
	return out, err
}
