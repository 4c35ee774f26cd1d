package edsuser

import (
	"context"
	"errors"
	"strings"
	"time"

	"roster/handlers/acs"
	"roster/store"
)

// Status values: eds-user knows only these two.
const (
	statusNormal = 0
	statusLocked = 9
)

type userOrg struct {
	OrgId       string //nolint:revive // the protocol's spelling
	OrgName     string
	OrgNamePath string
}

type userGroup struct {
	GroupId   string //nolint:revive // the protocol's spelling
	GroupName string
}

type keyValue struct {
	Key   string
	Value string
}

// user is eds-user's user object as DescribeUsers answers it.
type user struct {
	Id              int64  //nolint:revive // the protocol's spelling
	EndUserId       string //nolint:revive // the protocol's spelling
	Email           string
	Phone           string `json:",omitempty"`
	RealNickName    string
	NickName        string
	Remark          string
	Status          int
	OwnerType       string
	IsTenantManager bool
	// AutoLockTime is when a scheduled lock takes effect, when one is.
	AutoLockTime string `json:",omitempty"`
	Orgs         []userOrg
	Groups       []userGroup
	Properties   []keyValue
}

type describeUsersReply struct {
	acs.Common
	Users     []user
	NextToken string
}

// describeUsers lists users: all of the tenant's, or those the filters
// keep, by username, MaxResults (up to 500) a page.
func (a api) describeUsers(c *acs.Call) (acs.Reply, error) {
	f, err := a.userFilter(c)
	if err != nil {
		return nil, err
	}
	limit, err := c.Int("MaxResults", 200, 1, 500)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	page, next, err := a.listUsers(ctx, c.Key.TenantID, f, c.Params.Get("NextToken"), limit)
	if err != nil {
		return nil, err
	}
	users, err := a.compose(ctx, c.Key.TenantID, page)
	if err != nil {
		return nil, err
	}
	for i, u := range page.users {
		users[i].Properties = u.keyValues
	}
	return &describeUsersReply{Users: users, NextToken: next}, nil
}

// userFilter reads the filters DescribeUsers and FilterUsers share.
func (a api) userFilter(c *acs.Call) (store.UserFilter, error) {
	var f store.UserFilter
	var err error
	if f.Query, err = filterParam(c); err != nil {
		return f, err
	}
	if f.Usernames, err = c.List("EndUserIds"); err != nil {
		return f, err
	}
	if f.ExcludeUsernames, err = c.List("ExcludeEndUserIds"); err != nil {
		return f, err
	}
	if f.OrgUnitID, err = a.orgParam(c, "OrgId"); err != nil {
		return f, err
	}
	if f.SubUnits, err = boolParam(c, "IsQueryAllSubOrgs"); err != nil {
		return f, err
	}
	if f.GroupID, err = groupParam(c, "GroupId"); err != nil {
		return f, err
	}
	if f.ExcludeGroupID, err = groupParam(c, "ExcludeGroupId"); err != nil {
		return f, err
	}
	switch c.Params.Get("Status") {
	case "":
	case "0":
		f.Locked = new(bool)
	case "9":
		locked := true
		f.Locked = &locked
	default:
		return f, acs.Invalid("Status", "0 (normal) or 9 (locked), not "+c.Params.Get("Status"))
	}
	return f, nil
}

// filterParam reads Filter, a substring of the username, display name or
// email. A * at either end is eds-user's wildcard and changes nothing
// here; one inside the text is refused, not guessed at.
func filterParam(c *acs.Call) (string, error) {
	v := strings.Trim(c.Params.Get("Filter"), "*")
	if strings.Contains(v, "*") {
		return "", acs.Invalid("Filter", "a * is only understood at the start or the end")
	}
	return v, nil
}

