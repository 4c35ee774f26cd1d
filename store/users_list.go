package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// UserFilter selects users for ListUsers. Empty fields do not filter; all
// given filters must hold.
type UserFilter struct {
	IDs               []int64
	Usernames         []string // exactly these
	ExcludeUsernames  []string // none of these
	UsernamePrefix    string
	DisplayNamePrefix string
	Email             string // exact, without case
	PhoneRegion       string
	PhoneNumber       string
	ExternalID        string
	SourceType        string
	SourceID          string
	UserType          string
	Tags              []TagMatch // every one
	Status            string
	Locked            *bool
	OwnerType         string     // OwnerUser or OwnerManager
	CreatedFrom       *time.Time // inclusive
	CreatedTo         *time.Time // exclusive
	Query             string     // keyword: substring of username, display name or email
	OrgUnitID         int64
	SubUnits          bool                // with OrgUnitID: the unit's whole subtree
	GroupID           int64               // members of this group
	ExcludeGroupID    int64               // not members of this group
	Properties        map[string][]string // property key -> values: any value of a key, every key
	Sort              string              // a key of UserSorts; "" is "username"
	Page              Page
	WithGroups        bool // also read each listed user's groups (UserList.Groups)
}

// TagMatch selects the users with the tag Key, with the value Value when
// HasValue (a tag's value may be empty).
type TagMatch struct {
	Key      string
	Value    string
	HasValue bool
}

// MaxTagMatches is how many tags one filter may name.
const MaxTagMatches = 10

// UserSorts lists the allowed sort orders: a column, then id to break ties.
var UserSorts = []string{"username", "-username", "display_name", "-display_name", "created_at", "-created_at"}

var sortColumns = map[string]string{"username": "u.username", "display_name": "u.display_name", "created_at": "u.created_at"}

// matchOrder is the order of keyword results too many to sort: the order the
// users were added.
const matchOrder = "added"

// KeywordSortCap is how many keyword matches are still sorted as asked; past
// it results come in the order users were added, so a broad search never
// sorts a huge match set.
const KeywordSortCap = 1000

// UserList is one page of users. SortedBy says the order actually used:
// the requested sort, or "added" for keyword searches with more than
// KeywordSortCap matches. Prev is a cursor to the page before. Groups
// holds, when the filter asked WithGroups, the listed users' groups by
// user id (sorted by name; users in none are absent).
type UserList struct {
	List[User]
	Prev     string
	SortedBy string
	Groups   map[int64][]Group
}

// userQuery is a WHERE clause under construction: only fixed fragments are
// appended; every value is a bound argument.
type userQuery struct {
	from  string
	where []string
	args  []any
	// clock are the positions in args of the current time (the locked
	// filter's), which a cached count keys to the second.
	clock []int
}

func (q *userQuery) clone() userQuery {
	return userQuery{from: q.from, where: slices.Clone(q.where), args: slices.Clone(q.args), clock: slices.Clone(q.clock)}
}

func (q *userQuery) add(cond string, args ...any) {
	q.where = append(q.where, cond)
	q.args = append(q.args, args...)
}

// prefixRange returns the bounds of the strings starting with p, so a prefix
// is an index range instead of a LIKE the planner cannot use.
func prefixRange(p string) (string, string) {
	return p, p + string(utf8.MaxRune)
}

