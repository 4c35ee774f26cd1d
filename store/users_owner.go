package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// manager is the administrator who receives the notices of the users they
// create as OwnerManager.
type manager struct {
	id    int64
	email string
}

// managerOf returns the administrator behind the context's actor: the one
// signed in, or the one who created the API key or AccessKey pair making
// the request. A zero id when there is none (the system, or a key whose
// creator was removed).
func (s *Store) managerOf(ctx context.Context) (manager, error) {
	a := actorOf(ctx)
	var q string
	var arg any
	switch {
	case a.Type == ActorAdmin:
		id, ok := ParseID(PrefixAdmin, a.ID)
		if !ok {
			return manager{}, nil
		}
		q, arg = `SELECT id, email FROM administrators WHERE id = ?`, id
	case a.Type == ActorAPIKey && strings.HasPrefix(a.ID, accessKeyPrefix):
		q, arg = `SELECT a.id, a.email FROM access_keys k JOIN administrators a ON a.id = k.created_by WHERE k.access_key_id = ?`, a.ID
	case a.Type == ActorAPIKey:
		q, arg = `SELECT a.id, a.email FROM api_keys k JOIN administrators a ON a.id = k.created_by WHERE k.public_id = ?`, a.ID
	default:
		return manager{}, nil
	}
	var m manager
	err := s.rd.QueryRowContext(ctx, q, arg).Scan(&m.id, &m.email)
	if errors.Is(err, sql.ErrNoRows) {
		return manager{}, nil
	}
	if err != nil {
		return manager{}, fmt.Errorf("store: managing administrator: %w", err)
	}
	return m, nil
}

// check returns why m cannot manage users, or "".
func (m manager) check() string {
	switch {
	case m.id == 0:
		return "Only an administrator, or a key an administrator created, can create users whose notices go to the administrator."
	case m.email == "":
		return "Notices would go to the creating administrator, whose account has no email address; add one first."
	}
	return ""
}

// noticeAddress is where u's invitation and password-reset emails go: u's
// own address, or for a user whose owner is the manager, the managing
// administrator's while they are still a member of u's tenant. "" when
// there is none.
func noticeAddress(ctx context.Context, q rowQuerier, u User) (string, error) {
	if u.OwnerType != OwnerManager {
		return u.Email, nil
	}
	if u.ManagerID == 0 {
		return "", nil
	}
	var email string
	err := q.QueryRowContext(ctx, `SELECT a.email FROM administrators a
		JOIN tenant_members m ON m.admin_id = a.id AND m.tenant_id = ? WHERE a.id = ?`, u.TenantID, u.ManagerID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: managing administrator: %w", err)
	}
	return email, nil
}

// noAddress is the refusal of a notice to u, who has no address for it.
func noAddress(u User) FieldErrors {
	if u.OwnerType == OwnerManager {
		return FieldErrors{"email": u.Username + "'s notices go to the administrator who manages them, who has no email address or has left this tenant."}
	}
	return FieldErrors{"email": u.Username + " has no email address."}
}
