package store

import (
	"context"
	"database/sql"
	"fmt"
)

// add appends an event of the user with id user (whose creation or change
// it records) on the target named.
func (ev *events) add(user int64, action, targetType, targetID, targetName string, ch Changes) error {
	js, err := appendChanges(ev.buf[:0], ch)
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", action, err)
	}
	ev.buf = js
	ev.users, ev.actions, ev.targetTypes = append(ev.users, user), append(ev.actions, action), append(ev.targetTypes, targetType)
	ev.targetIDs, ev.targetNames, ev.changes = append(ev.targetIDs, targetID), append(ev.targetNames, targetName), append(ev.changes, string(js))
	return nil
}

// only is the events of the users in keep.
func (ev *events) only(keep map[int64]bool) *events {
	var out events
	for k, user := range ev.users {
		if keep[user] {
			out.users, out.actions, out.targetTypes = append(out.users, user), append(out.actions, ev.actions[k]), append(out.targetTypes, ev.targetTypes[k])
			out.targetIDs, out.targetNames, out.changes = append(out.targetIDs, ev.targetIDs[k]), append(out.targetNames, ev.targetNames[k]), append(out.changes, ev.changes[k])
		}
	}
	return &out
}

// writeEvents writes ev's events in tenant, in their order, by the
// context's actor at now (unix milliseconds): what audit does for one
// event, for a batch's in one statement on PostgreSQL (an array parameter
// a column) and in as few as SQLite's limit of parameters allows (one for
// 500 events).
func (s *Store) writeEvents(ctx context.Context, tx *sql.Tx, tenant, now int64, ev *events) error {
	if len(ev.actions) == 0 {
		return nil
	}
	a := actorOf(ctx)
	rid, _ := ctx.Value(requestIDKey{}).(string)
	cl, _ := ctx.Value(clientKey{}).(Client)
	var err error
	if s.pg {
		_, err = tx.ExecContext(ctx, `
			INSERT INTO audit_events (tenant_id, actor_type, actor_id, actor_name, action,
			                          target_type, target_id, target_name, changes, request_id,
			                          client_address, user_agent, created_at)
			SELECT $1, $2, $3, $4, e.action, e.target_type, e.target_id, e.target_name, e.changes, $5, $6, $7, $8
			FROM unnest($9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
			    WITH ORDINALITY AS e(action, target_type, target_id, target_name, changes, ord)
			ORDER BY e.ord`,
			tenant, a.Type, a.ID, a.Name, rid, cl.Address, cl.UserAgent, now,
			ev.actions, ev.targetTypes, ev.targetIDs, ev.targetNames, ev.changes)
	} else {
		args := make([]any, 0, len(ev.actions)*13)
		for k := range ev.actions {
			args = append(args, tenant, a.Type, a.ID, a.Name, ev.actions[k], ev.targetTypes[k], ev.targetIDs[k], ev.targetNames[k],
				ev.changes[k], rid, cl.Address, cl.UserAgent, now)
		}
		err = s.insertRows(ctx, tx, `INSERT INTO audit_events (tenant_id, actor_type, actor_id, actor_name, action,
			    target_type, target_id, target_name, changes, request_id, client_address, user_agent, created_at) VALUES `, 13, args, "", nil)
	}
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", ev.actions[0], err)
	}
	return nil
}

// userTargetName is the name a user's events are filed under, as
// targetNames reads it: the display name, or the username without one.
func userTargetName(u User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}
