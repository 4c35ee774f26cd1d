package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"roster/store"
)

// KindUsers is a bulk action on a fixed set of users (store.CreateUsersJob)
// whose parameters are a UserAction.
const KindUsers = "users.bulk"

// User actions beside the store's (store.ActionLock and the others).
const (
	ActionMove            = "move"
	ActionAddToGroup      = "add_group"
	ActionRemoveFromGroup = "remove_group"
	ActionResetPassword   = "reset_password"
)

// UserAction is one of the console's bulk actions with its options: the
// same whether it is applied to the users ticked on a page or run as a job
// over every user a filter matches.
type UserAction struct {
	Action        string     `json:"action"` // a store.Action* or one of the Action* above
	Until         *time.Time `json:"until,omitempty"`
	OrgUnitID     int64      `json:"org_unit_id,omitempty"`
	GroupID       int64      `json:"group_id,omitempty"`
	RequireChange bool       `json:"require_change,omitempty"`
}

// Apply applies a to up to store.MaxBatch users (public ids), each audited;
// users it cannot change are failed items of the result.
func (a UserAction) Apply(ctx context.Context, st *store.Store, tenant int64, ids []string) (store.BatchResult, error) {
	switch a.Action {
	case ActionMove:
		return st.MoveUsers(ctx, tenant, a.OrgUnitID, ids)
	case ActionAddToGroup:
		return st.AddGroupMembers(ctx, tenant, a.GroupID, ids)
	case ActionRemoveFromGroup:
		return st.RemoveGroupMembers(ctx, tenant, a.GroupID, ids)
	case ActionResetPassword:
		return st.SendPasswordResets(ctx, tenant, ids, a.RequireChange)
	default:
		return st.ApplyUserAction(ctx, tenant, store.UserAction{Kind: a.Action, Until: a.Until}, ids)
	}
}

// runUsers applies a users job's action to its users a batch at a time,
// walking them by id.
func runUsers(ctx context.Context, st *store.Store, j store.Job, p *Progress) error {
	var a UserAction
	if err := json.Unmarshal(j.Params, &a); err != nil {
		return fmt.Errorf("jobs: parameters of %s: %w", j.PublicID(), err)
	}
	named := 0 // failures named so far: only the kept ones need a name
	for after := int64(0); ; {
		ids, err := st.JobUserIDs(ctx, j.ID, after, store.MaxBatch)
		if err != nil || len(ids) == 0 {
			return err
		}
		after = ids[len(ids)-1]
		pids := make([]string, len(ids))
		for i, id := range ids {
			pids[i] = store.PublicID(store.PrefixUser, id)
		}
		res, err := a.Apply(ctx, st, j.TenantID, pids)
		if errors.Is(err, store.ErrNotFound) {
			// Only the group is looked up as a whole; users are items.
			return store.FieldErrors{"group_id": "The group was removed while the job ran."}
		}
		if err != nil {
			return err
		}
		failures := make([]store.JobFailure, len(res.Failed))
		for i, f := range res.Failed {
			failures[i] = store.JobFailure{Item: f.Key, Message: f.Message}
		}
		if named < store.MaxJobFailures && len(failures) > 0 {
			if err := nameUsers(ctx, st, j.TenantID, failures[:min(len(failures), store.MaxJobFailures-named)]); err != nil {
				return err
			}
			named += len(failures)
		}
		if err := p.Add(ctx, len(res.Succeeded), failures); err != nil {
			return err
		}
	}
}

// nameUsers fills in the usernames of failed users that still exist.
func nameUsers(ctx context.Context, st *store.Store, tenant int64, fs []store.JobFailure) error {
	for start := 0; start < len(fs); start += store.MaxPageSize {
		part := fs[start:min(start+store.MaxPageSize, len(fs))]
		var ids []int64
		for _, f := range part {
			if id, ok := store.ParseID(store.PrefixUser, f.Item); ok {
				ids = append(ids, id)
			}
		}
		l, err := st.ListUsers(ctx, tenant, store.UserFilter{IDs: ids, Page: store.Page{Size: store.MaxPageSize}})
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, u := range l.Items {
			names[u.PublicID()] = u.Username
		}
		for i := range part {
			part[i].Name = names[part[i].Item]
		}
	}
	return nil
}
