package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is an administrator's or API key's power in a tenant.
type Role string

// Roles: owners do everything, admins change the directory, viewers read.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleViewer Role = "viewer"
)

// ParseRole returns the role named s; ok is false for anything else.
func ParseRole(s string) (Role, bool) {
	switch r := Role(s); r {
	case RoleOwner, RoleAdmin, RoleViewer:
		return r, true
	}
	return "", false
}

// CanWrite reports whether the role may change the directory.
func (r Role) CanWrite() bool { return r == RoleOwner || r == RoleAdmin }

// Admin is a console account, separate from directory users.
type Admin struct {
	ID          int64
	Username    string
	DisplayName string
	Email       string
	IsSystem    bool // may create tenants
	CreatedAt   time.Time
	LastLoginAt *time.Time
	// LockedUntil is when a lock for failed sign-ins ends; nil or past when
	// the account is not locked.
	LockedUntil *time.Time
	// PasswordChangedAt (unix milliseconds, 0 before the first change) is
	// remembered by each console session: a newer password ends it.
	PasswordChangedAt int64
}

// Locked reports whether the administrator is locked out at t.
func (a Admin) Locked(t time.Time) bool { return a.LockedUntil != nil && a.LockedUntil.After(t) }

// PublicID is the administrator's id as shown in the API.
func (a Admin) PublicID() string { return PublicID(PrefixAdmin, a.ID) }

// Membership is one tenant an administrator belongs to.
type Membership struct {
	Tenant Tenant
	Role   Role
}

// Member is an administrator as seen from one tenant.
type Member struct {
	Admin
	Role     Role
	JoinedAt time.Time
}