// CheckUserFilter returns a message per filter value that cannot be used.
func CheckUserFilter(f UserFilter) FieldErrors {
	fe := FieldErrors{}
	if f.Sort != "" && !slices.Contains(UserSorts, f.Sort) {
		fe["sort"] = "Sort must be one of " + strings.Join(UserSorts, ", ") + "."
	}
	if f.Status != "" && f.Status != StatusEnabled && f.Status != StatusDisabled && f.Status != StatusPending {
		fe["status"] = "Status must be enabled, disabled or pending."
	}
	if f.OwnerType != "" && f.OwnerType != OwnerUser && f.OwnerType != OwnerManager {
		fe["owner_type"] = "Owner type must be user or manager."
	}
	for field, v := range map[string]string{"q": f.Query, "username_prefix": f.UsernamePrefix,
		"display_name_prefix": f.DisplayNamePrefix, "email": f.Email, "external_id": f.ExternalID,
		"source_type": f.SourceType, "source_id": f.SourceID, "phone_region": f.PhoneRegion, "phone_number": f.PhoneNumber} {
		if !cleanText(v) || utf8.RuneCountInString(v) > 256 {
			fe[field] = "Must be at most 256 characters of text without control characters."
		}
	}
	if f.UserType != "" && !slices.Contains(UserTypes, f.UserType) {
		fe["user_type"] = "User type must be " + strings.Join(UserTypes, " or ") + "."
	}
	if len(f.Tags) > MaxTagMatches {
		fe["tag"] = fmt.Sprintf("At most %d tags.", MaxTagMatches)
	}
	for _, t := range f.Tags {
		if !tagKeyPattern.MatchString(t.Key) || !cleanText(t.Value) || utf8.RuneCountInString(t.Value) > 256 {
			fe["tag"] = "Give tags as key=value or key: a key of letters, digits and _ . : / -, a value of at most 256 characters."
		}
	}
	if len(f.IDs) > MaxPageSize {
		fe["user_ids"] = fmt.Sprintf("At most %d ids.", MaxPageSize)
	}
	for field, names := range map[string][]string{"usernames": f.Usernames, "exclude_usernames": f.ExcludeUsernames} {
		if len(names) > MaxBatch {
			fe[field] = fmt.Sprintf("At most %d usernames.", MaxBatch)
		}
	}
	if f.CreatedFrom != nil && f.CreatedTo != nil && !f.CreatedFrom.Before(*f.CreatedTo) {
		fe["created_to"] = "The end of the created range must be after its start."
	}
	return fe
}

// conditions builds the WHERE clause of f, except the keyword.
func (s *Store) conditions(tenant int64, f UserFilter) userQuery {
	q := userQuery{from: "users u"}
	q.add("u.tenant_id = ?", tenant)
	if len(f.IDs) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?,", len(f.IDs)), ",")
		args := make([]any, len(f.IDs))
		for i, id := range f.IDs {
			args[i] = id
		}
		q.add("u.id IN ("+marks+")", args...)
	}
	if len(f.Usernames) > 0 {
		marks, args := usernameList(f.Usernames)
		q.add("u.username IN ("+marks+")", args...)
	}
	if len(f.ExcludeUsernames) > 0 {
		marks, args := usernameList(f.ExcludeUsernames)
		q.add("u.username NOT IN ("+marks+")", args...)
	}
	if f.ExcludeGroupID != 0 {
		q.add("NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = ? AND m.user_id = u.id)", f.ExcludeGroupID)
	}
	if f.UsernamePrefix != "" {
		lo, hi := prefixRange(strings.ToLower(f.UsernamePrefix))
		q.add("u.username >= ? AND u.username < ?", lo, hi)
	}
	if f.DisplayNamePrefix != "" {
		lo, hi := prefixRange(f.DisplayNamePrefix)
		dn, arg := s.caseless("u.display_name"), s.caselessArg()
		q.add(dn+" >= "+arg+" AND "+dn+" < "+arg, lo, hi)
	}
	if f.Email != "" {
		q.add(s.caseless("u.email")+" = "+s.caselessArg(), f.Email)
	}
	if f.PhoneRegion != "" {
		q.add("u.phone_region = ?", strings.TrimPrefix(f.PhoneRegion, "+"))
	}
	if f.PhoneNumber != "" {
		q.add("u.phone_number = ?", f.PhoneNumber)
	}
	if f.ExternalID != "" {
		q.add("u.external_id = ?", f.ExternalID)
	}
	if f.SourceType != "" {
		q.add("u.source_type = ?", f.SourceType)
	}
	if f.SourceID != "" {
		q.add("u.source_id = ?", f.SourceID)
	}
	if f.Status != "" {
		q.add("u.status = ?", f.Status)
	}
	// Literals, not arguments: the partial index users_api_users is used
	// only where the query states its WHERE.
	switch f.UserType {
	case "api_user":
		q.add("u.user_type = 'api_user'")
	case "user":
		q.add("u.user_type = 'user'")
	}
	if f.Locked != nil {
		now := s.nowMillis()
		q.clock = append(q.clock, len(q.args), len(q.args)+1)
		if *f.Locked {
			q.add(sqlLocked, now, now)
		} else {
			q.add(sqlNotLocked, now, now)
		}
	}
	// Literals, not arguments: the partial index users_managed is used
	// only where the query states its WHERE.
	switch f.OwnerType {
	case OwnerManager:
		q.add("u.owner_type = 'manager'")
	case OwnerUser:
		q.add("u.owner_type = 'user'")
	}
	if f.CreatedFrom != nil {
		q.add("u.created_at >= ?", f.CreatedFrom.UnixMilli())
	}
	if f.CreatedTo != nil {
		q.add("u.created_at < ?", f.CreatedTo.UnixMilli())
	}
	return q
}

