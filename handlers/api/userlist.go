package api

import (
	"bytes"
	"time"

	"roster/store"
)

// listCacheBytes bounds the users cache of the user lists: at about 1.5 KB
// a user, some ten thousand users, the pages in steady use many times over.
const listCacheBytes = 16 << 20

// listedUser is a user as the lists show it, encoded once and kept in the
// users cache (store.UserCache) while the user is unchanged: its JSON, cut
// where what a list adds at the time it answers goes (whether the user is
// locked and the lock's details, which change when a lock ends; when the
// user joined the listed group), and what the lock is worked out from.
type listedUser struct {
	enc            []byte
	lockAt, joinAt int // where in enc the lock and joined_at go
	lock           struct {
		lockedAt, lockUntil, autoLockAt *time.Time
		reason                          string
	}
}

// listedUserOverhead is about what a listedUser costs besides its JSON.
const listedUserOverhead = 160

func newListedUser(u *store.User) *listedUser {
	a := toAPIUser(*u)
	l := &listedUser{}
	// Written into a pooled buffer, then kept at its exact size.
	bp := jsonBufs.Get().(*[]byte)
	b := appendUserHead((*bp)[:0], &a)
	l.lockAt = len(b)
	b = appendUserBody(b, &a)
	l.joinAt = len(b)
	b = appendUserTail(b, &a)
	l.enc = bytes.Clone(b)
	*bp = b
	jsonBufs.Put(bp)
	l.lock.lockedAt, l.lock.lockUntil, l.lock.autoLockAt, l.lock.reason = u.LockedAt, u.LockUntil, u.LockAt, u.LockReason
	return l
}

func (l *listedUser) size() int { return cap(l.enc) + listedUserOverhead }

// append writes the user as appendUser writes it at now, with joined_at
// when joined is not nil.
func (l *listedUser) append(b []byte, now time.Time, joined *time.Time) []byte {
	b = append(b, l.enc[:l.lockAt]...)
	var a apiUser
	a.setLock(&store.User{LockedAt: l.lock.lockedAt, LockUntil: l.lock.lockUntil, LockAt: l.lock.autoLockAt,
		LockReason: l.lock.reason}, now)
	b = appendUserLock(b, &a)
	b = append(b, l.enc[l.lockAt:l.joinAt]...)
	if joined != nil {
		b = appendTimePtr(b, "joined_at", joined)
	}
	return append(b, l.enc[l.joinAt:]...)
}

// appendListedUsers writes a page of listed users, with when each joined
// when joined is not nil.
func appendListedUsers(b []byte, l *store.CachedUsers[*listedUser], joined map[int64]time.Time) []byte {
	now := time.Now()
	b = append(b, `{"items":[`...)
	for i, u := range l.Items {
		if i > 0 {
			b = append(b, ',')
		}
		var at *time.Time
		if t, ok := joined[l.IDs[i]]; ok {
			at = &t
		}
		b = u.append(b, now, at)
	}
	return appendUserListEnd(b, l.Total, l.TotalCapped, l.Next, l.Prev, l.SortedBy)
}