// NewAdmin is the input for creating an administrator.
type NewAdmin struct {
	Username    string
	DisplayName string
	Email       string
	Password    string
	IsSystem    bool
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{2,63}$`)

// CheckUsername returns why name is not a valid username, or "". Usernames
// are compared case-insensitively, so callers lower-case them first.
func CheckUsername(name string) string {
	if !usernamePattern.MatchString(name) {
		return "Username must be 3 to 64 characters of a-z, 0-9, '.', '_', '@' and '-', starting with a letter or digit."
	}
	return ""
}

// CheckEmail returns why addr is not a plain email address, or "".
func CheckEmail(addr string) string {
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || len(addr) > 254 {
		return "Enter an email address like name@example.com."
	}
	return ""
}

func (n *NewAdmin) normalize() {
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	n.Email = strings.TrimSpace(n.Email)
}

func (n *NewAdmin) validate() FieldErrors {
	fe := FieldErrors{}
	if msg := CheckUsername(n.Username); msg != "" {
		fe["username"] = msg
	}
	if utf8.RuneCountInString(n.DisplayName) > 128 {
		fe["display_name"] = "Display name must be at most 128 characters."
	}
	if n.Email != "" {
		if msg := CheckEmail(n.Email); msg != "" {
			fe["email"] = msg
		}
	}
	if msg := CheckAdminPassword(n.Password); msg != "" {
		fe["password"] = msg
	}
	return fe
}

const adminColumns = `a.id, a.username, a.display_name, a.email, a.is_system, a.created_at, a.last_login_at,
	a.locked_until, a.password_changed_at`

func scanAdmin(sc interface{ Scan(...any) error }, extra ...any) (Admin, error) {
	var a Admin
	var created int64
	var last, locked sql.NullInt64
	dest := append([]any{&a.ID, &a.Username, &a.DisplayName, &a.Email, &a.IsSystem, &created, &last,
		&locked, &a.PasswordChangedAt}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return Admin{}, err
	}
	a.CreatedAt = fromMillis(created)
	a.LastLoginAt = fromNullMillis(last)
	a.LockedUntil = fromNullMillis(locked)
	return a, nil
}

// Bootstrap prepares an empty database: the default tenant (alias "default")
// and a first owner "admin" with password pw. It does nothing and returns
// false when any administrator exists.
func (s *Store) Bootstrap(ctx context.Context, pw string) (created bool, err error) {
	// Every start but the first ends here, without paying for a hash.
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM administrators`).Scan(&n); err != nil || n > 0 {
		return false, err
	}
	hash, err := s.hashPassword(pw)
	if err != nil {
		return false, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// Replicas starting together: one creates the first owner.
		if err := s.serialize(ctx, tx, "bootstrap", 0); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM administrators`).Scan(&n); err != nil {
			return fmt.Errorf("store: bootstrap: %w", err)
		}
		if n > 0 {
			return nil
		}
		t, err := s.scanTenant(tx.QueryRowContext(ctx,
			`SELECT id, name, alias, default_language, created_at FROM tenants WHERE alias = 'default'`))
		if errors.Is(err, ErrNotFound) {
			t, err = s.createTenant(ctx, tx, "Default", "default")
		}
		if err != nil {
			return err
		}
		if _, err := s.insertAdmin(ctx, tx, t.ID, NewAdmin{Username: "admin", DisplayName: "Administrator",
			IsSystem: true}, hash, RoleOwner); err != nil {
			return err
		}
		created = true
		return nil
	})
	return created, err
}

// CreateAdmin creates an administrator who is a member of tenant with role.
// Returns FieldErrors for bad input or a taken username.
func (s *Store) CreateAdmin(ctx context.Context, tenant int64, n NewAdmin, role Role) (Admin, error) {
	n.normalize()
	if fe := n.validate(); len(fe) > 0 {
		return Admin{}, fe
	}
	hash, err := s.hashPassword(n.Password)
	if err != nil {
		return Admin{}, err
	}
	var a Admin
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = s.insertAdmin(ctx, tx, tenant, n, hash, role)
		return err
	})
	return a, err
}

func (s *Store) insertAdmin(ctx context.Context, tx *sql.Tx, tenant int64, n NewAdmin, hash string, role Role) (Admin, error) {
	now := s.nowMillis()
	a := Admin{Username: n.Username, DisplayName: n.DisplayName, Email: n.Email, IsSystem: n.IsSystem, CreatedAt: fromMillis(now)}
	err := tx.QueryRowContext(ctx, `
		INSERT INTO administrators (username, display_name, email, password_hash, is_system, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		n.Username, n.DisplayName, n.Email, hash, n.IsSystem, now).Scan(&a.ID)
	if isUniqueViolation(err) {
		return Admin{}, conflict("username", "An administrator with this username already exists.")
	}
	if err != nil {
		return Admin{}, fmt.Errorf("store: create administrator: %w", err)
	}
	if err := s.addMember(ctx, tx, tenant, a, role); err != nil {
		return Admin{}, err
	}
	return a, s.audit(ctx, tx, tenant, "admin.create", "admin", a.PublicID(), Changes{
		"username": {After: a.Username}, "display_name": {After: a.DisplayName}, "email": {After: a.Email},
	})
}

func (s *Store) addMember(ctx context.Context, tx *sql.Tx, tenant int64, a Admin, role Role) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO tenant_members (tenant_id, admin_id, role, created_at) VALUES (?, ?, ?, ?)`,
		tenant, a.ID, role, s.nowMillis())
	if isUniqueViolation(err) {
		return conflict("username", "This administrator is already a member of this tenant.")
	}
	if err != nil {
		return fmt.Errorf("store: add member: %w", err)
	}
	return s.audit(ctx, tx, tenant, "admin.add", "admin", a.PublicID(),
		Changes{"username": {After: a.Username}, "role": {After: role}})
}

// AddMember makes an existing administrator, found by username, a member of
// tenant. Returns FieldErrors when there is no such administrator or they
// are a member already.
func (s *Store) AddMember(ctx context.Context, tenant int64, username string, role Role) (Admin, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	var a Admin
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = scanAdmin(tx.QueryRowContext(ctx,
			`SELECT `+adminColumns+` FROM administrators a WHERE a.username = ?`, username))
		if errors.Is(err, sql.ErrNoRows) {
			return FieldErrors{"username": NoSuchAdmin}
		}
		if err != nil {
			return fmt.Errorf("store: add member: %w", err)
		}
		return s.addMember(ctx, tx, tenant, a, role)
	})
	return a, err
}

// GetAdmin returns an administrator by id, or ErrNotFound.
func (s *Store) GetAdmin(ctx context.Context, id int64) (Admin, error) {
	return getAdmin(ctx, s.rd, id)
}

// rowQuerier is what *sql.DB and *sql.Tx share, so one lookup serves reads
// on the pool and reads inside a write transaction.
type querier interface {
	rowQuerier
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getAdmin(ctx context.Context, q rowQuerier, id int64) (Admin, error) {
	a, err := scanAdmin(q.QueryRowContext(ctx, `SELECT `+adminColumns+` FROM administrators a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Admin{}, fmt.Errorf("store: administrator: %w", ErrNotFound)
	}
	if err != nil {
		return Admin{}, fmt.Errorf("store: administrator: %w", err)
	}
	return a, nil
}

