package edsuser

import (
	"roster/handlers/acs"
	"roster/store"
)

// failedUser is one user a batch action did not apply to.
type failedUser struct {
	EndUserId    string //nolint:revive // the protocol's spelling
	ErrorCode    string
	ErrorMessage string
}

// failureCodes are eds-user's names for the store's kinds of refusal.
var failureCodes = map[string]string{
	"not_found": "EndUserIdNotFound",
	"invalid":   "InvalidParameter",
	"conflict":  "ExistedEndUserId",
	"duplicate": "DuplicateEndUserId",
}

// byUsername applies apply, a store batch method taking user ids, to the
// users the list parameter param names, and returns the usernames it was
// applied to and those it was not, with why. A name no user of the tenant
// has fails alone.
func (a api) byUsername(c *acs.Call, param string, apply func(ids []string) (store.BatchResult, error)) ([]string, []failedUser, error) {
	names, err := c.List(param)
	if err != nil {
		return nil, nil, err
	}
	if len(names) == 0 {
		return nil, nil, acs.Missing(param)
	}
	ids, err := a.store.UserIDsByUsername(c.Request().Context(), c.Key.TenantID, names)
	if err != nil {
		return nil, nil, err
	}
	done, failed := []string{}, []failedUser{}
	var known, knownNames []string
	for _, n := range names {
		if id, ok := ids[n]; ok {
			known, knownNames = append(known, id), append(knownNames, n)
		} else {
			failed = append(failed, failedUser{EndUserId: n, ErrorCode: failureCodes["not_found"], ErrorMessage: "No user of this tenant has this EndUserId."})
		}
	}
	if len(known) == 0 {
		return done, failed, nil
	}
	res, err := apply(known)
	if err != nil {
		return nil, nil, err
	}
	for _, ok := range res.Succeeded {
		done = append(done, knownNames[ok.Index])
	}
	for _, f := range res.Failed {
		code := failureCodes[f.Code]
		if code == "" {
			code = "InvalidParameter"
		}
		failed = append(failed, failedUser{EndUserId: knownNames[f.Index], ErrorCode: code, ErrorMessage: f.Message})
	}
	return done, failed, nil
}

type removeUsersReply struct {
	acs.Common
	RemoveUsersResult struct {
		RemovedUsers []string
		FailedUsers  []failedUser
	}
}

// removeUsers deletes users for good.
func (a api) removeUsers(c *acs.Call) (acs.Reply, error) {
	done, failed, err := a.byUsername(c, "Users", a.action(c, store.ActionDelete))
	if err != nil {
		return nil, err
	}
	out := &removeUsersReply{}
	out.RemoveUsersResult.RemovedUsers, out.RemoveUsersResult.FailedUsers = done, failed
	return out, nil
}

type lockUsersReply struct {
	acs.Common
	LockUsersResult struct {
		LockedUsers []string
		FailedUsers []failedUser
	}
}

// lockUsers locks users until they are unlocked. LogoutSession is always
// what happens: a locked user's sessions end at their next request.
func (a api) lockUsers(c *acs.Call) (acs.Reply, error) {
	if _, err := boolParam(c, "LogoutSession"); err != nil {
		return nil, err
	}
	done, failed, err := a.byUsername(c, "Users", a.action(c, store.ActionLock))
	if err != nil {
		return nil, err
	}
	out := &lockUsersReply{}
	out.LockUsersResult.LockedUsers, out.LockUsersResult.FailedUsers = done, failed
	return out, nil
}

type unlockUsersReply struct {
	acs.Common
	UnlockUsersResult struct {
		UnlockedUsers []string
		FailedUsers   []failedUser
	}
}

// unlockUsers lifts users' locks; AutoLockTime, when given, locks them
// again then, and otherwise any scheduled lock is cleared.
func (a api) unlockUsers(c *acs.Call) (acs.Reply, error) {
	lockAt, err := a.lockTimeParam(c)
	if err != nil {
		return nil, err
	}
	done, failed, err := a.byUsername(c, "Users", func(ids []string) (store.BatchResult, error) {
		return a.store.ApplyUserAction(c.Request().Context(), c.Key.TenantID, store.UserAction{Kind: store.ActionUnlock, LockAt: lockAt}, ids)
	})
	if err != nil {
		return nil, err
	}
	out := &unlockUsersReply{}
	out.UnlockUsersResult.UnlockedUsers, out.UnlockUsersResult.FailedUsers = done, failed
	return out, nil
}

func (a api) action(c *acs.Call, kind string) func([]string) (store.BatchResult, error) {
	return func(ids []string) (store.BatchResult, error) {
		return a.store.ApplyUserAction(c.Request().Context(), c.Key.TenantID, store.UserAction{Kind: kind}, ids)
	}
}

// moveUserOrg moves users to an org.
func (a api) moveUserOrg(c *acs.Call) (acs.Reply, error) {
	org, err := a.orgParam(c, "OrgId")
	if err != nil {
		return nil, err
	}
	if org == 0 {
		return nil, acs.Missing("OrgId")
	}
	return a.batchQuietly(c, "EndUserIds", func(ids []string) (store.BatchResult, error) {
		return a.store.MoveUsers(c.Request().Context(), c.Key.TenantID, org, ids)
	})
}

// changeMembers adds users to a group, or removes them.
func (a api) changeMembers(add bool) func(*acs.Call) (acs.Reply, error) {
	return func(c *acs.Call) (acs.Reply, error) {
		group, err := groupParam(c, "GroupId")
		if err != nil {
			return nil, err
		}
		if group == 0 {
			return nil, acs.Missing("GroupId")
		}
		change := a.store.RemoveGroupMembers
		if add {
			change = a.store.AddGroupMembers
		}
		return a.batchQuietly(c, "EndUserIds", func(ids []string) (store.BatchResult, error) {
			return change(c.Request().Context(), c.Key.TenantID, group, ids)
		})
	}
}

// batchQuietly is byUsername for the actions whose answer lists nothing:
// any user not done fails the request, naming the first.
func (a api) batchQuietly(c *acs.Call, param string, apply func([]string) (store.BatchResult, error)) (acs.Reply, error) {
	_, failed, err := a.byUsername(c, param, apply)
	if err != nil {
		return nil, err
	}
	if len(failed) > 0 {
		return nil, &acs.Error{Status: 400, Code: failed[0].ErrorCode, Message: failed[0].EndUserId + ": " + failed[0].ErrorMessage}
	}
	return &emptyReply{}, nil
}

type resetUsersReply struct {
	acs.Common
	ResetUsersResult struct {
		ResetUsers  []string
		FailedUsers []failedUser
	}
}

// resetUserPassword emails users a link to choose a new password; the
// administrator never sees it. NotifyType 1 is email; Roster sends no SMS,
// so 2 and 3 are refused.
func (a api) resetUserPassword(c *acs.Call) (acs.Reply, error) {
	if n, err := c.Int("NotifyType", 1, 1, 3); err != nil {
		return nil, err
	} else if n != 1 {
		return nil, acs.Invalid("NotifyType", "only 1 (email) is served; Roster sends no SMS")
	}
	done, failed, err := a.byUsername(c, "Users", func(ids []string) (store.BatchResult, error) {
		return a.store.SendPasswordResets(c.Request().Context(), c.Key.TenantID, ids, false)
	})
	if err != nil {
		return nil, err
	}
	out := &resetUsersReply{}
	out.ResetUsersResult.ResetUsers, out.ResetUsersResult.FailedUsers = done, failed
	return out, nil
}
