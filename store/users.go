package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // IANA names validate the same on hosts without a zoneinfo database
)

// User statuses.
const (
	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"
	StatusPending  = "pending" // created without a password
)

// Lock reasons.
const (
	LockAdmin        = "admin"
	LockFailedLogins = "failed_logins"
)

// Owner types: who receives a user's invitation and password-reset emails.
const (
	OwnerUser    = "user"    // the user, at their own address
	OwnerManager = "manager" // the administrator who created them
)

// RequiredActions are what a user must do at their next sign-in.
var RequiredActions = []string{"update_password", "update_profile", "verify_email"}

// PrefixUser and PrefixOrgUnit are the public id prefixes of users and units.
const (
	PrefixUser    = "u"
	PrefixOrgUnit = "ou"
)

// MaxBatch is the most items one batch call takes.
const MaxBatch = 500

// User is a directory user. PasswordSet says whether a password exists; the
// hash never leaves the store.
type User struct {
	ID                int64
	TenantID          int64
	Username          string
	DisplayName       string
	Description       string
	Email             string
	EmailVerified     bool
	PhoneRegion       string
	PhoneNumber       string
	PhoneVerified     bool
	Status            string
	LockedAt          *time.Time
	LockUntil         *time.Time
	LockReason        string
	AccountExpiresAt  *time.Time
	PasswordExpiresAt *time.Time
	PasswordSet       bool
	PasswordChangedAt *time.Time
	RequiredActions   []string
	UserType          string
	SourceType        string
	SourceID          string
	ExternalID        string
	Language          string
	Timezone          string
	Tags              map[string]string
	OrgUnitID         int64
	RegisteredAt      *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	LastLoginAt       *time.Time
	// LockAt is a scheduled lock: from then on the user is locked, until
	// unlocked (which clears or moves it).
	LockAt *time.Time
	// OwnerType is OwnerUser or OwnerManager; ManagerID is the managing
	// administrator (0 for none).
	OwnerType string
	ManagerID int64
	// Properties are the user's custom property values by key, decoded
	// from the row's copy: filled by GetUser, ListUsers, CreateUser,
	// UpdateUser and SetRequiredActions (what the directory's readers and
	// the API need), nil from the end users' account methods.
	Properties map[string]PropertyValue
	// propertyValues is the row's copy of the user's property values
	// (migration 00005), which Properties is decoded from.
	propertyValues string
	// version is the row's version (Store.versionColumn), read only by
	// the cached lists (ListUsersCached).
	version int64
}

// PublicID is the user's id as shown in URLs and the API.
func (u User) PublicID() string { return PublicID(PrefixUser, u.ID) }

// Locked reports whether the user is locked at t: a lock whose until has
// passed has ended, and a scheduled lock whose time has come holds, with
// no job needed to lift or set either.
func (u User) Locked(t time.Time) bool {
	return u.LockedAt != nil && (u.LockUntil == nil || u.LockUntil.After(t)) || u.LockAt != nil && !u.LockAt.After(t)
}

// sqlLocked is User.Locked on a users row u, both arguments the time
// asked about. Its first term is the WHERE of the partial index
// users_locked, written out so both engines' planners read that index.
const sqlLocked = `(u.locked_at IS NOT NULL OR u.lock_at IS NOT NULL)
	AND (u.locked_at IS NOT NULL AND (u.lock_until IS NULL OR u.lock_until > ?) OR u.lock_at <= ?)`

// sqlNotLocked is the negation of sqlLocked, with the same arguments.
const sqlNotLocked = `(u.locked_at IS NULL OR u.lock_until <= ?) AND (u.lock_at IS NULL OR u.lock_at > ?)`

// checkLockAt returns why t cannot be a scheduled lock at now, or "".
func checkLockAt(t *time.Time, now time.Time) string {
	if t != nil && !t.After(now) {
		return "The automatic lock must be in the future."
	}
	return ""
}

