package store

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// APIKey is a tenant's credential for the JSON API. The secret is never
// stored; only its SHA-256.
type APIKey struct {
	ID         int64
	TenantID   int64
	PublicID   string // "key_…", shown in lists and the token's first part
	Name       string
	Role       Role // RoleAdmin or RoleViewer
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

// Active reports whether the key can be used at t.
func (k APIKey) Active(t time.Time) bool {
	return k.RevokedAt == nil && (k.ExpiresAt == nil || t.Before(*k.ExpiresAt))
}

// NewAPIKey is the input for creating an API key.
type NewAPIKey struct {
	Name      string
	Role      Role
	ExpiresAt *time.Time
}

const tokenPrefix = "rst_"

// CreateAPIKey creates a key and returns it with its token, the only time
// the token exists in the clear. The creator is the context's actor.
func (s *Store) CreateAPIKey(ctx context.Context, tenant int64, n NewAPIKey) (APIKey, string, error) {
	n.Name = strings.TrimSpace(n.Name)
	fe := FieldErrors{}
	if c := utf8.RuneCountInString(n.Name); c == 0 || c > 64 {
		fe["name"] = "Name must be 1 to 64 characters."
	}
	if n.Role != RoleAdmin && n.Role != RoleViewer {
		fe["role"] = "Role must be admin or viewer."
	}
	if n.ExpiresAt != nil && !n.ExpiresAt.After(s.now()) {
		fe["expires_at"] = "Expiry must be in the future."
	}
	if len(fe) > 0 {
		return APIKey{}, "", fe
	}
	secret := randomString(32)
	k := APIKey{TenantID: tenant, PublicID: "key_" + randomString(10), Name: n.Name, Role: n.Role,
		CreatedAt: fromMillis(s.nowMillis()), ExpiresAt: n.ExpiresAt}
	a := actorOf(ctx)
	var createdBy sql.NullInt64
	if id, ok := ParseID(PrefixAdmin, a.ID); ok && a.Type == ActorAdmin {
		createdBy = sql.NullInt64{Int64: id, Valid: true}
		k.CreatedBy = a.Name
	}
	sum := sha256.Sum256([]byte(secret))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO api_keys (tenant_id, public_id, secret_hash, name, role, created_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			tenant, k.PublicID, sum[:], k.Name, k.Role, createdBy, k.CreatedAt.UnixMilli(), toNullMillis(k.ExpiresAt)).Scan(&k.ID)
		if err != nil {
			return fmt.Errorf("store: create api key: %w", err)
		}
		ch := Changes{"name": {After: k.Name}, "role": {After: k.Role}}
		if k.ExpiresAt != nil {
			ch["expires_at"] = Change{After: k.ExpiresAt}
		}
		return s.audit(ctx, tx, tenant, "apikey.create", "api_key", k.PublicID, ch)
	})
	if err != nil {
		return APIKey{}, "", err
	}
	return k, tokenPrefix + k.PublicID + "." + secret, nil
}

const apiKeyColumns = `k.id, k.tenant_id, k.public_id, k.name, k.role, coalesce(a.username, ''),
	k.created_at, k.last_used_at, k.expires_at, k.revoked_at`

func scanAPIKey(sc interface{ Scan(...any) error }, extra ...any) (APIKey, error) {
	var k APIKey
	var created int64
	var used, expires, revoked sql.NullInt64
	dest := append([]any{&k.ID, &k.TenantID, &k.PublicID, &k.Name, &k.Role, &k.CreatedBy,
		&created, &used, &expires, &revoked}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return APIKey{}, err
	}
	k.CreatedAt = fromMillis(created)
	k.LastUsedAt, k.ExpiresAt, k.RevokedAt = fromNullMillis(used), fromNullMillis(expires), fromNullMillis(revoked)
	return k, nil
}

