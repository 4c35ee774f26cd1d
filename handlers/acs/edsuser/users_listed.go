package edsuser

import (
	"maps"
	"slices"
	"time"
	"unsafe"

	"roster/store"
)

// listCacheBytes bounds the users cache of DescribeUsers and FilterUsers:
// at 650 bytes a user without property values and some 1.5 KB with a
// handful (kept in both lists' shapes), three to six thousand users. A
// sync walks every page once and gains nothing from it; the pages read
// over and over (the first ones, a unit's, a group's) are what it is for.
const listCacheBytes = 4 << 20

// listedUser is a user as DescribeUsers and FilterUsers show it, kept in
// the users cache while the user's row is unchanged: what comes from the
// row alone (and the tenant's property definitions, which the cache
// checks). Its org path and groups change with the units' and groups'
// names, and its lock status and the days left on its password with the
// time, so compose and FilterUsers add them when a list answers.
type listedUser struct {
	user    // without Status, Orgs and Groups; Properties left to DescribeUsers
	orgUnit int64
	// keyValues are the user's property values as DescribeUsers answers
	// them, properties the values of FilterUsers.
	keyValues                   []keyValue
	properties                  []userProperty
	lockedAt, lockUntil, lockAt *time.Time
	passwordExpiresAt           *time.Time
}

func newListedUser(u *store.User) *listedUser {
	l := &listedUser{user: user{Id: u.ID, EndUserId: u.Username, Email: u.Email, Phone: phone(*u),
		RealNickName: u.DisplayName, NickName: nickName(*u), Remark: u.Description, Status: statusNormal,
		OwnerType: ownerTypeNames[u.OwnerType]}, orgUnit: u.OrgUnitID, keyValues: []keyValue{},
		properties: userProperties(*u), lockedAt: u.LockedAt, lockUntil: u.LockUntil, lockAt: u.LockAt,
		passwordExpiresAt: u.PasswordExpiresAt}
	if u.LockAt != nil {
		l.AutoLockTime = u.LockAt.UTC().Format(lockTimeLayout)
	}
	for _, key := range slices.Sorted(maps.Keys(u.Properties)) {
		for _, value := range u.Properties[key].Values {
			l.keyValues = append(l.keyValues, keyValue{Key: key, Value: value})
		}
	}
	return l
}

// size is about the bytes l holds: the struct, its strings, its times and
// its property values in both shapes.
func (l *listedUser) size() int {
	n := int(unsafe.Sizeof(*l)) + 4*int(unsafe.Sizeof(time.Time{}))
	for _, s := range []string{l.EndUserId, l.Email, l.Phone, l.RealNickName, l.NickName, l.Remark, l.OwnerType, l.AutoLockTime} {
		n += len(s)
	}
	for _, kv := range l.keyValues {
		n += int(unsafe.Sizeof(kv)) + len(kv.Key) + len(kv.Value)
	}
	for _, p := range l.properties {
		n += int(unsafe.Sizeof(p)) + len(p.PropertyKey) + len(p.UserName)
		for _, v := range p.PropertyValues {
			n += int(unsafe.Sizeof(v)) + len(v.PropertyValue)
		}
	}
	return n
}
