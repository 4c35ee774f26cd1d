package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// userField is one column of a user's row: its SQL, where a scan puts it,
// and whether a users' file needs it (an export reads only those: each
// column read costs the driver a call, and an export reads millions).
type userField struct {
	sql  string
	file bool
	dest func(*scannedUser) any
}

// scannedUser is a row being scanned: the user, and the columns that
// need converting before they are the user's.
type scannedUser struct {
	u                                                                            User
	lockedAt, lockUntil, lockAt, accExp, pwExp, pwChanged, registered, lastLogin sql.NullInt64
	created, updated                                                             int64
	actions, tags                                                                string
	groupIDs                                                                     sql.NullString // groupIDsColumn, when selected
	version                                                                      int64          // with keyColumns or versionColumn
}

// userFields are a user's columns. A users' file's columns, and what a
// walk's keyset needs (the id and every sort key), are marked file.
var userFields = []userField{
	{"u.id", true, func(r *scannedUser) any { return &r.u.ID }},
	{"u.tenant_id", true, func(r *scannedUser) any { return &r.u.TenantID }},
	{"u.username", true, func(r *scannedUser) any { return &r.u.Username }},
	{"u.display_name", true, func(r *scannedUser) any { return &r.u.DisplayName }},
	{"u.description", true, func(r *scannedUser) any { return &r.u.Description }},
	{"u.email", true, func(r *scannedUser) any { return &r.u.Email }},
	{"u.email_verified", true, func(r *scannedUser) any { return &r.u.EmailVerified }},
	{"u.phone_region", true, func(r *scannedUser) any { return &r.u.PhoneRegion }},
	{"u.phone_number", true, func(r *scannedUser) any { return &r.u.PhoneNumber }},
	{"u.phone_verified", true, func(r *scannedUser) any { return &r.u.PhoneVerified }},
	{"u.status", true, func(r *scannedUser) any { return &r.u.Status }},
	{"u.locked_at", false, func(r *scannedUser) any { return &r.lockedAt }},
	{"u.lock_until", false, func(r *scannedUser) any { return &r.lockUntil }},
	{"coalesce(u.lock_reason, '')", false, func(r *scannedUser) any { return &r.u.LockReason }},
	{"u.account_expires_at", true, func(r *scannedUser) any { return &r.accExp }},
	{"u.password_expires_at", false, func(r *scannedUser) any { return &r.pwExp }},
	{"u.password_hash IS NOT NULL", false, func(r *scannedUser) any { return &r.u.PasswordSet }},
	{"u.password_changed_at", false, func(r *scannedUser) any { return &r.pwChanged }},
	{"u.required_actions", true, func(r *scannedUser) any { return &r.actions }},
	{"u.user_type", true, func(r *scannedUser) any { return &r.u.UserType }},
	{"u.source_type", false, func(r *scannedUser) any { return &r.u.SourceType }},
	{"u.source_id", false, func(r *scannedUser) any { return &r.u.SourceID }},
	{"coalesce(u.external_id, '')", true, func(r *scannedUser) any { return &r.u.ExternalID }},
	{"u.language", true, func(r *scannedUser) any { return &r.u.Language }},
	{"u.timezone", true, func(r *scannedUser) any { return &r.u.Timezone }},
	{"u.tags", true, func(r *scannedUser) any { return &r.tags }},
	{"u.org_unit_id", true, func(r *scannedUser) any { return &r.u.OrgUnitID }},
	{"u.registered_at", false, func(r *scannedUser) any { return &r.registered }},
	{"u.created_at", true, func(r *scannedUser) any { return &r.created }},
	{"u.updated_at", false, func(r *scannedUser) any { return &r.updated }},
	{"u.last_login_at", false, func(r *scannedUser) any { return &r.lastLogin }},
	{"u.property_values", true, func(r *scannedUser) any { return &r.u.propertyValues }},
	{"u.lock_at", true, func(r *scannedUser) any { return &r.lockAt }},
	{"u.owner_type", false, func(r *scannedUser) any { return &r.u.OwnerType }},
	{"coalesce(u.manager_id, 0)", false, func(r *scannedUser) any { return &r.u.ManagerID }},
}

// userColumns selects a whole user (scanUser reads it); fileUserColumns
// only what a users' file needs (a fileUserScanner reads it).
var userColumns, fileUserColumns = columnsOf(false), columnsOf(true)

func columnsOf(file bool) string {
	var cols []string
	for _, f := range userFields {
		if f.file || !file {
			cols = append(cols, f.sql)
		}
	}
	return strings.Join(cols, ", ")
}

