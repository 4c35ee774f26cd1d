package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The batch actions on users (ApplyUserAction, MoveUsers, AddGroupMembers,
// RemoveGroupMembers) take the same few statements whatever the batch's
// size: one read of its users, one write of those it changes, and one
// insert of their audit events. A user at a time they were three or four
// statements each, on PostgreSQL as many round trips: 10,000 users, 500 a
// request, took 6 to 9 s there and up to 2.5 s on SQLite.

// eachUserSet is eachUser for an action done on a whole batch at once:
// fn gets the batch's distinct user ids in item order, once, and returns
// those the tenant has no user of, which are failed items (not found).
// Failed and Succeeded come out as eachUser makes them.
func eachUserSet(ids []string, res *BatchResult, fn func(ids []int64) (missing map[int64]bool, err error)) error {
	var todo []int64
	if err := eachUser(ids, &BatchResult{}, func(id int64) error {
		todo = append(todo, id)
		return nil
	}); err != nil {
		return err
	}
	missing, err := fn(todo)
	if err != nil {
		return err
	}
	return eachUser(ids, res, func(id int64) error {
		if missing[id] {
			return ErrNotFound
		}
		return nil
	})
}

// inIDs is the condition that col is one of ids, with its arguments: one
// array parameter on PostgreSQL, so the statement's text is the same for
// any number of ids (prepared once per connection); a list of parameters
// on SQLite, whose limit (maxArgs) a batch of MaxBatch is far below.
func (s *Store) inIDs(col string, ids []int64) (string, []any) {
	if s.pg {
		return col + ` = ANY(?)`, []any{ids}
	}
	marks, args := idList(ids)
	return col + ` IN (` + marks + `)`, args
}

// batchUsers reads the users ids of tenant, by id, with what a batch
// action's events record of them: names, email, status, org unit and lock
// fields (the other fields are left zero). An id the tenant has no user of
// is not in the map.
func (s *Store) batchUsers(ctx context.Context, tx *sql.Tx, tenant int64, ids []int64) (map[int64]User, error) {
	out := make(map[int64]User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := s.inIDs("id", ids)
	rows, err := tx.QueryContext(ctx, `SELECT id, username, display_name, email, status, org_unit_id, locked_at, lock_until, lock_at
		FROM users WHERE tenant_id = ? AND `+in, append([]any{tenant}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: read users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		u := User{TenantID: tenant}
		var lockedAt, lockUntil, lockAt sql.NullInt64
		if err := rows.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.Status, &u.OrgUnitID, &lockedAt, &lockUntil, &lockAt); err != nil {
			return nil, fmt.Errorf("store: read users: %w", err)
		}
		u.LockedAt, u.LockUntil, u.LockAt = fromNullMillis(lockedAt), fromNullMillis(lockUntil), fromNullMillis(lockAt)
		out[u.ID] = u
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read users: %w", err)
	}
	return out, nil
}

// missingFrom is the ids users has not got.
func missingFrom(ids []int64, users map[int64]User) map[int64]bool {
	missing := map[int64]bool{}
	for _, id := range ids {
		if _, ok := users[id]; !ok {
			missing[id] = true
		}
	}
	return missing
}

// returningIDs runs q, a write ending in RETURNING one id column, and
// returns the ids it wrote: an event is written for exactly those (on
// PostgreSQL another transaction may have deleted a user, or added a
// membership, since the batch's read).
func returningIDs(ctx context.Context, tx *sql.Tx, q string, args []any) (map[int64]bool, error) {
	done := map[int64]bool{}
	err := scanEach(ctx, tx, nil, q, args, func(sc rowScanner) error {
		var id int64
		err := sc.Scan(&id)
		done[id] = true
		return err
	})
	return done, err
}

// userActions applies act to the users ids of tenant (distinct, at most
// MaxBatch) with their events, and returns the ids the tenant has no user
// of. A user the action would leave as they are (enabling an enabled user,
// unlocking one neither locked nor with another lock scheduled) is left
// without an event.
func (s *Store) userActions(ctx context.Context, tx *sql.Tx, tenant int64, ids []int64, act UserAction) (map[int64]bool, error) {
	users, err := s.batchUsers(ctx, tx, tenant, ids)
	if err != nil {
		return nil, err
	}
	now := s.now()
	ms := now.UnixMilli()
	var changed []int64
	var changes []Changes
	for _, id := range ids {
		if u, ok := users[id]; ok {
			if ch := actionChanges(u, act, now); ch != nil {
				changed, changes = append(changed, id), append(changes, ch)
			}
		}
	}
	if len(changed) == 0 {
		return missingFrom(ids, users), nil
	}
	var q string
	var args []any
	switch act.Kind {
	case ActionLock:
		q, args = `UPDATE users SET locked_at = ?, lock_until = ?, lock_reason = ?, updated_at = ?`,
			[]any{ms, toNullMillis(act.Until), LockAdmin, ms}
	case ActionUnlock:
		q, args = `UPDATE users SET locked_at = NULL, lock_until = NULL, lock_reason = NULL, lock_at = ?, updated_at = ?`,
			[]any{toNullMillis(act.LockAt), ms}
	case ActionEnable, ActionDisable:
		q, args = `UPDATE users SET status = ?, updated_at = ?`, []any{actionStatus(act.Kind), ms}
	case ActionDelete:
		q = `DELETE FROM users`
		if err := s.unindexForSearch(ctx, tx, tenant, changed); err != nil {
			return nil, err
		}
	}
	in, inArgs := s.inIDs("id", changed)
	done, err := returningIDs(ctx, tx, q+` WHERE tenant_id = ? AND `+in+` RETURNING id`, append(append(args, tenant), inArgs...))
	if err != nil {
		return nil, fmt.Errorf("store: %s users: %w", act.Kind, err)
	}
	var ev events
	for k, id := range changed {
		if !done[id] {
			continue
		}
		u := users[id]
		name := userTargetName(u)
		if act.Kind == ActionDelete {
			name = u.Username // as the event's changes keep it, the user gone
		}
		if err := ev.add(id, "user."+act.Kind, "user", u.PublicID(), name, changes[k]); err != nil {
			return nil, err
		}
	}
	return missingFrom(ids, users), s.writeEvents(ctx, tx, tenant, ms, &ev)
}

// actionChanges is what act changes of u at now, for its event: nil when
// it changes nothing.
func actionChanges(u User, act UserAction, now time.Time) Changes {
	ch := Changes{}
	switch act.Kind {
	case ActionLock:
		// Locking again restarts the lock, with this action's end.
		ch["locked"] = Change{Before: u.Locked(now), After: true}
		if act.Until != nil {
			ch["lock_until"] = Change{After: timeText(act.Until)}
		}
	case ActionUnlock:
		if u.LockedAt == nil && u.LockUntil == nil && toNullMillis(u.LockAt) == toNullMillis(act.LockAt) {
			return nil
		}
		ch["locked"] = Change{Before: u.Locked(now), After: false}
		ch.set("auto_lock_at", timeText(u.LockAt), timeText(act.LockAt))
	case ActionEnable, ActionDisable:
		st := actionStatus(act.Kind)
		if u.Status == st {
			return nil
		}
		ch.set("status", u.Status, st)
	case ActionDelete:
		ch["username"] = Change{Before: u.Username}
		if u.Email != "" {
			ch["email"] = Change{Before: u.Email}
		}
	}
	return ch
}

// actionStatus is the status enable or disable gives.
func actionStatus(kind string) string {
	if kind == ActionDisable {
		return StatusDisabled
	}
	return StatusEnabled
}

// moveUsers puts the users ids of tenant (distinct, at most MaxBatch)
// into unit with their events, and returns the ids the tenant has no user
// of. A user already in unit is left without an event.
func (s *Store) moveUsers(ctx context.Context, tx *sql.Tx, tenant, unit int64, ids []int64) (map[int64]bool, error) {
	users, err := s.batchUsers(ctx, tx, tenant, ids)
	if err != nil {
		return nil, err
	}
	var changed []int64
	for _, id := range ids {
		if u, ok := users[id]; ok && u.OrgUnitID != unit {
			changed = append(changed, id)
		}
	}
	if len(changed) == 0 {
		return missingFrom(ids, users), nil
	}
	ms := s.nowMillis()
	in, inArgs := s.inIDs("id", changed)
	done, err := returningIDs(ctx, tx, `UPDATE users SET org_unit_id = ?, updated_at = ? WHERE tenant_id = ? AND `+in+` RETURNING id`,
		append([]any{unit, ms, tenant}, inArgs...))
	if err != nil {
		return nil, fmt.Errorf("store: move users: %w", err)
	}
	var ev events
	moves := unitMoves{}
	for _, id := range changed {
		if u := users[id]; done[id] {
			moves.move(u.OrgUnitID, unit, 1)
			ch := Changes{"org_unit_id": {Before: orgUnitText(u.OrgUnitID), After: orgUnitText(unit)}}
			if err := ev.add(id, "user.move", "user", u.PublicID(), userTargetName(u), ch); err != nil {
				return nil, err
			}
		}
	}
	if err := s.countUnitMoves(ctx, tx, moves); err != nil {
		return nil, err
	}
	return missingFrom(ids, users), s.writeEvents(ctx, tx, tenant, ms, &ev)
}

// setMembers adds the users ids of g's tenant (distinct, at most
// MaxBatch) to g, or takes them out, with their events, and returns the
// ids the tenant has no user of. A user already in (or out of) the group
// is left as they are, without an event.
func (s *Store) setMembers(ctx context.Context, tx *sql.Tx, g Group, ids []int64, add bool) (map[int64]bool, error) {
	users, err := s.batchUsers(ctx, tx, g.TenantID, ids)
	if err != nil {
		return nil, err
	}
	var found []int64
	for _, id := range ids {
		if _, ok := users[id]; ok {
			found = append(found, id)
		}
	}
	if len(found) == 0 {
		return missingFrom(ids, users), nil
	}
	ms := s.nowMillis()
	action, q, args := "group.add_member", "", []any{}
	if add {
		in, inArgs := s.inIDs("id", found)
		q = `INSERT INTO group_members (group_id, user_id, joined_at, username)
			SELECT ?, id, ?, username FROM users WHERE tenant_id = ? AND ` + in + ` ON CONFLICT DO NOTHING RETURNING user_id`
		args = append([]any{g.ID, ms, g.TenantID}, inArgs...)
	} else {
		action = "group.remove_member"
		in, inArgs := s.inIDs("user_id", found)
		q = `DELETE FROM group_members WHERE group_id = ? AND ` + in + ` RETURNING user_id`
		args = append([]any{g.ID}, inArgs...)
	}
	done, err := returningIDs(ctx, tx, q, args)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", action, err)
	}
	var ev events
	for _, id := range found {
		if done[id] {
			ch := Changes{"user_id": {After: PublicID(PrefixUser, id)}}
			if err := ev.add(id, action, "group", g.PublicID(), g.Name, ch); err != nil {
				return nil, err
			}
		}
	}
	return missingFrom(ids, users), s.writeEvents(ctx, tx, g.TenantID, ms, &ev)
}