// Memberships returns the tenants an administrator belongs to, by name.
func (s *Store) Memberships(ctx context.Context, admin int64) ([]Membership, error) {
	rows, err := s.rd.QueryContext(ctx, `
		SELECT t.id, t.name, t.alias, t.default_language, t.created_at, m.role
		FROM tenant_members m JOIN tenants t ON t.id = m.tenant_id
		WHERE m.admin_id = ? ORDER BY t.name, t.id`, admin)
	if err != nil {
		return nil, fmt.Errorf("store: memberships: %w", err)
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		var m Membership
		var created int64
		if err := rows.Scan(&m.Tenant.ID, &m.Tenant.Name, &m.Tenant.Alias, &m.Tenant.DefaultLanguage, &created, &m.Role); err != nil {
			return nil, fmt.Errorf("store: memberships: %w", err)
		}
		m.Tenant.CreatedAt = fromMillis(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// AdminMemberships returns an administrator with their tenants (as
// Memberships does) in one query: every console request checks both, and
// on PostgreSQL each query is a round trip. ErrNotFound when no such
// administrator exists. What it read is kept in the read cache: a change
// made through this store shows at once, one made by another replica
// (an administrator removed, a password changed, which ends their
// sessions) within a second, as an access key's revocation does.
func (s *Store) AdminMemberships(ctx context.Context, id int64) (Admin, []Membership, error) {
	am, err := cachedRead(ctx, s, fmt.Sprintf("admin\x00%d", id), func(ctx context.Context) (adminMemberships, error) {
		a, ms, err := s.adminMemberships(ctx, id)
		return adminMemberships{a, ms}, err
	})
	return am.admin, am.ms, err
}

type adminMemberships struct {
	admin Admin
	ms    []Membership
}

func (s *Store) adminMemberships(ctx context.Context, id int64) (Admin, []Membership, error) {
	rows, err := s.rd.QueryContext(ctx, `
		SELECT `+adminColumns+`, coalesce(t.id, 0), coalesce(t.name, ''), coalesce(t.alias, ''),
			coalesce(t.default_language, ''), coalesce(t.created_at, 0), coalesce(m.role, '')
		FROM administrators a LEFT JOIN tenant_members m ON m.admin_id = a.id LEFT JOIN tenants t ON t.id = m.tenant_id
		WHERE a.id = ? ORDER BY t.name, t.id`, id)
	if err != nil {
		return Admin{}, nil, fmt.Errorf("store: administrator: %w", err)
	}
	defer rows.Close()
	var a Admin
	var out []Membership
	for rows.Next() {
		var m Membership
		var created int64
		if a, err = scanAdmin(rows, &m.Tenant.ID, &m.Tenant.Name, &m.Tenant.Alias, &m.Tenant.DefaultLanguage,
			&created, &m.Role); err != nil {
			return Admin{}, nil, fmt.Errorf("store: administrator: %w", err)
		}
		if m.Tenant.ID != 0 {
			m.Tenant.CreatedAt = fromMillis(created)
			out = append(out, m)
		}
	}
	if err := rows.Err(); err != nil {
		return Admin{}, nil, fmt.Errorf("store: administrator: %w", err)
	}
	if a.ID == 0 {
		return Admin{}, nil, fmt.Errorf("store: administrator: %w", ErrNotFound)
	}
	return a, out, nil
}

// ListMembers returns a tenant's administrators by username.
func (s *Store) ListMembers(ctx context.Context, tenant int64) ([]Member, error) {
	rows, err := s.rd.QueryContext(ctx, `
		SELECT `+adminColumns+`, m.role, m.created_at
		FROM tenant_members m JOIN administrators a ON a.id = m.admin_id
		WHERE m.tenant_id = ? ORDER BY a.username`, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: list members: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		var joined int64
		if m.Admin, err = scanAdmin(rows, &m.Role, &joined); err != nil {
			return nil, fmt.Errorf("store: list members: %w", err)
		}
		m.JoinedAt = fromMillis(joined)
		out = append(out, m)
	}
	return out, rows.Err()
}

// NoSuchAdmin is AddMember's message for an unknown username; the console
// then creates the account instead.
const NoSuchAdmin = "No administrator has this username."

const lastOwner = "A tenant needs at least one owner: make another administrator an owner first."

// memberInTx loads a membership for change and counts the tenant's owners.
func memberInTx(ctx context.Context, tx *sql.Tx, tenant, admin int64) (m Member, owners int, err error) {
	var joined int64
	m.Admin, err = scanAdmin(tx.QueryRowContext(ctx, `
		SELECT `+adminColumns+`, m.role, m.created_at
		FROM tenant_members m JOIN administrators a ON a.id = m.admin_id
		WHERE m.tenant_id = ? AND m.admin_id = ?`, tenant, admin), &m.Role, &joined)
	if errors.Is(err, sql.ErrNoRows) {
		return Member{}, 0, fmt.Errorf("store: member: %w", ErrNotFound)
	}
	if err != nil {
		return Member{}, 0, fmt.Errorf("store: member: %w", err)
	}
	m.JoinedAt = fromMillis(joined)
	err = tx.QueryRowContext(ctx,
		`SELECT count(*) FROM tenant_members WHERE tenant_id = ? AND role = 'owner'`, tenant).Scan(&owners)
	return m, owners, err
}

// SetMemberRole changes an administrator's role in tenant. Returns
// ErrNotFound when they are not a member, and FieldErrors when the change
// would leave the tenant without an owner.
func (s *Store) SetMemberRole(ctx context.Context, tenant, admin int64, role Role) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.serialize(ctx, tx, "owners", tenant); err != nil {
			return err
		}
		m, owners, err := memberInTx(ctx, tx, tenant, admin)
		if err != nil {
			return err
		}
		if m.Role == role {
			return nil
		}
		if m.Role == RoleOwner && owners <= 1 {
			return FieldErrors{"role": lastOwner}
		}
		if _, err := s.exec(ctx, tx, `UPDATE tenant_members SET role = ? WHERE tenant_id = ? AND admin_id = ?`,
			role, tenant, admin); err != nil {
			return fmt.Errorf("store: set role: %w", err)
		}
		return s.audit(ctx, tx, tenant, "admin.role_change", "admin", m.PublicID(),
			Changes{"role": {Before: m.Role, After: role}})
	})
}

// RemoveMember removes an administrator from tenant (the account stays for
// their other tenants). Returns ErrNotFound or, for the last owner, FieldErrors.
func (s *Store) RemoveMember(ctx context.Context, tenant, admin int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.serialize(ctx, tx, "owners", tenant); err != nil {
			return err
		}
		m, owners, err := memberInTx(ctx, tx, tenant, admin)
		if err != nil {
			return err
		}
		if m.Role == RoleOwner && owners <= 1 {
			return FieldErrors{"role": lastOwner}
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM tenant_members WHERE tenant_id = ? AND admin_id = ?`,
			tenant, admin); err != nil {
			return fmt.Errorf("store: remove member: %w", err)
		}
		return s.audit(ctx, tx, tenant, "admin.remove", "admin", m.PublicID(),
			Changes{"username": {Before: m.Username}, "role": {Before: m.Role}})
	})
}
