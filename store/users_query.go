package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// A UserQuery is a generic filter over users, of the kind SpaceONE's core
// Query speaks: tests on fields with operators, AND-ed (And) and OR-ed
// (Or), keywords, a sort and an offset page. ListUsers serves the
// directory's own filters with keyset pages; this serves protocols whose
// filters are open-ended.
type UserQuery struct {
	And, Or []UserCond
	// Keywords match users whose username, display name or email contains
	// any of them (3 characters or more; shorter ones match prefixes).
	Keywords []string
	Sort     []QuerySort
	Offset   int
	// Limit 0 is QueryMaxResults.
	Limit     int
	CountOnly bool
	// Where, when not nil, is AND-ed to the rest.
	Where *UserExpr
}

// UserCond tests one field: Field is a key of QueryFields or "tags.<key>",
// Op one of QueryOps. Value is as JSON decodes it: a string, number, bool,
// nil or a []any for the list operators. Label names the field in errors
// (the caller's own name for it); "" is Field.
type UserCond struct {
	Field, Op, Label string
	Value            any
}

// QuerySort orders by a field (or, for GroupUsers, by an output name).
type QuerySort struct {
	Field string
	Desc  bool
}

// QueryMaxResults is the most users one query returns.
const QueryMaxResults = 1000

// QueryOps are the operators a UserCond may use.
var QueryOps = []string{"eq", "not", "in", "not_in", "contain", "not_contain", "contain_in", "not_contain_in",
	"lt", "lte", "gt", "gte", "exists", "datetime_lt", "datetime_lte", "datetime_gt", "datetime_gte",
	"timediff_lt", "timediff_lte", "timediff_gt", "timediff_gte"}

// QueryFields are the fields a UserQuery may test, sort and group by,
// besides "tags.<key>".
var QueryFields = []string{"username", "display_name", "email", "status", "user_type", "backend", "language",
	"timezone", "email_verified", "required_actions", "created_at", "last_login_at"}

// Kinds of query fields.
const (
	fieldText = iota
	fieldEnum // stored lower case; values compare without case
	fieldBool
	fieldTime // epoch milliseconds, nullable
	fieldSet  // sorted, comma-separated words
	fieldInt  // a row id
)

type queryField struct {
	col  string
	kind int
	// indexed: an index serves equality, lists and ranges on the field.
	indexed bool
	// search is the keyword index column serving substrings (3+ chars).
	search string
	// tag is the key of a tag field: equality and existence are read
	// from the tags' own table.
	tag string
	// caseless: the field compares without case; col is then the form its
	// indexes hold (Store.caseless), compared with values in the form
	// placeholder gives.
	caseless bool
}

// placeholder is where a value compared with f goes.
func (f queryField) placeholder(s *Store) string {
	if f.caseless {
		return s.caselessArg()
	}
	return "?"
}

var queryFieldDefs = map[string]queryField{
	"username":     {col: "u.username", indexed: true, search: "username"},
	"display_name": {col: "u.display_name", indexed: true, search: "display_name", caseless: true},
	"email":        {col: "u.email", indexed: true, search: "email", caseless: true},
	"status":       {col: "u.status", kind: fieldEnum, indexed: true},
	"user_type":    {col: "u.user_type", kind: fieldEnum, indexed: true},
	// Users not created in Roster (built_in) come from an outside source.
	"backend":          {col: "CASE WHEN u.source_type = 'built_in' THEN 'local' ELSE 'external' END", kind: fieldEnum, indexed: true},
	"language":         {col: "u.language"},
	"timezone":         {col: "u.timezone"},
	"email_verified":   {col: "u.email_verified", kind: fieldBool},
	"required_actions": {col: "u.required_actions", kind: fieldSet},
	"created_at":       {col: "u.created_at", kind: fieldTime, indexed: true},
	"last_login_at":    {col: "u.last_login_at", kind: fieldTime},
	// Fields SCIM filters by, not (yet) offered to SpaceONE's queries.
	"id":          {col: "u.id", kind: fieldInt, indexed: true},
	"external_id": {col: "u.external_id", indexed: true},
	"updated_at":  {col: "u.updated_at", kind: fieldTime},
}

