package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AuthCodeTTL is how long an authorization code can be traded: long
// enough to paste it into a client, short enough that one left lying
// around is soon worthless.
const AuthCodeTTL = 5 * time.Minute

// CreateAuthCode creates a one-time authorization code for admin in
// tenant and returns it with its expiry, the only time the code exists in
// the clear: only its SHA-256 is stored. Codes that have lapsed are
// deleted on the way.
func (s *Store) CreateAuthCode(ctx context.Context, tenant, admin int64) (string, time.Time, error) {
	code := randomString(20)
	sum := sha256.Sum256([]byte(code))
	now := s.nowMillis()
	expires := fromMillis(now + AuthCodeTTL.Milliseconds())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `DELETE FROM auth_codes WHERE expires_at <= ?`, now); err != nil {
			return fmt.Errorf("store: prune auth codes: %w", err)
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO auth_codes (code_hash, tenant_id, admin_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			sum[:], tenant, admin, now, expires.UnixMilli()); err != nil {
			return fmt.Errorf("store: create auth code: %w", err)
		}
		return s.audit(ctx, tx, tenant, "authcode.create", "administrator", PublicID(PrefixAdmin, admin),
			Changes{"expires_at": {After: expires}})
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return code, expires, nil
}

// UseAuthCode trades an authorization code of tenant for the
// administrator who created it, once: the code is deleted as it is read,
// so of two requests racing with it one wins. Returns
// ErrInvalidCredentials for a code unknown, of another tenant, used,
// expired, or of an administrator no longer in the tenant, without
// saying which (a lapsed code is left for CreateAuthCode to prune).
func (s *Store) UseAuthCode(ctx context.Context, tenant int64, code string) (Admin, error) {
	sum := sha256.Sum256([]byte(code))
	var a Admin
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var admin int64
		err := tx.QueryRowContext(ctx, `DELETE FROM auth_codes
			WHERE code_hash = ? AND tenant_id = ? AND expires_at > ?
			  AND EXISTS (SELECT 1 FROM tenant_members m WHERE m.tenant_id = auth_codes.tenant_id AND m.admin_id = auth_codes.admin_id)
			RETURNING admin_id`, sum[:], tenant, s.nowMillis()).Scan(&admin)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrInvalidCredentials
		}
		if err != nil {
			return fmt.Errorf("store: use auth code: %w", err)
		}
		if a, err = getAdmin(ctx, tx, admin); err != nil {
			return err
		}
		return s.audit(ctx, tx, tenant, "authcode.use", "administrator", a.PublicID(), nil)
	})
	if err != nil {
		return Admin{}, err
	}
	return a, nil
}
