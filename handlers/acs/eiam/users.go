package eiam

import (
	"time"
	"unsafe"

	"roster/handlers/acs"
	"roster/store"
)

// EIAM spells the source of users made in the directory itself build_in;
// Roster spells it built_in.
const (
	eiamBuiltIn   = "build_in"
	rosterBuiltIn = "built_in"
)

// lockedForever is the LockExpireTime of a lock without an end (EIAM has
// none; a client reads a user as locked while the time is ahead):
// 9999-12-31T23:59:59Z.
const lockedForever = 253402300799000

// user is EIAM's user object as ListUsers answers it. Times that are not
// set (no expiry, never registered, not locked) are left out.
type user struct {
	UserId              string //nolint:revive // the protocol's spelling
	Username            string
	DisplayName         string
	PasswordSet         bool
	PhoneRegion         string
	PhoneNumber         string
	PhoneNumberVerified bool
	Email               string
	EmailVerified       bool
	UserExternalId      string //nolint:revive // the protocol's spelling
	UserSourceType      string
	UserSourceId        string //nolint:revive // the protocol's spelling
	Status              string
	AccountExpireTime   *int64 `json:",omitempty"`
	PasswordExpireTime  *int64 `json:",omitempty"`
	RegisterTime        *int64 `json:",omitempty"`
	LockExpireTime      *int64 `json:",omitempty"`
	CreateTime          int64
	UpdateTime          int64
	Description         string
	InstanceId          string //nolint:revive // the protocol's spelling
}

type listUsersReply struct {
	acs.Common
	TotalCount int
	Users      []user
	NextToken  string
	MaxResults int
}

// listUsers lists the tenant's users that every filter given keeps, by
// username: a page by PageNumber, or from NextToken.
func (a api) listUsers(c *acs.Call) (acs.Reply, error) {
	inst, err := a.instance(c)
	if err != nil {
		return nil, err
	}
	f, err := userFilter(c, inst)
	if err != nil {
		return nil, err
	}
	if f.Page, err = page(c); err != nil {
		return nil, err
	}
	l, err := store.ListUsersCached(c.Request().Context(), a.store, a.users, c.Key.TenantID, f, newListedUser)
	if err != nil {
		return nil, err
	}
	out := &listUsersReply{TotalCount: l.Total, Users: make([]user, len(l.Items)), NextToken: l.Next, MaxResults: f.Page.Size}
	now := a.store.Now()
	for i, u := range l.Items {
		out.Users[i] = u.at(inst, now)
	}
	return out, nil
}

// page reads the page asked for: MaxResults, else PageSize, entries (1 to
// 100, 20 when neither is given), from NextToken, else at PageNumber.
func page(c *acs.Call) (store.Page, error) {
	size, err := c.Int("PageSize", store.DefaultPageSize, 1, store.MaxPageSize)
	if err != nil {
		return store.Page{}, err
	}
	if size, err = c.Int("MaxResults", size, 1, store.MaxPageSize); err != nil {
		return store.Page{}, err
	}
	number, err := c.Int("PageNumber", 1, 1, 1<<20)
	if err != nil {
		return store.Page{}, err
	}
	next := c.Params.Get("NextToken")
	if next != "" && c.Params.Get("PageNumber") != "" {
		return store.Page{}, acs.Invalid("NextToken", "a page is at a PageNumber or after a NextToken, not both")
	}
	return store.Page{Cursor: next, Number: number, Size: size}, nil
}

// filterParams are EIAM's names of the filters, by the store's, to name
// the parameter the store refuses.
var filterParams = map[string]string{
	"user_ids": "UserIds", "username_prefix": "UsernameStartsWith", "display_name_prefix": "DisplayNameStartsWith",
	"phone_region": "PhoneRegion", "phone_number": "PhoneNumber", "email": "Email", "external_id": "UserExternalId",
	"source_id": "UserSourceId", "source_type": "UserSourceType", "status": "Status",
}