// NewUser is the input for creating a user. Empty optional fields take their
// defaults: status enabled with a password or an external source, pending
// otherwise; the tenant's language; the root org unit.
type NewUser struct {
	Username          string
	DisplayName       string
	Description       string
	Email             string
	EmailVerified     bool
	PhoneRegion       string
	PhoneNumber       string
	Password          string
	Status            string
	AccountExpiresAt  *time.Time
	PasswordExpiresAt *time.Time
	RequiredActions   []string
	UserType          string
	SourceType        string
	SourceID          string
	ExternalID        string
	Language          string
	Timezone          string
	Tags              map[string]string
	OrgUnitID         int64
	// LockAt schedules a lock: it must be in the future.
	LockAt *time.Time
	// OwnerType is OwnerUser (when empty) or OwnerManager: the manager is
	// the administrator behind the context's actor (signed in, or who
	// created the API key or AccessKey pair), who needs an email address.
	OwnerType string
	// Groups are ids of the tenant's groups the user joins at creation.
	Groups []int64
	// Properties are values of the tenant's custom properties by key, as
	// SetUserProperties takes them; a key whose values are blank is left
	// unset. When not nil, every required property needs a value. A
	// refused or missing value is reported under PropertyField(key).
	Properties map[string][]string
	// Invite emails a pending user (no password) a link to set one.
	Invite bool
}

// UserUpdate changes the fields that are not nil. A pointer to a zero time
// clears an expiry date; an empty ExternalID clears it.
type UserUpdate struct {
	Username          *string
	DisplayName       *string
	Description       *string
	Email             *string
	EmailVerified     *bool
	PhoneRegion       *string
	PhoneNumber       *string
	PhoneVerified     *bool
	AccountExpiresAt  **time.Time
	PasswordExpiresAt **time.Time
	RequiredActions   *[]string
	UserType          *string
	SourceType        *string
	SourceID          *string
	ExternalID        *string
	Language          *string
	Timezone          *string
	Tags              *map[string]string
	OrgUnitID         *int64
	// LockAt schedules a lock (in the future), or clears it (nil).
	LockAt **time.Time
	// OwnerType changes who receives the user's notices: OwnerManager
	// makes the administrator behind the context's actor their manager,
	// as at creation.
	OwnerType *string
}

// BatchResult is the per-item outcome of a batch call.
type BatchResult struct {
	Succeeded []BatchOK
	Failed    []BatchFailure
}

// BatchOK is one applied item.
type BatchOK struct {
	Index int
	ID    string
	Key   string
}

// BatchFailure is one refused item: Code is a short word (invalid,
// conflict, duplicate, not_found), Message says why, Field names the input
// field when one is at fault.
type BatchFailure struct {
	Index   int
	Key     string
	Code    string
	Message string
	Field   string
}

// duplicateError is a batch item repeating an earlier item's key.
type duplicateError struct{ fe FieldErrors }

func (e duplicateError) Error() string { return e.fe.Error() }

func (e duplicateError) Unwrap() error { return e.fe }

func (r *BatchResult) fail(i int, key string, err error) {
	f := BatchFailure{Index: i, Key: key, Code: "invalid"}
	var fe FieldErrors
	switch {
	case errors.As(err, &fe):
		f.Field, f.Message = fe.First()
		if errors.Is(err, ErrConflict) {
			f.Code = "conflict"
		}
		if errors.As(err, new(duplicateError)) {
			f.Code = "duplicate"
		}
	case errors.Is(err, ErrNotFound):
		f.Code, f.Message = "not_found", "No such "+kindOf(key)+" in this tenant."
	default:
		f.Code, f.Message = "error", "Could not be applied."
	}
	r.Failed = append(r.Failed, f)
}

