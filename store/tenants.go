package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Tenant is one isolated directory.
type Tenant struct {
	ID              int64
	Name            string
	Alias           string
	DefaultLanguage string // for new users without a language
	CreatedAt       time.Time
}

// PublicID is the tenant's id as shown in the API.
func (t Tenant) PublicID() string { return PublicID(PrefixTenant, t.ID) }

var aliasPattern = regexp.MustCompile(`^[a-z0-9-]{3,32}$`)

// validateTenant checks a tenant's name and alias.
func validateTenant(name, alias string) FieldErrors {
	fe := FieldErrors{}
	if n := utf8.RuneCountInString(strings.TrimSpace(name)); n == 0 || n > 128 {
		fe["name"] = "Name must be 1 to 128 characters."
	}
	if msg := CheckAlias(alias); msg != "" {
		fe["alias"] = msg
	}
	return fe
}

// CheckAlias returns why alias is not a valid tenant alias, or "".
func CheckAlias(alias string) string {
	if !aliasPattern.MatchString(alias) {
		return "Alias must be 3 to 32 characters of lower-case letters, digits and hyphens."
	}
	return ""
}

const aliasTaken = "This alias is already used by another tenant."

// CreateTenant creates a tenant with its root org unit. Returns FieldErrors
// for a bad name or alias, including an alias already in use.
func (s *Store) CreateTenant(ctx context.Context, name, alias string) (Tenant, error) {
	name = strings.TrimSpace(name)
	if fe := validateTenant(name, alias); len(fe) > 0 {
		return Tenant{}, fe
	}
	var t Tenant
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = s.createTenant(ctx, tx, name, alias)
		return err
	})
	return t, err
}

// CreateTenantFor creates a tenant whose first owner is the administrator
// admin, in one transaction; the console's way for system administrators.
func (s *Store) CreateTenantFor(ctx context.Context, name, alias string, admin int64) (Tenant, error) {
	name = strings.TrimSpace(name)
	if fe := validateTenant(name, alias); len(fe) > 0 {
		return Tenant{}, fe
	}
	var t Tenant
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := getAdmin(ctx, s.in(tx), admin)
		if err != nil {
			return err
		}
		if t, err = s.createTenant(ctx, tx, name, alias); err != nil {
			return err
		}
		return s.addMember(ctx, tx, t.ID, a, RoleOwner)
	})
	return t, err
}

func (s *Store) createTenant(ctx context.Context, tx *sql.Tx, name, alias string) (Tenant, error) {
	now := s.nowMillis()
	t := Tenant{Name: name, Alias: alias, DefaultLanguage: "en", CreatedAt: fromMillis(now)}
	err := tx.QueryRowContext(ctx,
		`INSERT INTO tenants (name, alias, created_at) VALUES (?, ?, ?) RETURNING id`,
		name, alias, now).Scan(&t.ID)
	if isUniqueViolation(err) {
		return Tenant{}, conflict("alias", aliasTaken)
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("store: create tenant: %w", err)
	}
	var root int64
	if err := tx.QueryRowContext(ctx, `
		INSERT INTO org_units (tenant_id, parent_id, name, created_at, updated_at)
		VALUES (?, NULL, ?, ?, ?) RETURNING id`, t.ID, name, now, now).Scan(&root); err != nil {
		return Tenant{}, fmt.Errorf("store: create root org unit: %w", err)
	}
	if _, err := s.exec(ctx, tx, `INSERT INTO org_closure (ancestor, descendant, depth) VALUES (?, ?, 0)`, root, root); err != nil {
		return Tenant{}, fmt.Errorf("store: create root org unit: %w", err)
	}
	err = s.audit(ctx, tx, t.ID, "tenant.create", "tenant", t.PublicID(),
		Changes{"name": {After: name}, "alias": {After: alias}})
	return t, err
}

// GetTenant returns a tenant by id, or ErrNotFound.
//
// Through the read cache: signed requests name their tenant's instance on
// every call, and the row's read was a tenth of such a request.
func (s *Store) GetTenant(ctx context.Context, id int64) (Tenant, error) {
	return cachedRead(ctx, s, fmt.Sprintf("tenant\x00%d", id), func(ctx context.Context) (Tenant, error) {
		return s.scanTenant(s.rd.QueryRowContext(ctx,
			`SELECT id, name, alias, default_language, created_at FROM tenants WHERE id = ?`, id))
	})
}

// GetTenantByAlias returns a tenant by alias, or ErrNotFound.
func (s *Store) GetTenantByAlias(ctx context.Context, alias string) (Tenant, error) {
	return s.scanTenant(s.rd.QueryRowContext(ctx,
		`SELECT id, name, alias, default_language, created_at FROM tenants WHERE alias = ?`, alias))
}

func (s *Store) scanTenant(row *sql.Row) (Tenant, error) {
	var t Tenant
	var created int64
	err := row.Scan(&t.ID, &t.Name, &t.Alias, &t.DefaultLanguage, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, fmt.Errorf("store: tenant: %w", ErrNotFound)
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("store: tenant: %w", err)
	}
	t.CreatedAt = fromMillis(created)
	return t, nil
}

// ListTenants returns every tenant by alias; for the command line.
func (s *Store) ListTenants(ctx context.Context) ([]Tenant, error) {
	rows, err := s.rd.QueryContext(ctx, `SELECT id, name, alias, default_language, created_at FROM tenants ORDER BY alias`)
	if err != nil {
		return nil, fmt.Errorf("store: list tenants: %w", err)
	}
	defer rows.Close()
	var out []Tenant
	for rows.Next() {
		var t Tenant
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &t.Alias, &t.DefaultLanguage, &created); err != nil {
			return nil, fmt.Errorf("store: list tenants: %w", err)
		}
		t.CreatedAt = fromMillis(created)
		out = append(out, t)
	}
	return out, rows.Err()
}

// TenantUpdate changes the fields that are not nil.
type TenantUpdate struct {
	Name  *string
	Alias *string
}

// UpdateTenant changes a tenant's name or alias (InitTenantAlias). Returns
// FieldErrors for invalid or taken values and ErrNotFound for no tenant.
func (s *Store) UpdateTenant(ctx context.Context, tenant int64, upd TenantUpdate) (Tenant, error) {
	var t Tenant
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := s.scanTenant(tx.QueryRowContext(ctx,
			`SELECT id, name, alias, default_language, created_at FROM tenants WHERE id = ?`, tenant))
		if err != nil {
			return err
		}
		t = old
		if upd.Name != nil {
			t.Name = strings.TrimSpace(*upd.Name)
		}
		if upd.Alias != nil {
			t.Alias = *upd.Alias
		}
		if fe := validateTenant(t.Name, t.Alias); len(fe) > 0 {
			return fe
		}
		ch := Changes{}
		ch.set("name", old.Name, t.Name)
		ch.set("alias", old.Alias, t.Alias)
		if len(ch) == 0 {
			return nil
		}
		_, err = s.exec(ctx, tx, `UPDATE tenants SET name = ?, alias = ? WHERE id = ?`, t.Name, t.Alias, tenant)
		if isUniqueViolation(err) {
			return conflict("alias", aliasTaken)
		}
		if err != nil {
			return fmt.Errorf("store: update tenant: %w", err)
		}
		return s.audit(ctx, tx, tenant, "tenant.update", "tenant", t.PublicID(), ch)
	})
	return t, err
}
