package store

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"
)

// UserCache keeps values made from users (an API's encoding of each, say)
// for ListUsersCached, up to a bound in bytes, dropping the least recently
// used. Reading a user's whole row costs a list most of its time (each of
// its 35 columns is a call into the driver); a cached list reads only the
// page's ids and versions, and whole rows only for the users it has no
// value of at that version.
//
// A value is used only while the user's row still has the version it was
// made from (Store.versionColumn): the version comes from the database in
// the same statement that lists the page, and changes with every change of
// the row, so a change made anywhere (another process, another replica on
// the same PostgreSQL) is never missed. What a value shows from outside
// the row must be part of its key: the tenant's property definitions are
// (their fingerprint); what depends on the time (whether a lock has ended)
// the value's maker must leave to its user.
//
// A plain LRU under one mutex, taken once for a page's lookups:
// hashicorp/golang-lru bounds a count of entries, not bytes, and otter's
// weighed bound is a dependency for what a list and a map do here.
type UserCache[T any] struct {
	mu    sync.Mutex
	limit int
	used  int
	size  func(T) int
	order *list.List // of *userEntry[T], most recently used first
	byID  map[int64]*list.Element
}

// userEntry is a cached value and what it was made from. Ids are unique
// across tenants, but the tenant is checked too: a value is never shown
// to another tenant.
type userEntry[T any] struct {
	id, tenant, version, created int64
	defs                         uint64 // propertyDefs.gen
	v                            T
	size                         int
}

// userEntryOverhead is about what an entry costs besides its value: the
// entry, its list element and its map slot.
const userEntryOverhead = 160

// NewUserCache returns a cache of at most limit bytes, size telling the
// bytes of a value.
func NewUserCache[T any](limit int, size func(T) int) *UserCache[T] {
	return &UserCache[T]{limit: limit, size: size, order: list.New(), byID: map[int64]*list.Element{}}
}

// Bytes is how many bytes the cache holds.
func (c *UserCache[T]) Bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}

// get returns the cached value of each of users (keys read by a cached
// list) still good at their version and defs, with found telling which.
func (c *UserCache[T]) get(tenant int64, users []User, defs uint64) (vals []T, found []bool) {
	vals, found = make([]T, len(users)), make([]bool, len(users))
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, u := range users {
		el, ok := c.byID[u.ID]
		if !ok {
			continue
		}
		e := el.Value.(*userEntry[T])
		if e.tenant != tenant || e.version != u.version || e.created != u.CreatedAt.UnixMilli() || e.defs != defs {
			continue
		}
		c.order.MoveToFront(el)
		vals[i], found[i] = e.v, true
	}
	return vals, found
}

// put caches v, made from u with the definitions defs, in place of any
// value of the same user, and drops the least recently used values past
// the bound.
func (c *UserCache[T]) put(u *User, defs uint64, v T) {
	e := &userEntry[T]{id: u.ID, tenant: u.TenantID, version: u.version, created: u.CreatedAt.UnixMilli(),
		defs: defs, v: v, size: c.size(v) + userEntryOverhead}
	if e.size > c.limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byID[u.ID]; ok {
		c.remove(el)
	}
	c.byID[u.ID] = c.order.PushFront(e)
	c.used += e.size
	for c.used > c.limit {
		c.remove(c.order.Back())
	}
}

func (c *UserCache[T]) remove(el *list.Element) {
	e := c.order.Remove(el).(*userEntry[T])
	delete(c.byID, e.id)
	c.used -= e.size
}

// CachedUsers is a page of ListUsersCached: a value per listed user, and
// the rest as UserList has it. IDs are the listed users' ids.
type CachedUsers[T any] struct {
	List[T]
	IDs      []int64
	Prev     string
	SortedBy string
}

// ListUsersCached lists users as ListUsers does (f may not ask WithGroups),
// but gives for each user the value conv makes of it (from a User whose
// Properties are decoded), made again only when the user has changed
// since c cached it. A user deleted between reading the page's keys and
// its rows is left out.
func ListUsersCached[T any](ctx context.Context, s *Store, c *UserCache[T], tenant int64, f UserFilter, conv func(*User) T) (CachedUsers[T], error) {
	if f.WithGroups {
		return CachedUsers[T]{}, errors.New("store: a cached list does not read groups")
	}
	keys, err := s.listUsers(ctx, tenant, f, f.Page.limit(), readKeys)
	if err != nil {
		return CachedUsers[T]{}, err
	}
	out := CachedUsers[T]{List: List[T]{Items: []T{}, Next: keys.Next, Total: keys.Total, TotalCapped: keys.TotalCapped},
		IDs: []int64{}, Prev: keys.Prev, SortedBy: keys.SortedBy}
	if len(keys.Items) == 0 {
		return out, nil
	}
	if out.Items, out.IDs, err = cachedValues(ctx, s, c, tenant, keys.Items, conv); err != nil {
		return CachedUsers[T]{}, err
	}
	return out, nil
}

