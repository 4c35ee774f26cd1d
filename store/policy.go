package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PasswordPolicy is a tenant's rules for end-user passwords.
type PasswordPolicy struct {
	MinLength  int // characters
	Classes    int // of lower, upper, digit, symbol
	History    int // not one of the last N passwords
	ExpiryDays int // a password older than this must be changed; 0 never
}

// DefaultPasswordPolicy is the policy new tenants get.
var DefaultPasswordPolicy = PasswordPolicy{MinLength: 10, Classes: 3, History: 3}

// Check returns why pw breaks the policy (history aside), or "".
func (p PasswordPolicy) Check(pw, username, email string) string {
	classes := 0
	for _, has := range []func(rune) bool{unicode.IsLower, unicode.IsUpper, unicode.IsDigit,
		func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }} {
		if strings.ContainsFunc(pw, has) {
			classes++
		}
	}
	switch {
	case utf8.RuneCountInString(pw) < p.MinLength:
		return fmt.Sprintf("Password must be at least %d characters.", p.MinLength)
	case len(pw) > maxPasswordBytes:
		return fmt.Sprintf("Password must be at most %d bytes.", maxPasswordBytes)
	case classes < p.Classes:
		return fmt.Sprintf("Password must mix at least %d of: lower-case letters, upper-case letters, digits, symbols.", p.Classes)
	case strings.EqualFold(pw, username) || (email != "" && strings.EqualFold(pw, email)):
		return "Password must not be the username or email address."
	}
	return ""
}

// Rules describes the policy for the person choosing a password.
func (p PasswordPolicy) Rules() []string {
	out := []string{fmt.Sprintf("At least %d characters.", p.MinLength)}
	if p.Classes > 1 {
		out = append(out, fmt.Sprintf("At least %d of: lower-case letters, upper-case letters, digits, symbols.", p.Classes))
	}
	out = append(out, "Not your username or email address.")
	if p.History > 0 {
		out = append(out, fmt.Sprintf("Not one of your last %d passwords.", p.History))
	}
	return out
}

func (p PasswordPolicy) validate() FieldErrors {
	fe := FieldErrors{}
	if p.MinLength < 8 || p.MinLength > 64 {
		fe["min_length"] = "Minimum length must be from 8 to 64."
	}
	if p.Classes < 1 || p.Classes > 4 {
		fe["classes"] = "Character classes must be from 1 to 4."
	}
	if p.History < 0 || p.History > 24 {
		fe["history"] = "History must be from 0 to 24 passwords."
	}
	if p.ExpiryDays < 0 || p.ExpiryDays > 3650 {
		fe["expiry_days"] = "Expiry must be from 0 (never) to 3650 days."
	}
	return fe
}

// GetPasswordPolicy returns a tenant's password policy.
func (s *Store) GetPasswordPolicy(ctx context.Context, tenant int64) (PasswordPolicy, error) {
	return passwordPolicy(ctx, s.rd, tenant)
}

func passwordPolicy(ctx context.Context, q rowQuerier, tenant int64) (PasswordPolicy, error) {
	var p PasswordPolicy
	err := q.QueryRowContext(ctx, `SELECT pw_min_length, pw_classes, pw_history, pw_expiry_days FROM tenants WHERE id = ?`,
		tenant).Scan(&p.MinLength, &p.Classes, &p.History, &p.ExpiryDays)
	if err == sql.ErrNoRows {
		return p, fmt.Errorf("store: tenant %d: %w", tenant, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("store: password policy: %w", err)
	}
	return p, nil
}

// SetPasswordPolicy changes a tenant's password policy.
func (s *Store) SetPasswordPolicy(ctx context.Context, tenant int64, p PasswordPolicy) error {
	if fe := p.validate(); len(fe) > 0 {
		return fe
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := passwordPolicy(ctx, s.in(tx), tenant)
		if err != nil {
			return err
		}
		ch := Changes{}
		ch.set("min_length", old.MinLength, p.MinLength)
		ch.set("classes", old.Classes, p.Classes)
		ch.set("history", old.History, p.History)
		ch.set("expiry_days", old.ExpiryDays, p.ExpiryDays)
		if len(ch) == 0 {
			return nil
		}
		if _, err := s.exec(ctx, tx, `UPDATE tenants SET pw_min_length = ?, pw_classes = ?, pw_history = ?, pw_expiry_days = ?
			WHERE id = ?`, p.MinLength, p.Classes, p.History, p.ExpiryDays, tenant); err != nil {
			return fmt.Errorf("store: password policy: %w", err)
		}
		return s.audit(ctx, tx, tenant, "tenant.password_policy", "tenant", PublicID(PrefixTenant, tenant), ch)
	})
}
