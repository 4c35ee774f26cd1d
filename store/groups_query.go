package store

import (
	"context"
	"fmt"
	"strings"
)

// GroupQuery finds groups for protocols that filter them. Where, when
// not nil, is a filter of the shape users' have (UserExpr), whose tests
// are on GroupFields. Groups come by name, then id, from Offset.
type GroupQuery struct {
	Where  *UserExpr
	Offset int
	Limit  int
	Desc   bool
}

// Fields of a GroupQuery's tests: the name (compared without case by
// eq, not, contain, OpPrefix, OpSuffix), the id and a member's user id
// (eq, not); each may be tested with exists.
const (
	GroupFieldName   = "name"
	GroupFieldID     = "id"
	GroupFieldMember = "member"
)

// QueryGroups returns the groups of tenant q matches (at most
// QueryMaxResults) and how many match.
func (s *Store) QueryGroups(ctx context.Context, tenant int64, q GroupQuery) (List[Group], error) {
	cond, args := "g.tenant_id = ?", []any{tenant}
	if q.Where != nil {
		fe := FieldErrors{}
		where, as := exprSQL(*q.Where, fe, s.groupCondition)
		if len(fe) > 0 {
			return List[Group]{}, fe
		}
		cond, args = cond+" AND "+where, append(args, as...)
	}
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

// groupCondition is one test of a GroupQuery as SQL. The name's equality
// and prefix read the index of names; a substring or suffix reads the
// tenant's groups, which are few beside its users; a member's groups are
// one range of the memberships' index by user.
func (s *Store) groupCondition(c UserCond) (string, []any, string) {
	if c.Op == "exists" {
		b, ok := c.Value.(bool)
		if !ok {
			return "", nil, "The value of the exists operator must be true or false."
		}
		cond := "1 = 1" // every group has a name and an id
		if c.Field == GroupFieldMember {
			cond = "g.member_count > 0"
		}
		if !b {
			cond = "NOT (" + cond + ")"
		}
		return cond, nil, ""
	}
	var cond string
	var args []any
	switch {
	case c.Field == GroupFieldName && (c.Op == "eq" || c.Op == "not"):
		cond, args = "g.name = ?", []any{c.Value}
	case c.Field == GroupFieldName && c.Op == OpPrefix:
		lo, hi := prefixRange(strings.ToLower(fmt.Sprint(c.Value)))
		return "g.name >= ? AND g.name < ?", []any{lo, hi}, ""
	case c.Field == GroupFieldName && (c.Op == "contain" || c.Op == OpSuffix):
		pattern := likeContains(fmt.Sprint(c.Value))
		if c.Op == OpSuffix {
			pattern = strings.TrimSuffix(pattern, "%")
		}
		return "g.name " + s.like() + ` ? ESCAPE '\'`, []any{pattern}, ""
	case c.Field == GroupFieldID && (c.Op == "eq" || c.Op == "not"):
		cond, args = "g.id = ?", []any{c.Value}
	case c.Field == GroupFieldMember && (c.Op == "eq" || c.Op == "not"):
		cond, args = "g.id IN (SELECT m.group_id FROM group_members m WHERE m.user_id = ?)", []any{c.Value}
	case c.Field == GroupFieldName:
		return "", nil, "A group's name is compared by equality, substring, prefix or suffix, or tested for presence."
	case c.Field == GroupFieldID || c.Field == GroupFieldMember:
		return "", nil, "Ids are compared by equality or tested for presence."
	default:
		return "", nil, fmt.Sprintf("Groups cannot be filtered by %s.", c.label())
	}
	if c.Op == "not" {
		cond = "NOT (" + cond + ")"
	}
	return cond, args, ""
}