// usernameList returns "?,?,…" and the usernames, as stored (lower case),
// as arguments.
func usernameList(names []string) (string, []any) {
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = strings.ToLower(strings.TrimSpace(n))
	}
	return strings.TrimSuffix(strings.Repeat("?,", len(names)), ","), args
}

// keyword adds the keyword condition. For 3 or more characters the query is
// driven from the trigram index (on SQLite, CROSS JOIN fixes that loop
// order): its matches are looked up by id, never probed for while scanning
// every user. Shorter keywords are prefix ranges on the three fields.
func (s *Store) keyword(q *userQuery, kw string) {
	if utf8.RuneCountInString(kw) >= 3 && s.pg {
		// The expression of the index users_keyword: the fields joined by a
		// character no field holds, so no match spans two of them.
		q.add(`(u.username || E'\x01' || u.display_name::text || E'\x01' || u.email::text) ILIKE ?`, likeContains(kw))
		return
	}
	if utf8.RuneCountInString(kw) >= 3 {
		q.from = "users_fts f CROSS JOIN users u ON u.id = f.rowid"
		q.add(`f.users_fts MATCH ?`, ftsPhrase(kw))
		return
	}
	lo, hi := prefixRange(strings.ToLower(kw))
	q.add(s.shortKeyword(), lo, hi, lo, hi, lo, hi)
}

// shortKeyword is a keyword too short for the keyword index: a prefix of
// the username, display name or email, each through its index; its
// arguments are the prefix range's ends, three times.
func (s *Store) shortKeyword() string {
	dn, em, arg := s.caseless("u.display_name"), s.caseless("u.email"), s.caselessArg()
	return `(u.username >= ? AND u.username < ? OR ` + dn + ` >= ` + arg + ` AND ` + dn + ` < ` + arg +
		` OR ` + em + ` >= ` + arg + ` AND ` + em + ` < ` + arg + `)`
}

// ftsPhrase quotes text as one FTS5 phrase, so its characters are never
// read as query syntax.
func ftsPhrase(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// userCursor is where a page starts: after (or, going back, before) the
// row with this sort value and id, under this sort.
type userCursor struct {
	sort  string
	back  bool
	value string
	id    int64
}

func (c userCursor) encode() string {
	dir := "a"
	if c.back {
		dir = "b"
	}
	return base64.RawURLEncoding.EncodeToString([]byte("u1\x00" + c.sort + "\x00" + dir + "\x00" +
		strconv.FormatInt(c.id, 10) + "\x00" + c.value))
}

func decodeUserCursor(tok, sort string) (userCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return userCursor{}, fmt.Errorf("store: %w", ErrBadCursor)
	}
	parts := strings.SplitN(string(b), "\x00", 5)
	if len(parts) != 5 || parts[0] != "u1" || (parts[2] != "a" && parts[2] != "b") {
		return userCursor{}, fmt.Errorf("store: %w", ErrBadCursor)
	}
	id, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil || id <= 0 {
		return userCursor{}, fmt.Errorf("store: %w", ErrBadCursor)
	}
	c := userCursor{sort: parts[1], back: parts[2] == "b", id: id, value: parts[4]}
	// A cursor only continues the order it was made for; keyword results
	// may have switched to the order added.
	if c.sort != sort && c.sort != matchOrder {
		return userCursor{}, fmt.Errorf("store: %w (it belongs to another sort)", ErrBadCursor)
	}
	return c, nil
}

// ListUsers returns one page of a tenant's users matching f, in f.Sort order
// by keyset: each page is an index range, however deep.
func (s *Store) ListUsers(ctx context.Context, tenant int64, f UserFilter) (UserList, error) {
	return s.listUsers(ctx, tenant, f, f.Page.limit(), readUsers)
}

// listRead is what listUsers reads of each listed user.
type listRead int

const (
	readUsers listRead = iota // the whole user, its properties decoded
	readWalk                  // a walk's: what a users' file needs
	readKeys                  // a cached list's: keyColumns
)