// CreateUser creates one user with their groups and property values, all
// or nothing. Returns FieldErrors for invalid input, a taken username or
// external id, a group that is not the tenant's ("group_ids") or a refused
// property value (PropertyField(key)).
func (s *Store) CreateUser(ctx context.Context, tenant int64, n NewUser) (User, error) {
	res, users, err := s.createUsers(ctx, tenant, []NewUser{n})
	if err != nil {
		return User{}, err
	}
	if len(res.Failed) > 0 {
		return User{}, users[0].err
	}
	if len(users[0].initial.values) > 0 {
		// The row's copy of its property values is written by triggers.
		return s.GetUser(ctx, tenant, users[0].user.ID)
	}
	return s.withProperties(ctx, users[0].user)
}

// CreateUsers creates up to MaxBatch users in one transaction: every valid
// item is created, every invalid one is reported and leaves nothing behind.
func (s *Store) CreateUsers(ctx context.Context, tenant int64, items []NewUser) (BatchResult, error) {
	if len(items) > MaxBatch {
		return BatchResult{}, FieldErrors{"users": fmt.Sprintf("A batch takes at most %d users; this one has %d.", MaxBatch, len(items))}
	}
	res, _, err := s.createUsers(ctx, tenant, items)
	return res, err
}

type created struct {
	user    User
	initial initial
	err     error
}

func (s *Store) createUsers(ctx context.Context, tenant int64, items []NewUser) (BatchResult, []created, error) {
	b, err := s.prepareNewUsers(ctx, tenant, items)
	if err != nil {
		return BatchResult{}, nil, err
	}
	var res BatchResult
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err = s.writeNewUsers(ctx, tx, b)
		return err
	})
	return res, b.out, err
}

// newUsers is a batch of users to create, validated (out's err says what
// refuses an item) and with their passwords hashed.
type newUsers struct {
	t      Tenant
	items  []NewUser
	out    []created
	hashes []string
	// refused are the items' errors before any transaction, which may be
	// tried again.
	refused []error
}

