package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// AccessKey is a tenant's credential for the Alibaba Cloud RPC protocols:
// an AccessKeyId, public, and an AccessKeySecret that signs each request.
// The secret is stored sealed under the server key (Store.Sealer).
type AccessKey struct {
	ID          int64
	TenantID    int64
	AccessKeyID string
	Name        string
	Role        Role // RoleAdmin or RoleViewer
	CreatedBy   string
	CreatedAt   time.Time
	LastUsedAt  *time.Time
	RevokedAt   *time.Time
}

// NewAccessKey is the input for creating an AccessKey pair.
type NewAccessKey struct {
	Name string
	Role Role
}

// ErrNoServerKey is creating or using an AccessKey on a store without a
// Sealer.
var ErrNoServerKey = errors.New("store: AccessKeys need a server key (roster serve --secret-key-file)")

// accessKeyPrefix starts every AccessKeyId: it tells Roster's pairs apart
// from a cloud's at a glance.
const accessKeyPrefix = "RAK"

// CreateAccessKey creates a pair and returns it with its secret, the only
// time the secret leaves the store. The creator is the context's actor.
func (s *Store) CreateAccessKey(ctx context.Context, tenant int64, n NewAccessKey) (AccessKey, string, error) {
	n.Name = strings.TrimSpace(n.Name)
	fe := FieldErrors{}
	if c := utf8.RuneCountInString(n.Name); c == 0 || c > 64 {
		fe["name"] = "Name must be 1 to 64 characters."
	}
	if n.Role != RoleAdmin && n.Role != RoleViewer {
		fe["role"] = "Role must be admin or viewer."
	}
	if len(fe) > 0 {
		return AccessKey{}, "", fe
	}
	if s.Sealer == nil {
		return AccessKey{}, "", ErrNoServerKey
	}
	secret := randomString(30)
	k := AccessKey{TenantID: tenant, AccessKeyID: accessKeyPrefix + strings.ToUpper(randomString(15)), Name: n.Name,
		Role: n.Role, CreatedAt: fromMillis(s.nowMillis())}
	a := actorOf(ctx)
	var createdBy sql.NullInt64
	if id, ok := ParseID(PrefixAdmin, a.ID); ok && a.Type == ActorAdmin {
		createdBy = sql.NullInt64{Int64: id, Valid: true}
		k.CreatedBy = a.Name
	}
	sealed := s.Sealer.seal([]byte(secret), k.AccessKeyID)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO access_keys (tenant_id, access_key_id, secret_sealed, key_fingerprint, name, role, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			tenant, k.AccessKeyID, sealed, s.Sealer.fingerprint, k.Name, k.Role, createdBy, k.CreatedAt.UnixMilli()).Scan(&k.ID)
		if err != nil {
			return fmt.Errorf("store: create access key: %w", err)
		}
		return s.audit(ctx, tx, tenant, "accesskey.create", "access_key", k.AccessKeyID,
			Changes{"name": {After: k.Name}, "role": {After: k.Role}})
	})
	if err != nil {
		return AccessKey{}, "", err
	}
	return k, secret, nil
}

const accessKeyColumns = `k.id, k.tenant_id, k.access_key_id, k.name, k.role, coalesce(a.username, ''),
	k.created_at, k.last_used_at, k.revoked_at`

func scanAccessKey(sc interface{ Scan(...any) error }, extra ...any) (AccessKey, error) {
	var k AccessKey
	var created int64
	var used, revoked sql.NullInt64
	dest := append([]any{&k.ID, &k.TenantID, &k.AccessKeyID, &k.Name, &k.Role, &k.CreatedBy,
		&created, &used, &revoked}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return AccessKey{}, err
	}
	k.CreatedAt = fromMillis(created)
	k.LastUsedAt, k.RevokedAt = fromNullMillis(used), fromNullMillis(revoked)
	return k, nil
}

