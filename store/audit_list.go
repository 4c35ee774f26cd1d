package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditEvent is one recorded change or sign-in.
type AuditEvent struct {
	ID         int64
	Actor      Actor
	Action     string
	TargetType string
	TargetID   string
	TargetName string // the target's name when the event was written
	Changes    Changes
	RequestID  string
	Client     Client
	CreatedAt  time.Time
}

// AuditFilter narrows ListAuditEvents. Empty fields do not filter.
type AuditFilter struct {
	Actor      string // actor name, exact
	Action     string // exact, or a prefix ending in "." such as "apikey."
	TargetType string // such as "user" or "org_unit"
	TargetID   string
	Since      *time.Time
	Until      *time.Time
	Page       Page
}

// ListAuditEvents returns a tenant's events, newest first. Returns
// ErrBadCursor for a cursor it did not issue.
func (s *Store) ListAuditEvents(ctx context.Context, tenant int64, f AuditFilter) (List[AuditEvent], error) {
	return s.listAudit(ctx, "tenant_id = ?", []any{tenant}, f)
}

// ListSystemAuditEvents returns the events of no tenant, newest first: the
// console sign-ins under usernames no administrator has, or by
// administrators who belong to no tenant. Only system administrators
// should read them.
func (s *Store) ListSystemAuditEvents(ctx context.Context, f AuditFilter) (List[AuditEvent], error) {
	return s.listAudit(ctx, "tenant_id IS NULL", nil, f)
}

// listAudit pages through the events of one scope ordered by (created_at,
// id) descending: each filter's index ends in created_at and the rowid, so
// a page is a walk down one index from the cursor, never a sort.
func (s *Store) listAudit(ctx context.Context, scope string, scopeArgs []any, f AuditFilter) (List[AuditEvent], error) {
	// Only fixed fragments are joined; every value is a bound argument.
	where := []string{scope}
	args := scopeArgs
	if f.Actor != "" {
		where, args = append(where, "actor_name = ?"), append(args, f.Actor)
	}
	if strings.HasSuffix(f.Action, ".") {
		// A range, not LIKE, so the action index can serve it.
		where = append(where, "action >= ? AND action < ?")
		args = append(args, f.Action, f.Action[:len(f.Action)-1]+"/")
	} else if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.TargetType != "" {
		where, args = append(where, "target_type = ?"), append(args, f.TargetType)
	}
	if f.TargetID != "" {
		where, args = append(where, "target_id = ?"), append(args, f.TargetID)
	}
	if f.Since != nil {
		where, args = append(where, "created_at >= ?"), append(args, f.Since.UnixMilli())
	}
	if f.Until != nil {
		where, args = append(where, "created_at < ?"), append(args, f.Until.UnixMilli())
	}
	cond := strings.Join(where, " AND ")

	total, capped, err := s.count(ctx, "SELECT 1 FROM audit_events WHERE "+cond, args)
	if err != nil {
		return List[AuditEvent]{}, fmt.Errorf("store: count audit events: %w", err)
	}
	q := `SELECT id, actor_type, actor_id, actor_name, action, target_type, target_id, target_name,
	             changes, request_id, client_address, user_agent, created_at
	      FROM audit_events WHERE ` + cond
	pageArgs := args
	off := f.Page.offset()
	if f.Page.Cursor != "" {
		at, id, err := decodeAuditCursor(f.Page.Cursor)
		if err != nil {
			return List[AuditEvent]{}, err
		}
		// created_at <= ? bounds the index range; the rest only skips the
		// events of that same millisecond already shown.
		q += " AND created_at <= ? AND (created_at < ? OR id < ?)"
		pageArgs = append(pageArgs, at, at, id)
		off = 0
	}
	limit := f.Page.limit()
	q += " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
	pageArgs = append(pageArgs, limit+1, off)
	if s.onListQuery != nil {
		s.onListQuery(q, pageArgs)
	}
	rows, err := s.rd.QueryContext(ctx, q, pageArgs...)
	if err != nil {
		return List[AuditEvent]{}, fmt.Errorf("store: list audit events: %w", err)
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var e AuditEvent
		var changes string
		var created int64
		if err := rows.Scan(&e.ID, &e.Actor.Type, &e.Actor.ID, &e.Actor.Name, &e.Action,
			&e.TargetType, &e.TargetID, &e.TargetName, &changes, &e.RequestID,
			&e.Client.Address, &e.Client.UserAgent, &created); err != nil {
			return List[AuditEvent]{}, fmt.Errorf("store: list audit events: %w", err)
		}
		e.CreatedAt = fromMillis(created)
		if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
			return List[AuditEvent]{}, fmt.Errorf("store: audit event %d changes: %w", e.ID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return List[AuditEvent]{}, fmt.Errorf("store: list audit events: %w", err)
	}
	l := List[AuditEvent]{Items: out, Total: total, TotalCapped: capped}
	if len(out) > limit {
		l.Items = out[:limit]
		last := l.Items[limit-1]
		l.Next = encodeAuditCursor(last.CreatedAt.UnixMilli(), last.ID)
	}
	return l, nil
}

func encodeAuditCursor(at, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("a1:" + strconv.FormatInt(at, 10) + ":" + strconv.FormatInt(id, 10)))
}

func decodeAuditCursor(c string) (at, id int64, err error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, 0, fmt.Errorf("store: %w", ErrBadCursor)
	}
	parts := strings.Split(string(b), ":")
	if len(parts) != 3 || parts[0] != "a1" {
		return 0, 0, fmt.Errorf("store: %w", ErrBadCursor)
	}
	at, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || id <= 0 {
		return 0, 0, fmt.Errorf("store: %w", ErrBadCursor)
	}
	return at, id, nil
}