// ScanLimit is the largest tenant in which a query may test or sort by a
// field no index serves: reading that many rows stays well under a second
// on both engines.
const ScanLimit = 100_000

// field resolves a query field name.
func (s *Store) field(name string) (queryField, bool) {
	if k, ok := strings.CutPrefix(name, "tags."); ok {
		if !tagKeyPattern.MatchString(k) {
			return queryField{}, false
		}
		// The key's charset has no quote, so it is safe in the path.
		if s.pg {
			return queryField{col: "coalesce(u.tags::jsonb ->> '" + k + "', '')", tag: k}, true
		}
		return queryField{col: `coalesce(json_extract(u.tags, '$."` + k + `"'), '')`, tag: k}, true
	}
	f, ok := queryFieldDefs[name]
	if f.caseless {
		f.col = s.caseless(f.col)
	}
	return f, ok
}

func (c UserCond) label() string {
	if c.Label != "" {
		return c.Label
	}
	return c.Field
}

// queryPlan is a UserQuery's WHERE clause; scans names a field tested or
// sorted by without an index, if any. On SQLite, keywords all long enough
// for the keyword index also give a clause read from that index (driven,
// with the same arguments), for queries that need every match: reading
// users and probing the index for each would read the whole tenant.
type queryPlan struct {
	where  string
	args   []any
	scans  string
	driven string
}

// tenantArg stands in a queryPlan's arguments for the tenant, which
// bindTenant sets.
type tenantArg struct{}

// bindTenant sets the plan's tenant arguments.
func (p queryPlan) bindTenant(tenant int64) {
	for i, a := range p.args {
		if _, ok := a.(tenantArg); ok {
			p.args[i] = tenant
		}
	}
}

// tagHolders are the users of a tenant with a tag's key, and a value
// when given: the tags' table answers, where the users' own copy of their
// tags would be read user by user.
const tagHolders = `u.id IN (SELECT t.user_id FROM user_tags t WHERE t.tenant_id = ? AND t.key = ?`

// drivenFrom is the FROM of a queryPlan's driven clause.
const drivenFrom = "users_fts f CROSS JOIN users u ON u.id = f.rowid"

// matches is the FROM and WHERE that read every match of p.
func (p queryPlan) matches() string {
	if p.driven != "" {
		return drivenFrom + " WHERE " + p.driven
	}
	return "users u WHERE " + p.where
}