// userFilter reads ListUsers' filters. Names match by prefix, everything
// else exactly; UserSourceId the instance itself means users made in the
// directory (build_in).
func userFilter(c *acs.Call, inst string) (store.UserFilter, error) {
	p := c.Params
	f := store.UserFilter{UsernamePrefix: p.Get("UsernameStartsWith"), DisplayNamePrefix: p.Get("DisplayNameStartsWith"),
		PhoneRegion: p.Get("PhoneRegion"), PhoneNumber: p.Get("PhoneNumber"), Email: p.Get("Email"),
		ExternalID: p.Get("UserExternalId"), SourceType: p.Get("UserSourceType"), SourceID: p.Get("UserSourceId"),
		Status: p.Get("Status")}
	if f.SourceType == eiamBuiltIn {
		f.SourceType = rosterBuiltIn
	}
	if f.SourceID == inst {
		if f.SourceType != "" && f.SourceType != rosterBuiltIn {
			return f, acs.Invalid("UserSourceId", "the instance is the source of build_in users only, not of "+f.SourceType)
		}
		f.SourceID, f.SourceType = "", rosterBuiltIn
	}
	ids, err := c.List("UserIds")
	if err != nil {
		return f, err
	}
	for _, v := range ids {
		id, ok := store.ParseID(store.PrefixUser, v)
		if !ok {
			return f, acs.Invalid("UserIds", "not a user id (u_…): "+v)
		}
		f.IDs = append(f.IDs, id)
	}
	if v := p.Get("OrganizationalUnitId"); v != "" {
		var ok bool
		if f.OrgUnitID, ok = store.ParseID(store.PrefixOrgUnit, v); !ok {
			return f, acs.Invalid("OrganizationalUnitId", "not an organizational unit id (ou_…): "+v)
		}
	}
	for field, msg := range store.CheckUserFilter(f) {
		return f, acs.Invalid(filterParams[field], msg)
	}
	return f, nil
}

// listCacheBytes bounds ListUsers' users cache: at about 700 bytes a
// user (its entry included), some six thousand users. A sync
// walks every page once and gains nothing from it; the pages read over
// and over (the first ones, a unit's) are what it is for.
const listCacheBytes = 4 << 20

// listedUser is a user as ListUsers shows it, kept in the users cache
// while the user's row is unchanged. What depends on the instance named
// (InstanceId, and the source of users made in the directory) and on the
// time (whether a lock has ended) is left to at.
type listedUser struct {
	user
	// fromInstance: UserSourceId is the instance, as the caller names it.
	fromInstance                bool
	lockedAt, lockUntil, lockAt *time.Time
}

func newListedUser(u *store.User) *listedUser {
	l := &listedUser{user: user{UserId: u.PublicID(), Username: u.Username, DisplayName: u.DisplayName,
		PasswordSet: u.PasswordSet, PhoneRegion: u.PhoneRegion, PhoneNumber: u.PhoneNumber,
		PhoneNumberVerified: u.PhoneVerified, Email: u.Email, EmailVerified: u.EmailVerified,
		UserExternalId: u.ExternalID, UserSourceType: u.SourceType, UserSourceId: u.SourceID, Status: u.Status,
		AccountExpireTime: millis(u.AccountExpiresAt), PasswordExpireTime: millis(u.PasswordExpiresAt),
		RegisterTime: millis(u.RegisteredAt), CreateTime: u.CreatedAt.UnixMilli(), UpdateTime: u.UpdatedAt.UnixMilli(),
		Description: u.Description}, lockedAt: u.LockedAt, lockUntil: u.LockUntil, lockAt: u.LockAt}
	// EIAM's defaults: the external id is the user's own, and users made
	// in the directory come from the instance.
	if l.UserExternalId == "" {
		l.UserExternalId = l.UserId
	}
	if l.UserSourceType == rosterBuiltIn {
		l.UserSourceType = eiamBuiltIn
		l.fromInstance = l.UserSourceId == ""
	}
	return l
}

// size is about the bytes l holds: the struct, its strings and its times.
func (l *listedUser) size() int {
	n := int(unsafe.Sizeof(*l)) + 6*int(unsafe.Sizeof(time.Time{}))
	for _, s := range []string{l.UserId, l.Username, l.DisplayName, l.PhoneRegion, l.PhoneNumber, l.Email,
		l.UserExternalId, l.UserSourceType, l.UserSourceId, l.Status, l.Description} {
		n += len(s)
	}
	return n
}

// at is the user as EIAM's user object in instance inst at now.
func (l *listedUser) at(inst string, now time.Time) user {
	out := l.user
	out.InstanceId = inst
	if l.fromInstance {
		out.UserSourceId = inst
	}
	if (store.User{LockedAt: l.lockedAt, LockUntil: l.lockUntil, LockAt: l.lockAt}).Locked(now) {
		until := int64(lockedForever)
		if l.lockUntil != nil {
			until = l.lockUntil.UnixMilli()
		}
		out.LockExpireTime = &until
	}
	return out
}

func millis(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}
