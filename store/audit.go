package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
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

// Client is where a request came from: its address (as the server's
// trusted proxies allow it to be known) and its user agent.
type Client struct {
	Address   string
	UserAgent string
}

// MaxUserAgent is how much of a user agent an audit event keeps: enough to
// tell browsers and tools apart, not a place to store whatever a client sends.
const MaxUserAgent = 256

type actorKey struct{}
type requestIDKey struct{}
type clientKey struct{}

// WithActor returns ctx carrying the actor of the changes made with it.
// Without one, changes are recorded as made by the system.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// WithRequestID returns ctx carrying the request id written on audit events.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// WithClient returns ctx carrying the client written on audit events, its
// user agent cut to MaxUserAgent bytes.
func WithClient(ctx context.Context, c Client) context.Context {
	c.UserAgent = truncate(c.UserAgent, MaxUserAgent)
	c.Address = truncate(c.Address, 64)
	return context.WithValue(ctx, clientKey{}, c)
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
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
	return s.writeAudit(ctx, tx, tenant, action, targetType, targetID, changes)
}

// writeAudit is audit for a tenant (an int64) or for no tenant (nil): the
// console sign-ins that belong to none.
func (s *Store) writeAudit(ctx context.Context, tx *sql.Tx, tenant any, action, targetType, targetID string, changes Changes) error {
	name, err := s.targetName(ctx, tx, targetType, targetID, changes)
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", action, err)
	}
	return s.writeAuditNamed(ctx, tx, tenant, action, targetType, targetID, name, changes)
}

// writeAuditNamed is writeAudit for a target whose name the caller holds
// (a user it has just written), saving the read of it.
func (s *Store) writeAuditNamed(ctx context.Context, tx *sql.Tx, tenant any, action, targetType, targetID, name string, changes Changes) error {
	a := actorOf(ctx)
	rid, _ := ctx.Value(requestIDKey{}).(string)
	cl, _ := ctx.Value(clientKey{}).(Client)
	if changes == nil {
		changes = Changes{}
	}
	js, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", action, err)
	}
	_, err = s.exec(ctx, tx, sqlInsertAudit, tenant, a.Type, a.ID, a.Name, action, targetType, targetID, name,
		string(js), rid, cl.Address, cl.UserAgent, s.nowMillis())
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", action, err)
	}
	return nil
}

// targetNames reads the name of a target by its kind: one primary-key read
// in the writing transaction. The name is kept on the event so the log still
// reads after the target is removed.
var targetNames = map[string]struct{ prefix, query string }{
	"user":           {PrefixUser, `SELECT coalesce(nullif(display_name, ''), username) FROM users WHERE id = ?`},
	"org_unit":       {PrefixOrgUnit, `SELECT name FROM org_units WHERE id = ?`},
	"group":          {PrefixGroup, `SELECT name FROM user_groups WHERE id = ?`},
	"property":       {PrefixProperty, `SELECT coalesce(nullif(display_name, ''), key) FROM properties WHERE id = ?`},
	"resource_group": {PrefixResourceGroup, `SELECT name FROM resource_groups WHERE id = ?`},
	"admin":          {PrefixAdmin, `SELECT username FROM administrators WHERE id = ?`},
	"tenant":         {PrefixTenant, `SELECT name FROM tenants WHERE id = ?`},
}

// targetName is the target's current name or, for one already removed in
// this transaction, the name its event's changes had before.
func (s *Store) targetName(ctx context.Context, tx *sql.Tx, targetType, targetID string, ch Changes) (string, error) {
	var name string
	if targetType == "api_key" {
		err := tx.QueryRowContext(ctx, `SELECT name FROM api_keys WHERE public_id = ?`, targetID).Scan(&name)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
	} else if k, ok := targetNames[targetType]; ok {
		if id, ok := ParseID(k.prefix, targetID); ok {
			if err := s.in(tx).QueryRowContext(ctx, k.query, id).Scan(&name); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return "", err
			}
		}
	}
	for _, f := range []string{"display_name", "name", "username", "key"} {
		if name != "" {
			break
		}
		name, _ = ch[f].Before.(string)
	}
	return name, nil
}

// Outcomes of failed sign-ins, recorded as the event's "reason".
const (
	SignInWrongPassword   = "wrong_password"
	SignInLocked          = "locked"
	SignInUnknownUsername = "unknown_username"
	SignInUnavailable     = "unavailable"
)

// Sign-in actions: a console administrator's and an end user's, each
// succeeded or failed.
const (
	ActionAdminSignIn       = "admin.sign_in"
	ActionAdminSignInFailed = "admin.sign_in_failed"
	ActionUserSignIn        = "user.sign_in"
	ActionUserSignInFailed  = "user.sign_in_failed"
)

// maxAttemptedName bounds the username recorded for an attempt, which is
// whatever was typed.
const maxAttemptedName = 128

// auditAdminSignIn records a console sign-in of administrator id (0 when
// the username is no administrator's) in each tenant they belong to, where
// their owners see it, or once system-wide when they belong to none. A
// failure carries its reason.
func (s *Store) auditAdminSignIn(ctx context.Context, tx *sql.Tx, id int64, username, reason string) error {
	actor := Actor{Type: ActorAdmin, Name: truncate(username, maxAttemptedName)}
	var target string
	if id != 0 {
		actor.ID = PublicID(PrefixAdmin, id)
		target = actor.ID
	}
	action, ch := ActionAdminSignIn, Changes(nil)
	if reason != "" {
		action, ch = ActionAdminSignInFailed, Changes{"reason": {After: reason}}
	}
	ctx = WithActor(ctx, actor)
	var tenants []int64
	if id != 0 {
		rows, err := tx.QueryContext(ctx, `SELECT tenant_id FROM tenant_members WHERE admin_id = ?`, id)
		if err != nil {
			return fmt.Errorf("store: audit: %w", err)
		}
		if tenants, err = collect(rows, func(sc rowScanner) (int64, error) {
			var t int64
			return t, sc.Scan(&t)
		}); err != nil {
			return err
		}
	}
	if len(tenants) == 0 {
		return s.writeAudit(ctx, tx, nil, action, "admin", target, ch)
	}
	for _, t := range tenants {
		if err := s.writeAudit(ctx, tx, t, action, "admin", target, ch); err != nil {
			return err
		}
	}
	return nil
}

// auditUserSignInFailed records an end user's failed sign-in in tenant: by
// u when the login named one, else by the login as typed.
func (s *Store) auditUserSignInFailed(ctx context.Context, tx *sql.Tx, tenant int64, u *User, login, reason string) error {
	actor, target := Actor{Type: ActorUser, Name: truncate(login, maxAttemptedName)}, ""
	if u != nil {
		actor, target = Actor{Type: ActorUser, ID: u.PublicID(), Name: u.Username}, u.PublicID()
	}
	return s.writeAudit(WithActor(ctx, actor), tx, tenant, ActionUserSignInFailed, "user", target,
		Changes{"reason": {After: reason}})
}

const sqlInsertAudit = `
	INSERT INTO audit_events (tenant_id, actor_type, actor_id, actor_name, action,
	                          target_type, target_id, target_name, changes, request_id,
	                          client_address, user_agent, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
