package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// planner decides how a filtered page is read (plan). Its knobs belong to
// one store, so a test can force each way on its own store without
// touching another's.
type planner struct {
	// walkBias scales the cost of walking against driving: 1 in use, 0
	// always walks, a huge value always drives.
	walkBias float64
	// orderedReads lets a set that holds usernames give the page's order.
	orderedReads bool
	// scanCap, when set, replaces ScanLimit (see QueryUsers).
	scanCap int
	// keywordLists lets a keyword search's pages be cut from its matches
	// in sort order (matchList), read once, instead of each sorting them.
	keywordLists bool
}

func (p planner) scanLimit() int {
	if p.scanCap > 0 {
		return p.scanCap
	}
	return ScanLimit
}

// defaultPlanner weighs the ways by their measured costs.
var defaultPlanner = planner{walkBias: 1, orderedReads: true, keywordLists: true}

// memberSet is a filter that keeps users belonging to something: a unit's
// subtree, a group, a property's values. A page can be read two ways:
// driven (every user of the smallest set is fetched, then the page is
// sorted out of them) or walking (users are read in the page's order and
// each is tested). Driving costs the set's size; walking costs about
// pageSize × N/|set| rows for each set, so small sets drive and large,
// dense ones walk.
type memberSet struct {
	from   string // FROM clause producing u from the set
	cond   string // condition on the set's rows when driving
	exists string // condition on u when testing membership
	args   []any  // arguments of cond and of exists (the same values)
	size   int    // the set's size, or an upper bound
	exact  bool   // size is exactly the number of users in the set
	// Costs in microseconds measured at a million users: of testing one
	// walked user, and of reading one user of the set when driving. Testing
	// a unit needs the user's row, testing a group or a value an index
	// probe; a unit's users come sorted by username from users_org_unit,
	// a group's members each need a fetch of the user.
	walkCost, driveCost float64
	// ordered, when set, reads the set's users in username order from an
	// index (memberships and property values carry their user's username):
	// its FROM clause (with cond) and the column holding the username.
	orderedFrom, orderedCol string
}

type memberSets []memberSet

// smallest returns the index of the cheapest set to drive from, or -1.
func (ms memberSets) smallest() int {
	best := -1
	for i, m := range ms {
		if m.from != "" && (best < 0 || float64(m.size)*m.driveCost < float64(ms[best].size)*ms[best].driveCost) {
			best = i
		}
	}
	return best
}

// userFetchCost is the cost in microseconds of reading a user's row by id.
const userFetchCost = 2.4

// plan decides how a page of limit users out of total is read: driven
// from the smallest set (drive), walking users in the page's order
// (neither), or, when the page is in username order, walking the users of
// the set ordered (>= 0) in that order.
func (p planner) plan(ms memberSets, total, limit int, byUsername bool) (ordered int, drive bool) {
	ordered = -1
	i := ms.smallest()
	if i < 0 {
		return ordered, false
	}
	// Walking visits about limit × N/|set| users for each set, testing
	// each against every set.
	walkRows, perRow := float64(limit), 0.0
	for _, m := range ms {
		walkRows *= float64(total) / float64(max(m.size, 1))
		perRow = max(perRow, m.walkCost)
	}
	driveCost, walkCost := float64(ms[i].size)*ms[i].driveCost, p.walkBias*walkRows*perRow
	best := min(driveCost, walkCost)
	for j, m := range ms {
		if m.orderedFrom == "" || !byUsername || !p.orderedReads {
			continue
		}
		// Walking one set's users visits limit × N/|other| of them for each
		// other set, fetching each user's row.
		rows, per := float64(limit), userFetchCost
		for k, o := range ms {
			if k != j {
				rows *= float64(total) / float64(max(o.size, 1))
				per = max(per, o.walkCost)
			}
		}
		if c := p.walkBias * rows * per; c <= best {
			ordered, best = j, c
		}
	}
	return ordered, ordered < 0 && driveCost < walkCost
}

// apply adds the sets to q: the smallest one that can drive drives when
// drive is set, the set ordered gives the rows when it is not negative,
// the others test each user.
func (ms memberSets) apply(q *userQuery, drive bool, ordered int) {
	d := -1
	if drive {
		d = ms.smallest()
	}
	for i, m := range ms {
		switch i {
		case d:
			q.from = m.from
			q.add(m.cond, m.args...)
		case ordered:
			q.from = m.orderedFrom
			q.add(m.cond, m.args...)
		default:
			q.add(m.exists, m.args...)
		}
	}
}

// freeValueCountCap bounds the count of users holding a free (not select)
// property value.
const freeValueCountCap = 20000

// memberSets resolves the org unit, group, property and tag filters of f,
// through the read cache: a page of a group's members or of a property's
// holders otherwise reads the group or the property first, every time.
func (s *Store) memberSets(ctx context.Context, tenant int64, f UserFilter) (memberSets, error) {
	if f.OrgUnitID == 0 && f.GroupID == 0 && f.ExcludeGroupID == 0 && len(f.Properties) == 0 && len(f.Tags) == 0 {
		return nil, nil
	}
	key := fmt.Sprintf("sets\x00%d\x00%d\x00%t\x00%d\x00%d\x00%q\x00%#v", tenant, f.OrgUnitID, f.SubUnits, f.GroupID, f.ExcludeGroupID,
		f.Properties, f.Tags)
	return cachedRead(ctx, s, key, func(ctx context.Context) (memberSets, error) { return s.resolveSets(ctx, tenant, f) })
}