// ListAccessKeys returns a tenant's pairs, newest first, revoked ones
// included.
func (s *Store) ListAccessKeys(ctx context.Context, tenant int64) ([]AccessKey, error) {
	rows, err := s.rd.QueryContext(ctx, `
		SELECT `+accessKeyColumns+`
		FROM access_keys k LEFT JOIN administrators a ON a.id = k.created_by
		WHERE k.tenant_id = ? ORDER BY k.id DESC`, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: list access keys: %w", err)
	}
	return collect(rows, func(sc rowScanner) (AccessKey, error) { return scanAccessKey(sc.(*sql.Rows)) })
}

// RevokeAccessKey revokes a pair by its AccessKeyId. Returns ErrNotFound
// for a pair of another tenant or one already revoked.
func (s *Store) RevokeAccessKey(ctx context.Context, tenant int64, accessKeyID string) error {
	err := s.revoke(ctx, tenant, credential{table: "access_keys", idColumn: "access_key_id", kind: "accesskey", target: "access_key"}, accessKeyID)
	if err == nil {
		s.accessKeys.Delete(accessKeyID)
	}
	return err
}

// cachedAccessKey is a pair as read from its row at read, its secret
// opened. Entries are replaced, never changed.
type cachedAccessKey struct {
	key    AccessKey
	secret []byte
	read   time.Time
}

// AccessKeyUsed records that a request signed with k was accepted, at
// most once every lastUsedEvery per pair and process, as API keys do.
func (s *Store) AccessKeyUsed(ctx context.Context, k AccessKey) error {
	now := s.now()
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < lastUsedEvery {
		return nil
	}
	if v, ok := s.accessKeys.Load(k.AccessKeyID); ok {
		ck := v.(*cachedAccessKey)
		if ck.key.LastUsedAt != nil && now.Sub(*ck.key.LastUsedAt) < lastUsedEvery {
			return nil
		}
		used := *ck
		used.key.LastUsedAt = &now
		s.accessKeys.CompareAndSwap(k.AccessKeyID, v, &used)
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE access_keys SET last_used_at = ? WHERE id = ?`, now.UnixMilli(), k.ID); err != nil {
		return fmt.Errorf("store: access key used: %w", err)
	}
	return nil
}

// AccessKeySecret returns the active pair accessKeyID names and its
// secret, to check a request's signature. Pairs are kept in memory for
// keyRecheck: one revoked by another process stops working within it.
// ErrInvalidCredentials for a pair unknown or revoked.
func (s *Store) AccessKeySecret(ctx context.Context, accessKeyID string) (AccessKey, []byte, error) {
	if s.Sealer == nil {
		return AccessKey{}, nil, ErrNoServerKey
	}
	now := s.now()
	if v, ok := s.accessKeys.Load(accessKeyID); ok && !stale(now, v.(*cachedAccessKey).read, keyRecheck) {
		ck := v.(*cachedAccessKey)
		return ck.key, ck.secret, nil
	}
	var sealed, fingerprint []byte
	k, err := scanAccessKey(s.rd.QueryRowContext(ctx, `
		SELECT `+accessKeyColumns+`, k.secret_sealed, k.key_fingerprint
		FROM access_keys k LEFT JOIN administrators a ON a.id = k.created_by
		WHERE k.access_key_id = ?`, accessKeyID), &sealed, &fingerprint)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && k.RevokedAt != nil) {
		s.accessKeys.Delete(accessKeyID)
		return AccessKey{}, nil, ErrInvalidCredentials
	}
	if err != nil {
		return AccessKey{}, nil, fmt.Errorf("store: access key: %w", err)
	}
	secret, err := s.Sealer.open(sealed, fingerprint, k.AccessKeyID)
	if err != nil {
		return AccessKey{}, nil, fmt.Errorf("store: access key %s: %w", k.AccessKeyID, err)
	}
	s.accessKeys.Store(accessKeyID, &cachedAccessKey{key: k, secret: secret, read: now})
	return k, secret, nil
}