// listUsers reads a page of limit users. A walk through every match
// (WalkUsers) has no use for Total, and with no sort asked it goes in the
// order users were added: by id, the table's own order, which reads
// neighbouring rows together where any other order reads a row here and a
// row there. It reads only the columns a users' file needs
// (fileUserColumns), and leaves the properties undecoded. With readKeys it
// reads only what identifies each user's version and the page's cursors.
func (s *Store) listUsers(ctx context.Context, tenant int64, f UserFilter, limit int, read listRead) (UserList, error) {
	walk := read == readWalk
	if fe := CheckUserFilter(f); len(fe) > 0 {
		return UserList{}, fe
	}
	sortKey := f.Sort
	if sortKey == "" {
		sortKey = "username"
	}
	q := s.conditions(tenant, f)
	sets, err := s.memberSets(ctx, tenant, f)
	if err != nil {
		return UserList{}, err
	}
	kw := strings.TrimSpace(f.Query)
	if kw != "" {
		s.keyword(&q, kw)
	}
	// The count needs no order, so it is always driven from the smallest
	// set; the page only when that set is small enough to sort.
	countQ := q.clone()
	sets.apply(&countQ, kw == "", -1)
	added := walk && f.Sort == ""
	driven, ordered := false, -1
	if kw == "" && len(sets) > 0 {
		users, err := s.tenantUserCount(ctx, tenant)
		if err != nil {
			return UserList{}, err
		}
		ordered, driven = s.planner.plan(sets, users, limit, !added && strings.TrimPrefix(sortKey, "-") == "username")
	}
	sets.apply(&q, driven, ordered)
	usernameCol := "u.username"
	if ordered >= 0 {
		usernameCol = sets[ordered].orderedCol
	}

	var out UserList
	capAt := CountCap
	if kw != "" {
		capAt = KeywordSortCap
	}
	// The count is the costly half of most pages. Keyword searches need it
	// first (it decides the order); otherwise a first page that is not full
	// is its own count.
	counted := false
	var matches *matchList
	switch {
	case kw != "" && !added && f.Locked == nil && s.planner.keywordLists:
		// Its matches in sort order, read once for all its pages, are its
		// count too. (Whether a user is locked changes with the time: that
		// condition holds the time, so its matches would never be read
		// twice.)
		if matches, err = s.keywordMatches(ctx, countQ, sortColumns[strings.TrimPrefix(sortKey, "-")]); err != nil {
			return UserList{}, err
		}
		out.Total, out.TotalCapped = len(matches.ids), matches.capped
		if matches.capped {
			out.Total = KeywordSortCap
		}
		counted = true
	case kw != "" && !added:
		if out.Total, out.TotalCapped, err = s.countUsers(ctx, tenant, f, sets, countQ, capAt); err != nil {
			return UserList{}, err
		}
		counted = true
	}
	var cur *userCursor
	if f.Page.Cursor != "" {
		c, err := decodeUserCursor(f.Page.Cursor, sortKey)
		if err != nil {
			return UserList{}, err
		}
		cur = &c
	}
	if added || kw != "" && (out.TotalCapped || (cur != nil && cur.sort == matchOrder)) {
		sortKey = matchOrder
		if q.from == "users u" {
			// A short keyword matching many users: walk users in id order and
			// stop at the page's end, instead of sorting every match.
			q.from = "users u NOT INDEXED"
		}
	}
	out.SortedBy = sortKey

	col, desc := "u.id", false
	if strings.HasPrefix(q.from, "users_fts") {
		col = "f.rowid" // the trigram index returns matches in this order
	}
	if sortKey != matchOrder {
		name := strings.TrimPrefix(sortKey, "-")
		col, desc = sortColumns[name], strings.HasPrefix(sortKey, "-")
		if col == "u.username" {
			col = usernameCol
		}
	}
	// Display names sort and compare in the form their index holds.
	sortExpr := col
	if col == "u.display_name" {
		sortExpr = s.caseless(col)
	}
	back := cur != nil && cur.back
	if cur != nil {
		op := ">"
		if desc != back {
			op = "<"
		}
		switch {
		case col == "u.id" || col == "f.rowid":
			q.add(col+" "+op+" ?", cur.id)
		case col == "u.created_at":
			v, err := strconv.ParseInt(cur.value, 10, 64)
			if err != nil {
				return UserList{}, fmt.Errorf("store: %w", ErrBadCursor)
			}
			q.add("("+col+", u.id) "+op+" (?, ?)", v, cur.id)
		case col == usernameCol:
			// Usernames are unique: no tie-break, so indexes that carry more
			// columns after the username still give the order for free.
			q.add(col+" "+op+" ?", cur.value)
		default: // the display name
			q.add("("+sortExpr+", u.id) "+op+" ("+s.caselessArg()+", ?)", cur.value, cur.id)
		}
	}
	dir := "ASC"
	if desc != back {
		dir = "DESC"
	}
	order := sortExpr + " " + dir
	if col != "u.id" && col != "f.rowid" && col != usernameCol {
		order += ", u.id " + dir
	}
	// A driven page sorts only ids and sort keys (often straight from an
	// index), then reads the page's rows: sorting thousands of whole rows
	// costs more.
	// A walk reads only what a users' file needs.
	var rowCols string
	var sc *userScanner
	switch {
	case walk:
		rowCols, sc = fileUserColumns, newUserScanner(true)
	case read == readKeys:
		byName, byDisplayName := col == usernameCol, col == "u.display_name"
		rowCols, sc = s.keyColumns(byName, byDisplayName), newKeyScanner(byName, byDisplayName)
	default:
		rowCols, sc = userColumns, newUserScanner(false)
		if f.WithGroups {
			rowCols += ", " + groupIDsColumn
			sc.dests = append(sc.dests, &sc.row.groupIDs)
		}
	}
	cols := rowCols
	if driven {
		cols = `u.id`
	}
	offset := 0
	if cur == nil {
		offset = f.Page.offset()
	}
	var groupIDs []string // of each of out.Items, with WithGroups
	var more, listed bool
	if matches != nil && sortKey != matchOrder {
		var ids []int64
		if ids, more, listed = matches.page(cur, desc, offset, limit); listed {
			if out.Items, groupIDs, err = s.readListed(ctx, tenant, ids, rowCols, sc); err != nil {
				return UserList{}, err
			}
		}
	}
	if !listed {
		query := `SELECT ` + cols + ` FROM ` + q.from + ` WHERE ` + strings.Join(q.where, " AND ") +
			` ORDER BY ` + order + ` LIMIT ?`
		if cur == nil {
			query += ` OFFSET ?`
		}
		if driven {
			query = `SELECT ` + rowCols + ` FROM users u WHERE u.id IN (` + query + `) ORDER BY ` + order
		}
		args := append(q.args, limit+1)
		if cur == nil {
			args = append(args, offset)
		}
		if s.onListQuery != nil {
			s.onListQuery(query, args)
		}
		if out.Items, groupIDs, err = s.scanUsers(ctx, query, args, sc, limit+1); err != nil {
			return UserList{}, err
		}
		more = len(out.Items) > limit
		if more {
			out.Items, groupIDs = out.Items[:limit], groupIDs[:limit]
		}
	}
	if f.WithGroups && read == readUsers {
		if out.Groups, err = s.listedGroups(ctx, tenant, out.Items, groupIDs); err != nil {
			return UserList{}, err
		}
	}
	if !walk && !counted {
		if cur == nil && offset == 0 && !more {
			out.Total = len(out.Items)
		} else if out.Total, out.TotalCapped, err = s.countUsers(ctx, tenant, f, sets, countQ, capAt); err != nil {
			return UserList{}, err
		}
	}
	if back {
		slices.Reverse(out.Items)
	}
	if len(out.Items) == 0 {
		return out, nil
	}
	mk := func(u User, back bool) string {
		c := userCursor{sort: sortKey, back: back, id: u.ID}
		switch col {
		case usernameCol:
			c.value = u.Username
		case "u.display_name":
			c.value = u.DisplayName
		case "u.created_at":
			c.value = strconv.FormatInt(u.CreatedAt.UnixMilli(), 10)
		}
		return c.encode()
	}
	// Going forward there is a next page when a row beyond the page came
	// back, and a previous one whenever we started from a cursor or offset;
	// going back, the other way round.
	if (!back && more) || back {
		out.Next = mk(out.Items[len(out.Items)-1], false)
	}
	if (back && more) || (!back && (cur != nil || offset > 0)) {
		out.Prev = mk(out.Items[0], true)
	}
	if read != readUsers {
		// A walk's page decodes each user's properties as it writes them
		// (UserPage.Row): decoded a page at a time, they were most of what
		// an export held. Keys have none.
		return out, nil
	}
	return out, s.decodeProperties(ctx, tenant, out.Items)
}