func (s *Store) planQuery(and, or []UserCond, keywords []string) (queryPlan, error) {
	var p queryPlan
	fe := FieldErrors{}
	var conds []string
	add := func(list []UserCond) []string {
		var out []string
		for _, c := range list {
			cond, args, scan, msg := s.condition(c)
			if msg != "" {
				fe[c.label()] = msg
				continue
			}
			if scan && p.scans == "" {
				p.scans = c.label()
			}
			out = append(out, cond)
			p.args = append(p.args, args...)
		}
		return out
	}
	conds = append(conds, "u.tenant_id = ?")
	p.args = append(p.args, tenantArg{})
	conds = append(conds, add(and)...)
	if ors := add(or); len(ors) > 0 {
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	kw, driven := s.keywordsCond(keywords, &p.args)
	if kw != "" {
		conds = append(conds, kw)
	}
	if len(fe) > 0 {
		return p, fe
	}
	p.where = strings.Join(conds, " AND ")
	if driven {
		conds[len(conds)-1] = "f.users_fts MATCH ?"
		p.driven = strings.Join(conds, " AND ")
	}
	return p, nil
}

// keywordsCond matches any of the words in username, display name or
// email, through the keyword index; driven says the condition is SQLite's
// keyword index alone.
func (s *Store) keywordsCond(words []string, args *[]any) (cond string, driven bool) {
	var ors, fts []string
	for _, w := range words {
		switch {
		case w == "":
		case utf8.RuneCountInString(w) >= 3 && s.pg:
			ors = append(ors, `(u.username || E'\x01' || u.display_name::text || E'\x01' || u.email::text) ILIKE ?`)
			*args = append(*args, likeContains(w))
		case utf8.RuneCountInString(w) >= 3:
			fts = append(fts, ftsPhrase(w))
		default:
			lo, hi := prefixRange(strings.ToLower(w))
			ors = append(ors, s.shortKeyword())
			*args = append(*args, lo, hi, lo, hi, lo, hi)
		}
	}
	if len(fts) > 0 {
		ors = append(ors, `u.id IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ?)`)
		*args = append(*args, strings.Join(fts, " OR "))
	}
	if len(ors) == 0 {
		return "", false
	}
	return "(" + strings.Join(ors, " OR ") + ")", len(ors) == 1 && len(fts) > 0
}

// orderBy is the ORDER BY of sorts over fields; by default display name.
func (s *Store) orderBy(sorts []QuerySort, p *queryPlan) (string, error) {
	if len(sorts) == 0 {
		sorts = []QuerySort{{Field: "display_name"}}
	}
	var parts []string
	dir := " ASC"
	for _, o := range sorts {
		f, ok := s.field(o.Field)
		if !ok {
			return "", FieldErrors{"sort": fmt.Sprintf("%s is not a field users can be sorted by.", o.Field)}
		}
		if !f.indexed && p.scans == "" {
			p.scans = o.Field
		}
		dir = " ASC"
		if o.Desc {
			dir = " DESC"
		}
		parts = append(parts, f.col+dir)
	}
	// The id breaks ties the way the last key goes, so an index ending in
	// the id gives the order without sorting.
	return strings.Join(parts, ", ") + ", u.id" + dir, nil
}

// checkScan refuses a query that tests or sorts by a field no index serves
// in a tenant too large to read whole.
func (s *Store) checkScan(ctx context.Context, tenant int64, p queryPlan) error {
	if p.scans == "" {
		return nil
	}
	n, err := s.tenantUserCount(ctx, tenant)
	if err != nil {
		return err
	}
	if n > s.planner.scanLimit() {
		return FieldErrors{p.scans: fmt.Sprintf("%s is not indexed, and this tenant has %d users: more than the %d this query "+
			"may read. Filter by user_id, name, email, state, user_type, backend or created_at, or by a substring of "+
			"3 or more characters of user_id, name or email.", p.scans, n, s.planner.scanLimit())}
	}
	return nil
}

// QueryTimeout bounds a query's reading: past it the query is refused as
// too broad, naming the fields it tests, rather than left to run.
const QueryTimeout = 500 * time.Millisecond

// QueryMaxOffset is the deepest a query's page may start: deeper pages of
// an offset read every row before them.
const QueryMaxOffset = CountCap

// tooBroad refuses a query that ran out of time, naming what it tests.
func tooBroad(fields []string) error {
	slices.Sort(fields)
	fields = slices.Compact(fields)
	key := "query"
	if len(fields) > 0 {
		key = fields[0]
	}
	return FieldErrors{key: fmt.Sprintf("This query reads too many users to answer in time (it tests %s); "+
		"narrow it with a more selective filter.", strings.Join(fields, ", "))}
}

func condLabels(lists ...[]UserCond) []string {
	var out []string
	for _, l := range lists {
		for _, c := range l {
			out = append(out, c.label())
		}
	}
	return out
}

// walkAtMatches is how many matches make a page read in its sort's order:
// one user in a thousand matching, a page of 15 walks 15,000 index entries.
const walkAtMatches = 1000

// sortIndexes are the indexes that read a tenant's users in the order of
// one sort field, the id breaking ties.
var sortIndexes = map[string]string{"display_name": "users_display_name", "email": "users_email", "created_at": "users_created",
	"username": "users_username"}

// sortField is the field of a single-key sort ("" for several keys).
func sortField(sorts []QuerySort) string {
	switch len(sorts) {
	case 0:
		return "display_name"
	case 1:
		return sorts[0].Field
	}
	return ""
}

// QueryUsers returns the users matching q (at most QueryMaxResults from
// q.Offset, which is at most QueryMaxOffset) and how many match, a count
// past CountCap being reported as CountCap (TotalCapped).
func (s *Store) QueryUsers(ctx context.Context, tenant int64, q UserQuery) (List[User], error) {
	return s.queryUsers(ctx, tenant, q, readUsers)
}

// queryUsers is QueryUsers; with readKeys it reads only each user's
// keyColumns, as a cached list does.
func (s *Store) queryUsers(ctx context.Context, tenant int64, q UserQuery, read listRead) (List[User], error) {
	var out List[User]
	if q.Offset > QueryMaxOffset {
		return out, FieldErrors{"page": fmt.Sprintf("A page may start at most %d users in; narrow the query instead.", QueryMaxOffset)}
	}
	p, err := s.planQuery(q.And, q.Or, q.Keywords)
	if err != nil {
		return out, err
	}
	if q.Where != nil {
		if err := s.whereExpr(ctx, tenant, *q.Where, &p); err != nil {
			return out, err
		}
	}
	p.bindTenant(tenant)
	order, err := s.orderBy(q.Sort, &p)
	if err != nil {
		return out, err
	}
	if err := s.checkScan(ctx, tenant, p); err != nil {
		return out, err
	}
	qctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	fail := func(err error) (List[User], error) {
		if qctx.Err() != nil && ctx.Err() == nil {
			sorts := make([]string, len(q.Sort))
			for i, o := range q.Sort {
				sorts[i] = o.Field
			}
			if len(q.Keywords) > 0 {
				sorts = append(sorts, "keyword")
			}
			conds := condLabels(q.And, q.Or)
			if q.Where != nil {
				conds = append(conds, condLabels(q.Where.conds())...)
			}
			return List[User]{}, tooBroad(append(conds, sorts...))
		}
		return List[User]{}, fmt.Errorf("store: query users: %w", err)
	}
	if len(q.And) == 0 && len(q.Or) == 0 && len(q.Keywords) == 0 && q.Where == nil {
		out.Total, err = s.tenantUserCount(qctx, tenant)
	} else {
		out.Total, out.TotalCapped, err = s.count(qctx, `SELECT 1 FROM `+p.matches(), p.args)
	}
	if err != nil {
		return fail(err)
	}
	out.Items = []User{}
	if q.CountOnly || out.Total == 0 {
		return out, nil
	}
	limit := q.Limit
	if limit <= 0 || limit > QueryMaxResults {
		limit = QueryMaxResults
	}
	from := "users u WHERE " + p.where
	switch ix := sortIndexes[sortField(q.Sort)]; {
	case out.Total < walkAtMatches:
		// Few enough to read them all and sort them.
		from = p.matches()
	case ix != "":
		// Enough users match that walking the sort's index finds a page
		// soon; SQLite's planner would rather read every match through
		// the filter's index and sort them all.
		from = "users u INDEXED BY " + ix + " WHERE " + p.where
	}
	cols, scan := userColumns, scanUser
	if read == readKeys {
		cols, scan = s.keyColumns(false, false), newKeyScanner(false, false).scan
	}
	query, args := `SELECT `+cols+` FROM `+from+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(p.args, limit, max(q.Offset, 0))
	if s.onListQuery != nil {
		s.onListQuery(query, args)
	}
	rows, err := s.rd.QueryContext(qctx, query, args...)
	if err != nil {
		return fail(err)
	}
	if out.Items, err = collect(rows, scan); err != nil {
		return fail(err)
	}
	if read == readKeys {
		return out, nil
	}
	return out, s.decodeProperties(ctx, tenant, out.Items)
}
