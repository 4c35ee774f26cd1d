package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// driveMax is the largest set of users (a subtree, a group, a property
// value) that a page is read from by fetching and sorting the whole set.
// Larger sets are read by walking the sort order and keeping members: at a
// million users that walk reads about pageSize*1,000,000/size rows, so the
// two cost the same near a few thousand.
var driveMax = 3000

// memberSet is a filter that keeps users belonging to something: a unit's
// subtree, a group, a property's values. It can drive a query (the users
// come from the set, then are sorted) or test each user walked in order.
type memberSet struct {
	from   string // FROM clause producing u from the set
	cond   string // condition on the set's rows when driving
	exists string // condition on u when testing membership
	args   []any  // arguments of cond and of exists (the same values)
	size   int    // the set's size, or an upper bound
	exact  bool   // size is exactly the number of users in the set
}

type memberSets []memberSet

// apply adds the sets to q: the smallest drives when it has at most max
// users and drive is allowed (no keyword is driving), the others test.
func (ms memberSets) apply(q *userQuery, drive bool, max int) {
	sorted := slices.Clone(ms)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].size < sorted[j].size })
	for i, m := range sorted {
		if i == 0 && drive && m.from != "" && m.size <= max {
			q.from = m.from
			q.add(m.cond, m.args...)
			continue
		}
		q.add(m.exists, m.args...)
	}
}

// memberSets resolves the org unit, group and property filters of f.
func (s *Store) memberSets(ctx context.Context, tenant int64, f UserFilter) (memberSets, error) {
	var out memberSets
	fe := FieldErrors{}
	if f.OrgUnitID != 0 {
		o, err := s.GetOrgUnit(ctx, tenant, f.OrgUnitID)
		switch {
		case errors.Is(err, ErrNotFound):
			fe["org_unit_id"] = "No such org unit in this tenant."
		case err != nil:
			return nil, err
		case f.SubUnits && o.ChildCount > 0:
			out = append(out, memberSet{
				from:   "org_closure c CROSS JOIN users u ON u.org_unit_id = c.descendant",
				cond:   "c.ancestor = ?",
				exists: "EXISTS (SELECT 1 FROM org_closure c WHERE c.ancestor = ? AND c.descendant = u.org_unit_id)",
				args:   []any{o.ID}, size: o.SubtreeUserCount, exact: true})
		default:
			// One unit: users_org_unit reads it in username order. The unary
			// plus keeps a large unit from being read that way for other
			// sorts, which would sort all of it.
			out = append(out, memberSet{from: "users u", cond: "u.org_unit_id = ?", exists: "+u.org_unit_id = ?",
				args: []any{o.ID}, size: o.UserCount, exact: true})
		}
	}
	if f.GroupID != 0 {
		g, err := s.GetGroup(ctx, tenant, f.GroupID)
		switch {
		case errors.Is(err, ErrNotFound):
			fe["group_id"] = "No such group in this tenant."
		case err != nil:
			return nil, err
		default:
			out = append(out, memberSet{
				from:   "group_members m CROSS JOIN users u ON u.id = m.user_id",
				cond:   "m.group_id = ?",
				exists: "EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = ? AND m.user_id = u.id)",
				args:   []any{g.ID}, size: g.MemberCount, exact: true})
		}
	}
	keys := make([]string, 0, len(f.Properties))
	for k := range f.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		m, msg, err := s.propertySet(ctx, tenant, key, f.Properties[key])
		if err != nil {
			return nil, err
		}
		if msg != "" {
			fe["property"] = msg
			continue
		}
		out = append(out, m)
	}
	if len(fe) > 0 {
		return nil, fe
	}
	return out, nil
}

// propertySet is the set of users holding any of values of the property
// key. msg says why the filter cannot be used.
func (s *Store) propertySet(ctx context.Context, tenant int64, key string, values []string) (memberSet, string, error) {
	p, err := getProperty(ctx, s.r, tenant, 0, key)
	if errors.Is(err, ErrNotFound) {
		return memberSet{}, fmt.Sprintf("No property with key %q.", key), nil
	}
	if err != nil {
		return memberSet{}, "", err
	}
	values = slices.Compact(slices.Sorted(slices.Values(values)))
	var opts []int64
	var texts []string
	for _, v := range values {
		// Each value is checked alone: several values of a single-valued
		// property are an OR here, not one invalid value.
		o, text, msg := canonical(p, []string{v})
		if msg != "" {
			return memberSet{}, key + ": " + msg, nil
		}
		opts, texts = append(opts, o...), append(texts, text)
	}
	m := memberSet{args: []any{p.ID}}
	var match string // the values, on a row of user_property_values aliased v
	if p.IsSelect() {
		marks, args := idList(opts)
		match = "v.option_id IN (" + marks + ") AND v.value = ''"
		m.args = append(m.args, args...)
		for _, o := range p.Options {
			if slices.Contains(opts, o.ID) {
				m.size += o.UserCount
			}
		}
		m.exact = len(opts) == 1
	} else {
		match = "v.option_id = 0 AND v.value IN (" + strings.TrimSuffix(strings.Repeat("?,", len(texts)), ",") + ")"
		for _, t := range texts {
			m.args = append(m.args, t)
		}
		// No counter per free value: count up to just past driveMax, which
		// is all the choice between driving and testing needs.
		err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM user_property_values v
			WHERE v.property_id = ? AND `+match+` LIMIT `+fmt.Sprint(driveMax+1)+`)`, m.args...).Scan(&m.size)
		if err != nil {
			return memberSet{}, "", fmt.Errorf("store: property filter: %w", err)
		}
		if m.size > driveMax {
			m.size = p.UserCount
		}
	}
	m.exists = "EXISTS (SELECT 1 FROM user_property_values v WHERE v.property_id = ? AND " + match + " AND v.user_id = u.id)"
	// A user holding two of the values would come twice from the set.
	if p.Type != "multiselect" || len(opts) == 1 {
		m.from = "user_property_values v CROSS JOIN users u ON u.id = v.user_id"
		m.cond = "v.property_id = ? AND " + match
	}
	return m, "", nil
}
