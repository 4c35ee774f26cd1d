package store

import (
	"context"
	"fmt"
	"time"
)

// Overview is what the console's home page shows of a tenant: its users by
// status, the work waiting for an administrator and the latest changes.
type Overview struct {
	ByStatus      []StatItem // from the maintained counters
	Locked        int        // users locked now, as the users list's locked=true counts them
	QueuedEmails  int        // waiting in the outbox
	FailedEmails  int        // given up on after MaxAttempts
	ExpiringTotal int        // users whose access ends within the horizon
	Expiring      []ExpiringUser
	Recent        []AuditEvent // newest first, without their changes
}

// ExpiringUser is a user whose access (account expiry) ends soon.
type ExpiringUser struct {
	ID          int64
	Username    string
	DisplayName string
	ExpiresAt   time.Time
}

// PublicID is the user's id as shown in the console and the API.
func (u ExpiringUser) PublicID() string { return PublicID(PrefixUser, u.ID) }

// The overview's queries, each an index range read at a million users (see
// TestOverviewQueryPlans): users_locked and users_account_expires are
// partial indexes whose WHERE the queries repeat, outbox_tenant_status and
// audit_events_tenant start with the tenant.
const (
	overviewLockedQuery = `SELECT count(*) FROM users u WHERE u.tenant_id = ? AND ` + sqlLocked
	overviewOutboxQuery = `SELECT status, count(*) FROM outbox
		WHERE tenant_id = ? AND status IN ('queued', 'failed') GROUP BY status`
	overviewExpiringCountQuery = `SELECT count(*) FROM users
		WHERE tenant_id = ? AND account_expires_at IS NOT NULL AND account_expires_at > ? AND account_expires_at <= ?`
	overviewExpiringQuery = `SELECT id, username, display_name, account_expires_at FROM users
		WHERE tenant_id = ? AND account_expires_at IS NOT NULL AND account_expires_at > ? AND account_expires_at <= ?
		ORDER BY account_expires_at, id LIMIT ?`
	// Sign-ins are audited but are not changes: a morning of them would
	// push every change off the overview.
	overviewRecentQuery = `SELECT id, actor_type, actor_id, actor_name, action, target_type, target_id, target_name, request_id, created_at
		FROM audit_events WHERE tenant_id = ?
		AND action NOT IN ('admin.sign_in', 'admin.sign_in_failed', 'user.sign_in', 'user.sign_in_failed')
		ORDER BY created_at DESC, id DESC LIMIT ?`
)

// Overview returns the tenant's overview: users whose access ends within
// horizon (at most listed of them by name, soonest first) and the latest
// recent audit events.
func (s *Store) Overview(ctx context.Context, tenant int64, horizon time.Duration, listed, recent int) (Overview, error) {
	var o Overview
	var err error
	if o.ByStatus, err = s.UserStats(ctx, tenant, "status"); err != nil {
		return Overview{}, err
	}
	now := s.nowMillis()
	until := now + horizon.Milliseconds()
	if err := s.rd.QueryRowContext(ctx, overviewLockedQuery, tenant, now, now).Scan(&o.Locked); err != nil {
		return Overview{}, fmt.Errorf("store: overview: locked users: %w", err)
	}
	if err := s.rd.QueryRowContext(ctx, overviewExpiringCountQuery, tenant, now, until).Scan(&o.ExpiringTotal); err != nil {
		return Overview{}, fmt.Errorf("store: overview: expiring users: %w", err)
	}
	if err := s.overviewOutbox(ctx, tenant, &o); err != nil {
		return Overview{}, err
	}
	if o.Expiring, err = s.overviewExpiring(ctx, tenant, now, until, listed); err != nil {
		return Overview{}, err
	}
	if o.Recent, err = s.overviewRecent(ctx, tenant, recent); err != nil {
		return Overview{}, err
	}
	return o, nil
}

func (s *Store) overviewOutbox(ctx context.Context, tenant int64, o *Overview) error {
	rows, err := s.rd.QueryContext(ctx, overviewOutboxQuery, tenant)
	if err != nil {
		return fmt.Errorf("store: overview: outbox: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return fmt.Errorf("store: overview: outbox: %w", err)
		}
		switch status {
		case MessageQueued:
			o.QueuedEmails = n
		case MessageFailed:
			o.FailedEmails = n
		}
	}
	return rows.Err()
}

func (s *Store) overviewExpiring(ctx context.Context, tenant, now, until int64, limit int) ([]ExpiringUser, error) {
	rows, err := s.rd.QueryContext(ctx, overviewExpiringQuery, tenant, now, until, limit)
	if err != nil {
		return nil, fmt.Errorf("store: overview: expiring users: %w", err)
	}
	defer rows.Close()
	var out []ExpiringUser
	for rows.Next() {
		var u ExpiringUser
		var at int64
		if err := rows.Scan(&u.ID, &u.Username, &u.DisplayName, &at); err != nil {
			return nil, fmt.Errorf("store: overview: expiring users: %w", err)
		}
		u.ExpiresAt = fromMillis(at)
		out = append(out, u)
	}
	return out, rows.Err()
}

func (s *Store) overviewRecent(ctx context.Context, tenant int64, limit int) ([]AuditEvent, error) {
	rows, err := s.rd.QueryContext(ctx, overviewRecentQuery, tenant, limit)
	if err != nil {
		return nil, fmt.Errorf("store: overview: recent changes: %w", err)
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var e AuditEvent
		var created int64
		if err := rows.Scan(&e.ID, &e.Actor.Type, &e.Actor.ID, &e.Actor.Name, &e.Action,
			&e.TargetType, &e.TargetID, &e.TargetName, &e.RequestID, &created); err != nil {
			return nil, fmt.Errorf("store: overview: recent changes: %w", err)
		}
		e.CreatedAt = fromMillis(created)
		out = append(out, e)
	}
	return out, rows.Err()
}