// ListAPIKeys returns a tenant's keys, newest first, revoked ones included.
func (s *Store) ListAPIKeys(ctx context.Context, tenant int64) ([]APIKey, error) {
	rows, err := s.rd.QueryContext(ctx, `
		SELECT `+apiKeyColumns+`
		FROM api_keys k LEFT JOIN administrators a ON a.id = k.created_by
		WHERE k.tenant_id = ? ORDER BY k.id DESC`, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: list api keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list api keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey revokes a key by its public id. Returns ErrNotFound for a key
// of another tenant or one already revoked.
func (s *Store) RevokeAPIKey(ctx context.Context, tenant int64, publicID string) error {
	err := s.revoke(ctx, tenant, credential{table: "api_keys", idColumn: "public_id", kind: "apikey", target: "api_key"}, publicID)
	if err == nil {
		s.keys.mu.Lock()
		delete(s.keys.m, publicID)
		s.keys.mu.Unlock()
	}
	return err
}

// credential names the table of a kind of credential (API keys, AccessKey
// pairs), the column of its public id, and its names in the audit log.
type credential struct{ table, idColumn, kind, target string }

// revoke marks the tenant's active credential id revoked, with its audit
// event; ErrNotFound for one of another tenant or already revoked.
func (s *Store) revoke(ctx context.Context, tenant int64, c credential, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, `UPDATE `+c.table+` SET revoked_at = ?
			WHERE tenant_id = ? AND `+c.idColumn+` = ? AND revoked_at IS NULL RETURNING name`,
			s.nowMillis(), tenant, id).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: %s %s: %w", c.kind, id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: revoke %s: %w", c.kind, err)
		}
		return s.audit(ctx, tx, tenant, c.kind+".revoke", c.target, id, Changes{"name": {Before: name}})
	})
}

// cachedKey is a key as read from its row at read. Entries are replaced,
// never changed, except lastSeen, under the cache's lock.
type cachedKey struct {
	key      APIKey
	hash     []byte
	read     time.Time
	lastSeen time.Time // last time last_used_at was written
}

// keyRecheck is how long a cached key is trusted before its row is read
// again: a key revoked by another process (a replica, the command line)
// stops working within this.
const keyRecheck = time.Second

// lastUsedEvery bounds how often a key's last_used_at is written: once a
// minute is precise enough to read, and keeps the API's reads from queueing
// behind a write on every request.
const lastUsedEvery = time.Minute

// AuthenticateAPIKey returns the active key a bearer token stands for.
// Returns ErrInvalidCredentials for anything unknown, malformed, revoked or
// expired.
func (s *Store) AuthenticateAPIKey(ctx context.Context, token string) (APIKey, error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	publicID, secret, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || publicID == "" || secret == "" {
		return APIKey{}, ErrInvalidCredentials
	}
	now := s.now()
	s.keys.mu.Lock()
	ck := s.keys.m[publicID]
	s.keys.mu.Unlock()
	if ck == nil || stale(now, ck.read, keyRecheck) {
		var err error
		if ck, err = s.loadAPIKey(ctx, publicID, ck, now); err != nil {
			return APIKey{}, err
		}
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], ck.hash) != 1 || !ck.key.Active(now) {
		return APIKey{}, ErrInvalidCredentials
	}
	s.keys.mu.Lock()
	touch := now.Sub(ck.lastSeen) >= lastUsedEvery
	if touch {
		ck.lastSeen = now
	}
	s.keys.mu.Unlock()
	if touch {
		if _, err := s.w.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`,
			now.UnixMilli(), ck.key.ID); err != nil {
			return APIKey{}, fmt.Errorf("store: touch api key: %w", err)
		}
	}
	return ck.key, nil
}

// loadAPIKey reads a key's row into the cache, keeping the later of the
// times its use was written, prev's or the row's (another process may
// have written it since).
func (s *Store) loadAPIKey(ctx context.Context, publicID string, prev *cachedKey, now time.Time) (*cachedKey, error) {
	var hash []byte
	k, err := scanAPIKey(s.rd.QueryRowContext(ctx, `
		SELECT `+apiKeyColumns+`, k.secret_hash
		FROM api_keys k LEFT JOIN administrators a ON a.id = k.created_by
		WHERE k.public_id = ?`, publicID), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		s.keys.mu.Lock()
		delete(s.keys.m, publicID)
		s.keys.mu.Unlock()
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("store: authenticate api key: %w", err)
	}
	ck := &cachedKey{key: k, hash: hash, read: now, lastSeen: ptrOr(k.LastUsedAt)}
	s.keys.mu.Lock()
	defer s.keys.mu.Unlock()
	if prev != nil && prev.lastSeen.After(ck.lastSeen) {
		ck.lastSeen = prev.lastSeen
	}
	if k.RevokedAt == nil {
		s.keys.m[publicID] = ck
	} else {
		delete(s.keys.m, publicID)
	}
	return ck, nil
}

// stale reports whether something read at at is older than ttl at now. A
// clock that went back makes it stale too: its age is unknown.
func stale(now, at time.Time, ttl time.Duration) bool {
	age := now.Sub(at)
	return age < 0 || age >= ttl
}

func ptrOr(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