// prepareNewUsers checks and hashes a batch of new users outside any
// transaction: bcrypt is the slow part and must not hold the write lock.
// What depends on other rows (a taken username, a group removed since)
// is checked again by writeNewUsers.
func (s *Store) prepareNewUsers(ctx context.Context, tenant int64, items []NewUser) (*newUsers, error) {
	t, err := s.GetTenant(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var root int64
	if err := s.rd.QueryRowContext(ctx, `SELECT id FROM org_units WHERE tenant_id = ? AND parent_id IS NULL`, tenant).Scan(&root); err != nil {
		return nil, fmt.Errorf("store: root org unit: %w", err)
	}
	policy, err := s.GetPasswordPolicy(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var mgr manager
	if slices.ContainsFunc(items, func(n NewUser) bool { return n.OwnerType == OwnerManager }) {
		if mgr, err = s.managerOf(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]created, len(items))
	hashes := make([]string, len(items))
	seen := map[string]int{}
	for i, n := range items {
		u := n.candidate(t, root)
		u.normalize()
		fe := u.validate()
		if n.Password != "" {
			if msg := policy.Check(n.Password, u.Username, u.Email); msg != "" {
				fe["password"] = msg
			}
		}
		if n.hasInitial() {
			ini, ife, err := checkInitial(ctx, s.rd, tenant, n)
			if err != nil {
				return nil, err
			}
			maps.Copy(fe, ife)
			out[i].initial = ini
		}
		if msg := checkLockAt(n.LockAt, s.now()); msg != "" {
			fe["auto_lock_at"] = msg
		}
		if u.OwnerType == OwnerManager {
			if msg := mgr.check(); msg != "" {
				fe["owner_type"] = msg
			}
			u.ManagerID = mgr.id
		}
		if n.Invite && n.Password != "" {
			fe["invite"] = "A user given a password needs no invitation."
		} else if n.Invite && u.Email == "" && u.OwnerType != OwnerManager {
			fe["email"] = "An invitation needs an email address."
		}
		out[i].user = u
		if j, dup := seen[u.Username]; dup && fe["username"] == "" {
			out[i].err = duplicateError{FieldErrors{"username": fmt.Sprintf(
				"Username %s appears earlier in this batch (item %d).", u.Username, j)}}
			continue
		}
		seen[u.Username] = i
		if len(fe) > 0 {
			out[i].err = fe
			continue
		}
		if n.Password != "" {
			if hashes[i], err = s.hashPassword(n.Password); err != nil {
				return nil, err
			}
		}
	}
	refused := make([]error, len(out))
	for i := range out {
		refused[i] = out[i].err
	}
	return &newUsers{t: t, items: items, out: out, hashes: hashes, refused: refused}, nil
}

// writeNewUsers creates a prepared batch's valid users inside tx, each
// with its audit event; an item refused now (its username taken meanwhile)
// is a failed item and leaves nothing behind.
func (s *Store) writeNewUsers(ctx context.Context, tx *sql.Tx, b *newUsers) (BatchResult, error) {
	t, items, out, hashes := b.t, b.items, b.out, b.hashes
	var res BatchResult
	var err error
	for i := range out {
		out[i].err = b.refused[i]
	}
	for i := range out {
		if out[i].err == nil && items[i].hasInitial() {
			// Checked again in the transaction: a group or property
			// removed since is refused before anything is written.
			var fe FieldErrors
			if out[i].initial, fe, err = checkInitial(ctx, s.in(tx), t.ID, items[i]); err != nil {
				return res, err
			}
			if len(fe) > 0 {
				out[i].err = fe
			}
		}
	}
	if err := s.createUsersBatch(ctx, tx, t, items, out, hashes); err != nil {
		return res, err
	}
	for i := range out {
		if out[i].err != nil {
			res.fail(i, out[i].user.Username, out[i].err)
		} else {
			res.Succeeded = append(res.Succeeded, BatchOK{Index: i, ID: out[i].user.PublicID(), Key: out[i].user.Username})
		}
	}
	return res, nil
}

// uniqueUserError names the field behind a user uniqueness violation.
func uniqueUserError(err error) error {
	if strings.Contains(err.Error(), "external") { // SQLite names the column, PostgreSQL the index users_external
		return conflict("external_id", "This external id is already used by another user of the same source.")
	}
	return conflict("username", "A user with this username already exists.")
}

func nullIfEmpty(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// kindOf names the kind of object a public id (or anything else) refers to,
// for batch failure messages.
func kindOf(id string) string {
	prefix, _, _ := strings.Cut(id, "_")
	switch prefix {
	case PrefixGroup:
		return "group"
	case PrefixOrgUnit:
		return "org unit"
	case PrefixResourceGroup:
		return "resource group"
	}
	return "user"
}

// sqlOrgUnitExists is prepared once (see writeStatements).
const sqlOrgUnitExists = `SELECT 1 FROM org_units WHERE tenant_id = ? AND id = ?`

// writeStatements are the statements run in write transactions often
// enough to keep prepared: the loader checks the org units it meets, and
// every change writes an audit event.
var writeStatements = []string{sqlOrgUnitExists, sqlInsertAudit}

// UserIDsByUsername returns the public ids of the tenant's users named,
// by username as given; names no user has are left out. Protocols that
// key users by username (eds-user's EndUserId) reach the store's batch
// methods, which take ids, through it.
func (s *Store) UserIDsByUsername(ctx context.Context, tenant int64, names []string) (map[string]string, error) {
	out := map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	if len(names) > MaxBatch {
		return nil, FieldErrors{"usernames": fmt.Sprintf("At most %d usernames.", MaxBatch)}
	}
	marks, args := usernameList(names)
	rows, err := s.rd.QueryContext(ctx, `SELECT id, username FROM users WHERE tenant_id = ? AND username IN (`+marks+`)`,
		append([]any{tenant}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: users by username: %w", err)
	}
	defer rows.Close()
	found := map[string]int64{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("store: users by username: %w", err)
		}
		found[name] = id
	}
	for _, n := range names {
		if id, ok := found[strings.ToLower(strings.TrimSpace(n))]; ok {
			out[n] = PublicID(PrefixUser, id)
		}
	}
	return out, rows.Err()
}