func (s *Store) resolveSets(ctx context.Context, tenant int64, f UserFilter) (memberSets, error) {
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
				args:   []any{o.ID}, size: o.SubtreeUserCount, exact: true, walkCost: 3, driveCost: 0.15})
		default:
			// One unit: users_org_unit reads it in username order. The unary
			// plus keeps a large unit from being read that way for other
			// sorts, which would sort all of it.
			out = append(out, memberSet{from: "users u", cond: "u.org_unit_id = ?", exists: "+u.org_unit_id = ?",
				args: []any{o.ID}, size: o.UserCount, exact: true, walkCost: 3, driveCost: 0.1})
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
				args:   []any{g.ID}, size: g.MemberCount, exact: true, walkCost: 1.5, driveCost: userFetchCost,
				orderedFrom: "group_members m INDEXED BY group_members_username CROSS JOIN users u ON u.id = m.user_id",
				orderedCol:  "m.username"})
		}
	}
	if f.ExcludeGroupID != 0 {
		// Not a set to read a page from, but a group of another tenant
		// (or none) is a mistake to name, not a filter that keeps everyone.
		if _, err := s.GetGroup(ctx, tenant, f.ExcludeGroupID); errors.Is(err, ErrNotFound) {
			fe["exclude_group_id"] = "No such group in this tenant."
		} else if err != nil {
			return nil, err
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
	for _, t := range f.Tags {
		m, err := s.tagSet(ctx, tenant, t)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if len(fe) > 0 {
		return nil, fe
	}
	return out, nil
}

// tagSet is the set of users holding tag t: its key, with its value when
// t has one. A user has at most one value a key, so its holders come from
// user_tags once each.
func (s *Store) tagSet(ctx context.Context, tenant int64, t TagMatch) (memberSet, error) {
	match, args := "t.key = ?", []any{tenant, t.Key}
	if t.HasValue {
		match, args = "t.key = ? AND t.value = ?", append(args, t.Value)
	}
	m := memberSet{
		from: "user_tags t CROSS JOIN users u ON u.id = t.user_id",
		cond: "t.tenant_id = ? AND " + match,
		// The tenant is the user's: its unary plus keeps the probe on the
		// user's tags (user_tags_user), not on every holder of the key.
		exists: "EXISTS (SELECT 1 FROM user_tags t WHERE +t.tenant_id = ? AND t.user_id = u.id AND " + match + ")",
		args:   args, walkCost: 1.6, driveCost: 2.3,
	}
	// No counter per tag: a capped count is enough to choose between
	// driving and walking; past the cap the set may be every user.
	err := s.rd.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM user_tags t WHERE t.tenant_id = ? AND `+match+
		` LIMIT `+fmt.Sprint(freeValueCountCap+1)+`) AS matched`, args...).Scan(&m.size)
	if err != nil {
		return memberSet{}, fmt.Errorf("store: tag filter: %w", err)
	}
	if m.size > freeValueCountCap {
		if m.size, err = s.tenantUserCount(ctx, tenant); err != nil {
			return memberSet{}, err
		}
	}
	return m, nil
}

// propertySet is the set of users holding any of values of the property
// key. msg says why the filter cannot be used.
func (s *Store) propertySet(ctx context.Context, tenant int64, key string, values []string) (memberSet, string, error) {
	p, err := getProperty(ctx, s.rd, tenant, 0, key)
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
	m := memberSet{args: []any{p.ID}, walkCost: 1.6, driveCost: 2.3}
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
		// No counter per free value: a capped count is enough to choose
		// between driving and walking.
		err := s.rd.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM user_property_values v
			WHERE v.property_id = ? AND `+match+` LIMIT `+fmt.Sprint(freeValueCountCap+1)+`) AS matched`, m.args...).Scan(&m.size)
		if err != nil {
			return memberSet{}, "", fmt.Errorf("store: property filter: %w", err)
		}
		if m.size > freeValueCountCap {
			m.size = p.UserCount
		}
	}
	m.exists = "EXISTS (SELECT 1 FROM user_property_values v WHERE v.property_id = ? AND " + match + " AND v.user_id = u.id)"
	// A user holding two of the values would come twice from the set.
	if p.Type != "multiselect" || len(opts) == 1 {
		m.from = "user_property_values v CROSS JOIN users u ON u.id = v.user_id"
		m.cond = "v.property_id = ? AND " + match
	}
	// One value's holders are a range of an index in username order.
	if len(values) == 1 {
		m.orderedFrom = "user_property_values v INDEXED BY user_property_values_username CROSS JOIN users u ON u.id = v.user_id"
		m.orderedCol = "v.username"
	}
	return m, "", nil
}
