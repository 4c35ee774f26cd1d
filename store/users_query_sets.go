package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Fields a UserExpr's tests may use besides QueryFields and tags: the
// groups a user belongs to (by id or by name) and the tenant's custom
// properties (FieldProperty and the key). Each is read from its own
// index (memberships, property values), not from the users' rows.
const (
	FieldGroupID   = "groups.id"
	FieldGroupName = "groups.name"
	FieldProperty  = "properties."
)

// exprSets is what a filter's tests of groups and properties need: the
// properties they test (by lower-case key) with their counts, the groups
// (by id, and by lower-case name) and the tenant's size, to choose how
// each set of users is read.
type exprSets struct {
	props  map[string]Property
	groups map[any]Group
	users  int
}

// exprSets reads the groups and properties e tests. Property keys are
// matched without case, as the protocols that filter by them name
// attributes; a group of another tenant is no group.
func (s *Store) exprSets(ctx context.Context, tenant int64, e UserExpr) (exprSets, error) {
	x := exprSets{props: map[string]Property{}, groups: map[any]Group{}}
	var keys []string
	need := false
	for _, c := range e.conds() {
		var g Group
		var err error
		switch {
		case strings.HasPrefix(c.Field, FieldProperty):
			keys = append(keys, strings.ToLower(strings.TrimPrefix(c.Field, FieldProperty)))
		case c.Field == FieldGroupID:
			if id, ok := c.Value.(int64); ok {
				g, err = getGroup(ctx, s.rd, tenant, id)
			}
		case c.Field == FieldGroupName:
			if name, ok := c.Value.(string); ok {
				g, err = scanGroup(s.rd.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM user_groups g
					WHERE g.tenant_id = ? AND g.name = ?`, tenant, name))
			}
		default:
			continue
		}
		need = true
		switch {
		case errors.Is(err, ErrNotFound) || errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return x, err
		case g.ID != 0:
			x.groups[groupKey(c.Value)] = g
		}
	}
	if !need {
		return x, nil
	}
	var err error
	if x.users, err = s.tenantUserCount(ctx, tenant); err != nil || len(keys) == 0 {
		return x, err
	}
	defs, err := s.propertyDefs(ctx, tenant)
	if err != nil {
		return x, err
	}
	for _, d := range defs.list {
		if !slices.Contains(keys, strings.ToLower(d.Key)) {
			continue
		}
		// The cached definitions carry no counts; choosing how to read
		// a property's holders needs them.
		p, err := getProperty(ctx, s.rd, tenant, d.ID, "")
		if err != nil {
			return x, err
		}
		x.props[strings.ToLower(d.Key)] = p
	}
	return x, nil
}

// groupKey is a group's key in exprSets.groups: its id, or its name
// without case.
func groupKey(v any) any {
	if name, ok := v.(string); ok {
		return strings.ToLower(name)
	}
	return v
}

// holders is the users of a set, the rows of table (ending in its alias)
// that match: read from the set (IN) when it is small, or, when it holds more
// than a tenth of the tenant, tested user by user (EXISTS, an index probe
// each): SQLite reads an IN's whole set before its first user, which for
// most of a million users takes longer than a query may, while walking
// users finds a page and a capped count among them soon.
func (x exprSets) holders(size int, table, match string) string {
	alias := table[strings.LastIndexByte(table, ' ')+1:]
	if size*10 > x.users {
		return "EXISTS (SELECT 1 FROM " + table + " WHERE " + match + " AND " + alias + ".user_id = u.id)"
	}
	return "u.id IN (SELECT " + alias + ".user_id FROM " + table + " WHERE " + match + ")"
}

// setCondition answers a test of a user's groups or properties ("" for
// other fields); scan says it reads every user.
func (s *Store) setCondition(c UserCond, x exprSets) (cond string, args []any, scan bool, msg string) {
	switch {
	case c.Field == FieldGroupID || c.Field == FieldGroupName:
		return x.groupsCondition(c)
	case strings.HasPrefix(c.Field, FieldProperty):
		p, ok := x.props[strings.ToLower(strings.TrimPrefix(c.Field, FieldProperty))]
		if !ok {
			return "", nil, false, fmt.Sprintf("There is no property %s.", strings.TrimPrefix(c.Field, FieldProperty))
		}
		cond, args, msg = s.propertyCondition(p, c, x)
		return cond, args, false, msg
	}
	return "", nil, false, ""
}

// groupsCondition tests the groups a user belongs to: a group's members
// are one range of the memberships' primary key. Whether a user belongs
// to any group is a probe of each user's memberships.
func (x exprSets) groupsCondition(c UserCond) (cond string, args []any, scan bool, msg string) {
	switch c.Op {
	case "exists":
		b, ok := c.Value.(bool)
		if !ok {
			return "", nil, false, "The value of the exists operator must be true or false."
		}
		cond = "EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = u.id)"
		if !b {
			cond = "NOT " + cond
		}
		return cond, nil, true, ""
	case "eq", "not":
	default:
		return "", nil, false, "A user's groups are matched by equality or presence only."
	}
	switch c.Value.(type) {
	case string:
		if c.Field != FieldGroupName {
			return "", nil, false, "A group's id is the id of a group of this tenant."
		}
	case int64:
		if c.Field != FieldGroupID {
			return "", nil, false, "A group's name is text."
		}
	default:
		return "", nil, false, "A group is named by its id or its name."
	}
	cond = "1 = 0"
	if g, ok := x.groups[groupKey(c.Value)]; ok {
		cond, args = x.holders(g.MemberCount, "group_members m", "m.group_id = ?"), []any{g.ID}
	}
	if c.Op == "not" {
		cond = "NOT (" + cond + ")"
	}
	return cond, args, false, ""
}

// propertyCondition tests users' values of p: equality, presence, a
// prefix and a date's range are ranges of the values' primary key; a
// choice's tests are first answered over its options. A substring, a
// suffix or a number's range reads every value of p, so it is refused
// when more users hold one than a query may read.
func (s *Store) propertyCondition(p Property, c UserCond, x exprSets) (cond string, args []any, msg string) {
	// The holders of free values (not of a choice) are taken to be few:
	// no counter says how many hold one.
	size := 0
	holders := func(match string, a ...any) (string, []any) {
		return x.holders(size, "user_property_values v", "v.property_id = ? AND "+match), append([]any{p.ID}, a...)
	}
	negate := func(cond string, args []any) (string, []any, string) {
		if c.Op == "not" {
			cond = "NOT (" + cond + ")"
		}
		return cond, args, ""
	}
	if c.Op == "exists" {
		b, ok := c.Value.(bool)
		if !ok {
			return "", nil, "The value of the exists operator must be true or false."
		}
		size = p.UserCount
		cond, args = holders("1 = 1")
		if !b {
			cond = "NOT (" + cond + ")"
		}
		return cond, args, ""
	}
	text, ok := c.Value.(string)
	if !ok {
		text = fmt.Sprint(c.Value)
	}
	if p.IsSelect() {
		var ids []int64
		for _, o := range p.Options {
			if optionMatches(c.Op, strings.ToLower(o.Value), strings.ToLower(text)) {
				ids, size = append(ids, o.ID), size+o.UserCount
			}
		}
		switch {
		case !slices.Contains([]string{"eq", "not", "contain", OpPrefix, OpSuffix}, c.Op):
			return "", nil, fmt.Sprintf("%s is one of its listed values; it is compared as text (equal, contains, "+
				"starts or ends with) or tested for presence.", p.Label())
		case len(ids) == 0:
			return negate("1 = 0", nil)
		}
		marks, optionArgs := idList(ids)
		cond, args = holders("v.option_id IN ("+marks+") AND v.value = ''", optionArgs...)
		return negate(cond, args)
	}
	free := "v.option_id = 0 AND "
	if c.Op == "eq" || c.Op == "not" {
		_, canon, msg := canonical(p, []string{propertyDate(p, text)})
		if msg != "" {
			return "", nil, msg
		}
		cond, args = holders(free+"v.value = ?", canon)
		return negate(cond, args)
	}
	cmp := map[string]string{"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}[c.Op]
	tooMany := func(what string) string {
		if p.UserCount <= s.planner.scanLimit() {
			return ""
		}
		return fmt.Sprintf("%s reads every value of %s, and %d users hold one: more than the %d a filter may read. "+
			"Compare it by equality instead.", what, p.Label(), p.UserCount, s.planner.scanLimit())
	}
	switch {
	case p.Type == "text" && c.Op == OpPrefix:
		lo, hi := prefixRange(text)
		cond, args = holders(free+"v.value >= ? AND v.value < ?", lo, hi)
		return cond, args, ""
	case p.Type == "text" && (c.Op == "contain" || c.Op == OpSuffix):
		if msg := tooMany("A substring"); msg != "" {
			return "", nil, msg
		}
		// Compared with case, as equality and prefixes are (the values'
		// index is of their bytes).
		switch {
		case c.Op == "contain" && s.pg:
			cond, args = holders(free+"strpos(v.value, ?) > 0", text)
		case c.Op == "contain":
			cond, args = holders(free+"instr(v.value, ?) > 0", text)
		case text == "":
			cond, args = holders(free + "1 = 1")
		case s.pg:
			cond, args = holders(free+"right(v.value, ?) = ?", utf8.RuneCountInString(text), text)
		default:
			cond, args = holders(free+"substr(v.value, -?) = ?", utf8.RuneCountInString(text), text)
		}
		return cond, args, ""
	case p.Type == "date" && cmp != "":
		_, canon, msg := canonical(p, []string{propertyDate(p, text)})
		if msg != "" {
			return "", nil, msg
		}
		// Dates are kept as 2026-11-23, whose text sorts as the dates do.
		cond, args = holders(free+"v.value "+cmp+" ?", canon)
		return cond, args, ""
	case p.Type == "number" && cmp != "":
		n, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return "", nil, fmt.Sprintf("%q is not a number.", text)
		}
		if msg := tooMany("A comparison of numbers"); msg != "" {
			return "", nil, msg
		}
		num := "CAST(v.value AS REAL)"
		if s.pg {
			num = "v.value::float8"
		}
		cond, args = holders(free+num+" "+cmp+" ?", n)
		return cond, args, ""
	}
	switch p.Type {
	case "number", "date":
		return "", nil, fmt.Sprintf("%s holds a %s; it is compared by equality or order (greater, less) or tested for presence.",
			p.Label(), p.Type)
	case "boolean":
		return "", nil, fmt.Sprintf("%s holds true or false; it is compared by equality or tested for presence.", p.Label())
	}
	return "", nil, fmt.Sprintf("%s holds text; it is compared by equality, substring, prefix or suffix, or tested for presence.",
		p.Label())
}

// propertyDate is a date property's value given as a time at midnight
// (SCIM's dateTime) as the date it is; other values as they are.
func propertyDate(p Property, text string) string {
	if t, err := time.Parse(time.RFC3339, text); err == nil && p.Type == "date" &&
		t.Equal(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())) {
		return t.Format(time.DateOnly)
	}
	return text
}

// optionMatches says whether an option's value (lower case) passes a
// text test of want (lower case); not is the negation of eq, applied
// to the holders.
func optionMatches(op, value, want string) bool {
	switch op {
	case "eq", "not":
		return value == want
	case "contain":
		return strings.Contains(value, want)
	case OpPrefix:
		return strings.HasPrefix(value, want)
	case OpSuffix:
		return strings.HasSuffix(value, want)
	}
	return false
}