// QueryUsersCached answers q as QueryUsers does, with the value conv
// makes of each user, through c as ListUsersCached lists: it reads the
// page's keys, and whole rows only for the users c has no value of at
// their version. A user deleted between reading the page's keys and its
// rows is left out.
func QueryUsersCached[T any](ctx context.Context, s *Store, c *UserCache[T], tenant int64, q UserQuery, conv func(*User) T) (List[T], error) {
	keys, err := s.queryUsers(ctx, tenant, q, readKeys)
	if err != nil {
		return List[T]{}, err
	}
	out := List[T]{Items: []T{}, Total: keys.Total, TotalCapped: keys.TotalCapped}
	if len(keys.Items) == 0 {
		return out, nil
	}
	if out.Items, _, err = cachedValues(ctx, s, c, tenant, keys.Items, conv); err != nil {
		return List[T]{}, err
	}
	return out, nil
}

// cachedValues are the values of the users keys (read with keyColumns),
// in their order, from c where it holds them at their version, else made
// from their rows; and their ids. A user whose row is gone is left out.
func cachedValues[T any](ctx context.Context, s *Store, c *UserCache[T], tenant int64, keys []User, conv func(*User) T) ([]T, []int64, error) {
	defs, err := s.propertyDefs(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	vals, found := c.get(tenant, keys, defs.gen)
	var missing []int64
	for i, ok := range found {
		if !ok {
			missing = append(missing, keys[i].ID)
		}
	}
	var made map[int64]T
	if len(missing) > 0 {
		if made, err = makeUsers(ctx, s, c, tenant, missing, defs, conv); err != nil {
			return nil, nil, err
		}
	}
	items, ids := make([]T, 0, len(keys)), make([]int64, 0, len(keys))
	for i, u := range keys {
		v, ok := vals[i], found[i]
		if !ok {
			v, ok = made[u.ID]
		}
		if ok {
			items, ids = append(items, v), append(ids, u.ID)
		}
	}
	return items, ids, nil
}

// makeUsers reads the whole rows of a tenant's users ids in one statement,
// and makes and caches each one's value, keyed by the version read with
// the row (which may be newer than the page's keys: never older).
func makeUsers[T any](ctx context.Context, s *Store, c *UserCache[T], tenant int64, ids []int64, defs propertyDefs, conv func(*User) T) (map[int64]T, error) {
	in, args := s.inIDs("u.id", ids)
	rows, err := s.rd.QueryContext(ctx, `SELECT `+userColumns+`, `+s.versionColumn()+` FROM users u WHERE u.tenant_id = ? AND `+in,
		append([]any{tenant}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	sc := newUserScanner(false)
	sc.dests = append(sc.dests, &sc.row.version)
	out := make(map[int64]T, len(ids))
	var arena []string
	for rows.Next() {
		u, err := sc.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list users: %w", err)
		}
		if u.propertyValues != "" {
			if u.Properties, err = defs.decode(u, &arena); err != nil {
				return nil, err
			}
		}
		v := conv(&u)
		c.put(&u, defs.gen, v)
		out[u.ID] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return out, nil
}

// ListGroupMembersCached is ListGroupMembers through c: the members'
// values, and when each joined.
func ListGroupMembersCached[T any](ctx context.Context, s *Store, c *UserCache[T], tenant, group int64, f UserFilter, conv func(*User) T) (CachedUsers[T], map[int64]time.Time, error) {
	f.GroupID = group
	l, err := ListUsersCached(ctx, s, c, tenant, f, conv)
	if err = groupListError(group, err); err != nil {
		return CachedUsers[T]{}, nil, err
	}
	joined, err := s.joinedAt(ctx, group, l.IDs)
	return l, joined, err
}

// Size is about how many bytes u holds, for a cache of whole users (the
// console's list): the struct, its strings, times, tags and property values.
func (u *User) Size() int {
	n := int(unsafe.Sizeof(*u)) + 8*int(unsafe.Sizeof(time.Time{}))
	for _, s := range []string{u.Username, u.DisplayName, u.Description, u.Email, u.PhoneRegion, u.PhoneNumber,
		u.Status, u.LockReason, u.UserType, u.SourceType, u.SourceID, u.ExternalID, u.Language, u.Timezone,
		u.OwnerType, u.propertyValues} {
		n += len(s)
	}
	for _, a := range u.RequiredActions {
		n += 16 + len(a)
	}
	for k, v := range u.Tags {
		n += 48 + len(k) + len(v)
	}
	for k, v := range u.Properties {
		n += 64 + len(k)
		for _, s := range v.Values {
			n += 16 + len(s)
		}
	}
	return n
}
