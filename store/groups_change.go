package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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