// listUsers reads up to limit users from the cursor next, in pages of the
// store's size, through the users cache, and the cursor after them (""
// after the last).
func (a api) listUsers(ctx context.Context, tenant int64, f store.UserFilter, next string, limit int) (listed, string, error) {
	var out listed
	for {
		f.Page = store.Page{Cursor: next, Size: min(limit-len(out.users), store.MaxPageSize)}
		l, err := store.ListUsersCached(ctx, a.store, a.users, tenant, f, newListedUser)
		if errors.Is(err, store.ErrBadCursor) {
			return listed{}, "", acs.Invalid("NextToken", "not a NextToken of this listing (with this order)")
		}
		if err != nil {
			return listed{}, "", err
		}
		out.users, out.ids, next = append(out.users, l.Items...), append(out.ids, l.IDs...), l.Next
		if next == "" || len(out.users) >= limit {
			return out, next, nil
		}
	}
}

// listed are listed users and their ids.
type listed struct {
	users []*listedUser
	ids   []int64
}

// compose turns listed users into eds-user's objects at the time it
// answers: with their groups and org paths, read once for the page, and
// their lock status. Their property values are left to DescribeUsers,
// which answers them in this object (FilterUsers answers them otherwise).
func (a api) compose(ctx context.Context, tenant int64, page listed) ([]user, error) {
	units := make([]int64, 0, len(page.users))
	for _, u := range page.users {
		if u.orgUnit != 0 {
			units = append(units, u.orgUnit)
		}
	}
	paths, err := a.store.OrgUnitPaths(ctx, tenant, units)
	if err != nil {
		return nil, err
	}
	groups, err := a.store.GroupsOfUsers(ctx, tenant, page.ids)
	if err != nil {
		return nil, err
	}
	now := a.store.Now()
	out := make([]user, len(page.users))
	for i, u := range page.users {
		eu := u.user
		eu.Orgs, eu.Groups = []userOrg{}, []userGroup{}
		if (store.User{LockedAt: u.lockedAt, LockUntil: u.lockUntil, LockAt: u.lockAt}).Locked(now) {
			eu.Status = statusLocked
		}
		if path := paths[u.orgUnit]; len(path) > 0 {
			id := store.PublicID(store.PrefixOrgUnit, u.orgUnit)
			if len(path) == 1 {
				id = rootOrgID
			}
			eu.Orgs = append(eu.Orgs, userOrg{OrgId: id, OrgName: path[len(path)-1], OrgNamePath: strings.Join(path, "/")})
		}
		for _, g := range groups[page.ids[i]] {
			eu.Groups = append(eu.Groups, userGroup{GroupId: g.PublicID(), GroupName: g.Name})
		}
		out[i] = eu
	}
	return out, nil
}

// ownerTypes are eds-user's OwnerType values as Roster's owner types;
// Normal is the default.
var ownerTypes = map[string]string{"": store.OwnerUser, "Normal": store.OwnerUser, "CreateFromManager": store.OwnerManager}

// ownerTypeNames are Roster's owner types as eds-user names them.
var ownerTypeNames = map[string]string{store.OwnerUser: "Normal", store.OwnerManager: "CreateFromManager"}

// lockTimeLayout is eds-user's AutoLockTime, read and written in UTC.
const lockTimeLayout = "2006-01-02 15:04:05"

// lockTimeParam reads AutoLockTime, a scheduled lock: yyyy-MM-dd HH:mm:ss
// or, as older clients send it, a date (its midnight), in UTC and in the
// future. nil when absent.
func (a api) lockTimeParam(c *acs.Call) (*time.Time, error) {
	v := c.Params.Get("AutoLockTime")
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(lockTimeLayout, v)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, v); err != nil {
			return nil, acs.Invalid("AutoLockTime", "not a time like 2030-12-31 18:00:00 (UTC) or a date like 2030-12-31: "+v)
		}
	}
	if !t.After(a.store.Now()) {
		return nil, acs.Invalid("AutoLockTime", "the automatic lock must be in the future: "+v)
	}
	return &t, nil
}

// nickName is what eds-user shows as a user's name: the display name,
// else the remark, else the username.
func nickName(u store.User) string {
	for _, s := range []string{u.DisplayName, u.Description} {
		if s != "" {
			return s
		}
	}
	return u.Username
}

func phone(u store.User) string {
	if u.PhoneNumber == "" {
		return ""
	}
	return "+" + u.PhoneRegion + " " + u.PhoneNumber
}