// keyColumns are what a cached list reads of each user: the id and
// version, the creation time (with the id, which user it is: SQLite may
// give a deleted user's id again, and it is the sort key of created_at),
// and the username or display name when the page is sorted by it (its
// cursors hold the sort key). Each column read is a call into the driver.
func (s *Store) keyColumns(username, displayName bool) string {
	cols := "u.id, u.created_at, " + s.versionColumn()
	if username {
		cols += ", u.username"
	}
	if displayName {
		cols += ", u.display_name"
	}
	return cols
}

// versionColumn is a user's version, which every change of the row
// changes. On PostgreSQL it is xmin, the transaction that wrote the row's
// current version: every UPDATE writes a new version of the row, so it
// costs the writes nothing (a trigger setting a column cost an UPDATE
// about 5 µs more a row, half again a bare UPDATE's time); only its
// repeating after 2^32 transactions could match an old value, and the
// cache has long dropped a value that old by then. SQLite has no such
// thing: a trigger raises the version column (migration 00029).
func (s *Store) versionColumn() string {
	if s.pg {
		return "CAST(CAST(u.xmin AS text) AS bigint)"
	}
	return "u.version"
}

// userScanner scans rows of its columns, one after another, into the same
// destinations.
type userScanner struct {
	row   scannedUser
	dests []any
	file  bool
	keys  bool
}

// newKeyScanner scans rows of keyColumns(username, displayName).
func newKeyScanner(username, displayName bool) *userScanner {
	sc := &userScanner{keys: true}
	r := &sc.row
	sc.dests = []any{&r.u.ID, &r.created, &r.version}
	if username {
		sc.dests = append(sc.dests, &r.u.Username)
	}
	if displayName {
		sc.dests = append(sc.dests, &r.u.DisplayName)
	}
	return sc
}

func newUserScanner(file bool) *userScanner {
	sc := &userScanner{file: file}
	for _, f := range userFields {
		if f.file || !file {
			sc.dests = append(sc.dests, f.dest(&sc.row))
		}
	}
	return sc
}

// scanUser reads a row of userColumns.
func scanUser(sc rowScanner) (User, error) {
	return newUserScanner(false).scan(sc)
}

// scan reads a row. The fields of the columns it does not select mean
// nothing (zero, nil or the epoch).
func (s *userScanner) scan(sc rowScanner) (User, error) {
	s.row = scannedUser{}
	if err := sc.Scan(s.dests...); err != nil {
		return User{}, err
	}
	r := &s.row
	u := r.u
	u.version = r.version
	if s.keys {
		u.CreatedAt = fromMillis(r.created)
		return u, nil
	}
	u.LockedAt, u.LockUntil, u.LockAt = fromNullMillis(r.lockedAt), fromNullMillis(r.lockUntil), fromNullMillis(r.lockAt)
	u.AccountExpiresAt, u.PasswordExpiresAt = fromNullMillis(r.accExp), fromNullMillis(r.pwExp)
	u.PasswordChangedAt, u.RegisteredAt, u.LastLoginAt = fromNullMillis(r.pwChanged), fromNullMillis(r.registered), fromNullMillis(r.lastLogin)
	u.CreatedAt, u.UpdatedAt = fromMillis(r.created), fromMillis(r.updated)
	u.RequiredActions = []string{}
	if r.actions != "" {
		u.RequiredActions = strings.Split(r.actions, ",")
	}
	// Most users have no tags: no need to parse what says so, nor, for a
	// users' file (which reads no tag from a nil map), to make a map a
	// user to say so.
	if r.tags == "{}" {
		if !s.file {
			u.Tags = map[string]string{}
		}
	} else {
		// Into a map of its own: &u.Tags would move every user read to the
		// heap.
		var tags map[string]string
		if err := json.Unmarshal([]byte(r.tags), &tags); err != nil {
			return User{}, fmt.Errorf("tags of user %d: %w", u.ID, err)
		}
		u.Tags = tags
	}
	return u, nil
}

// scanUsers reads the users of query with sc, with each the group ids it
// read (WithGroups; "" otherwise); n is about how many it reads.
func (s *Store) scanUsers(ctx context.Context, query string, args []any, sc *userScanner, n int) ([]User, []string, error) {
	rows, err := s.rd.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	items, groupIDs := make([]User, 0, n), make([]string, 0, n)
	for rows.Next() {
		u, err := sc.scan(rows)
		if err != nil {
			return nil, nil, fmt.Errorf("store: list users: %w", err)
		}
		items, groupIDs = append(items, u), append(groupIDs, sc.row.groupIDs.String)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: list users: %w", err)
	}
	return items, groupIDs, nil
}
