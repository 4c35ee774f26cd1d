package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Actor types recorded on audit events.
const (
	ActorAdmin  = "admin"
	ActorAPIKey = "api_key"
	ActorUser   = "user"
	ActorSystem = "system"
)

// Actor is who makes a change. It travels in the context because every
// change method needs it for the audit trail and none of them decide on it.
type Actor struct {
	Type string // one of the Actor* constants
	ID   string // public id of the administrator, key or user
	Name string // username or key name, kept so the log reads after removals
}

type actorKey struct{}
type requestIDKey struct{}

// WithActor returns ctx carrying the actor of the changes made with it.
// Without one, changes are recorded as made by the system.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// WithRequestID returns ctx carrying the request id written on audit events.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

func actorOf(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok && a.Type != "" {
		return a
	}
	return Actor{Type: ActorSystem, Name: "system"}
}

// Change is a field's value before and after a change. Secrets never go in.
type Change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// Changes maps field names to their change.
type Changes map[string]Change

// set records a field's change when the value really changed.
func (c Changes) set(field string, before, after any) {
	if before != after {
		c[field] = Change{Before: before, After: after}
	}
}

// audit writes one event inside tx, so the event exists exactly when the
// change it describes was committed.
func (s *Store) audit(ctx context.Context, tx *sql.Tx, tenant int64, action, targetType, targetID string, changes Changes) error {
	a := actorOf(ctx)
	rid, _ := ctx.Value(requestIDKey{}).(string)
	if changes == nil {
		changes = Changes{}
	}
	js, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", action, err)
	}
	st, err := s.txStmt(ctx, tx, sqlInsertAudit)
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", action, err)
	}
	_, err = st.ExecContext(ctx, tenant, a.Type, a.ID, a.Name, action, targetType, targetID, string(js), rid, s.nowMillis())
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", action, err)
	}
	return nil
}

// AuditEvent is one recorded change.
type AuditEvent struct {
	ID         int64
	Actor      Actor
	Action     string
	TargetType string
	TargetID   string
	Changes    Changes
	RequestID  string
	CreatedAt  time.Time
}

// AuditFilter narrows ListAuditEvents. Empty fields do not filter.
type AuditFilter struct {
	Actor    string // actor name, exact
	Action   string // exact, or a prefix ending in "." such as "apikey."
	TargetID string
	Since    *time.Time
	Until    *time.Time
	Page     Page
}

// ListAuditEvents returns a tenant's events, newest first.
func (s *Store) ListAuditEvents(ctx context.Context, tenant int64, f AuditFilter) (List[AuditEvent], error) {
	// Only fixed fragments are joined; every value is a bound argument.
	where := []string{"tenant_id = ?"}
	args := []any{tenant}
	if f.Actor != "" {
		where, args = append(where, "actor_name = ?"), append(args, f.Actor)
	}
	if strings.HasSuffix(f.Action, ".") {
		// A range, not LIKE: the (tenant_id, action, id) index serves it.
		where = append(where, "action >= ? AND action < ?")
		args = append(args, f.Action, f.Action[:len(f.Action)-1]+"/")
	} else if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
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
	q := `SELECT id, actor_type, actor_id, actor_name, action, target_type, target_id,
	             changes, request_id, created_at
	      FROM audit_events WHERE ` + cond
	pageArgs := args
	var after int64
	if f.Page.Cursor != "" {
		if after, err = decodeIDCursor(f.Page.Cursor); err != nil {
			return List[AuditEvent]{}, err
		}
		q += " AND id < ?"
		pageArgs = append(pageArgs, after)
	}
	limit := f.Page.limit()
	q += " ORDER BY id DESC LIMIT ? OFFSET ?"
	pageArgs = append(pageArgs, limit+1, f.Page.offset())
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
			&e.TargetType, &e.TargetID, &changes, &e.RequestID, &created); err != nil {
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
		l.Next = encodeIDCursor(l.Items[limit-1].ID)
	}
	return l, nil
}

const sqlInsertAudit = `
	INSERT INTO audit_events (tenant_id, actor_type, actor_id, actor_name, action,
	                          target_type, target_id, changes, request_id, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
