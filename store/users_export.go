package store

import (
	"context"
	"fmt"
	"io"
	"slices"

	"roster/store/userfile"
)

// ExportPageSize is how many users WalkUsers reads at a time: large enough
// that a page's few queries cost little per user, small enough that a
// page's users are all an export holds in memory. On SQLite, whose queries
// cost no round trip, a page is smaller: Go's collector lets the heap grow
// to a multiple of what is live, so every user held costs that multiple in
// the server's resident memory (250 measured 10 MiB less than 1,000 for a
// million users, at no cost in speed).
func (s *Store) ExportPageSize() int {
	if s.pg {
		return 1000
	}
	return 250
}

// walkCacheKiB is the page cache of the connection a walk reads on: the
// upper levels of the indexes it seeks in, not the table it goes through.
const walkCacheKiB = 1024

// UserPage is one page of a walk: its users (only the fields a users'
// file holds, with the id, tenant and creation time; the others are zero,
// and the properties are left to Row), the path of names to each one's org
// unit (by unit id, the root included; the walk's units so far) and the
// names of their groups (by user id, sorted).
type UserPage struct {
	Users    []User
	OrgPaths map[int64][]string
	Groups   map[int64][]string
	defs     propertyDefs
}

// Row is the page's i-th user as a users' file holds them.
func (p UserPage) Row(i int) (userfile.Row, error) {
	return p.row(i, nil)
}

// rowScratch is what a writer done with each row before the next lends
// them all: one map of properties and the values in it, instead of a map a
// user.
type rowScratch struct {
	props  map[string][]string
	values []string
}

// row is Row, with the properties put in scratch (emptied first) unless
// it is nil.
func (p UserPage) row(i int, scratch *rowScratch) (userfile.Row, error) {
	u := p.Users[i]
	r := userfile.Row{Username: u.Username, ExternalID: u.ExternalID, Email: u.Email, EmailVerified: u.EmailVerified,
		DisplayName: u.DisplayName, Description: u.Description, PhoneRegion: u.PhoneRegion, PhoneNumber: u.PhoneNumber,
		PhoneVerified: u.PhoneVerified, Status: u.Status, UserType: u.UserType, Language: u.Language,
		Timezone: u.Timezone, AccountExpiresAt: u.AccountExpiresAt, AutoLockAt: u.LockAt,
		RequiredActions: u.RequiredActions, Tags: u.Tags, Groups: p.Groups[u.ID]}
	// The file names a unit by its path below the root.
	if path := p.OrgPaths[u.OrgUnitID]; len(path) > 1 {
		r.OrgUnit = path[1:]
	}
	if scratch == nil {
		scratch = &rowScratch{}
	} else {
		clear(scratch.props)
		scratch.values = scratch.values[:0]
	}
	err := p.defs.eachValue(u, func(prop *Property, v string) {
		if r.Properties == nil {
			if scratch.props == nil {
				scratch.props = map[string][]string{}
			}
			r.Properties = scratch.props
		}
		if vs, seen := r.Properties[prop.Key]; seen {
			r.Properties[prop.Key] = append(vs, v)
		} else {
			r.Properties[prop.Key] = cutOne(&scratch.values, v)
		}
	})
	return r, err
}

// WalkUsers calls fn with every user of tenant that f keeps (f's page is
// ignored), a page of ExportPageSize at a time, in f's sort, or when f has
// none in the order the users were added (see listUsers): each page
// starts after the last user of the one before (a keyset, never an
// offset), so a page costs the same however deep. Each page costs a
// constant number of queries: its users, their memberships, and the paths
// of the units the walk has not met yet, which it keeps (a tenant has far
// fewer of them than users) rather than filling the store's read cache
// with every page's; the tenant's groups are read once, and again only
// for a page with a group created since. The next page's users are
// read while the current page is completed and handed to fn, and no
// further: at most two pages are held in memory. Each of the two reads on
// a connection of its own with a small page cache (see withReadConn).
// fn's error stops the walk and is returned.
func (s *Store) WalkUsers(ctx context.Context, tenant int64, f UserFilter, fn func(UserPage) error) error {
	return s.withReadConn(ctx, walkCacheKiB, func(ctx context.Context) error { return s.walkPages(ctx, tenant, f, fn) })
}

// walkPages is WalkUsers completing pages on ctx's connection, and reading
// the next page on a second one: on one, either waited on the other.
func (s *Store) walkPages(ctx context.Context, tenant int64, f UserFilter, fn func(UserPage) error) error {
	ctx, cancel := context.WithCancel(ctx)
	type read struct {
		users []User
		err   error
	}
	// Unbuffered: a page read waits for fn to be done with the one before.
	reads := make(chan read)
	go func() {
		defer close(reads)
		err := s.withReadConn(ctx, walkCacheKiB, func(ctx context.Context) error {
			return s.walkUsers(ctx, tenant, f, func(users []User) bool {
				select {
				case reads <- read{users: users}:
					return true
				case <-ctx.Done():
					return false
				}
			})
		})
		if err != nil {
			select {
			case reads <- read{err: err}:
			case <-ctx.Done():
			}
		}
	}()
	// Return only once the reader is done with the store.
	defer func() {
		cancel()
		for range reads {
		}
	}()
	met := &walkMet{paths: map[int64][]string{}}
	for r := range reads {
		if r.err != nil {
			return r.err
		}
		p, err := s.completePage(ctx, tenant, r.users, met)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	// The reader also stops, without an error, when the caller's context
	// ends while it waits to hand a page: the walk is cut short then, not
	// done.
	return ctx.Err()
}

// walkUsers reads WalkUsers's pages of users one after another, handing
// each to next until it returns false.
func (s *Store) walkUsers(ctx context.Context, tenant int64, f UserFilter, next func([]User) bool) error {
	f.Page = Page{}
	for {
		l, err := s.listUsers(ctx, tenant, f, s.ExportPageSize(), readWalk)
		if err != nil {
			return err
		}
		if len(l.Items) == 0 || !next(l.Items) || l.Next == "" {
			return nil
		}
		f.Page.Cursor = l.Next
	}
}

// walkMet is what a walk has read for the pages before: the paths of the
// units met, by unit id, and the tenant's groups.
type walkMet struct {
	paths  map[int64][]string
	groups *groupSet
}

// completePage reads the paths of users' units and their groups, adding
// the units not met yet to met's paths, and reading the tenant's groups
// when met has none or lacks one of the page's.
func (s *Store) completePage(ctx context.Context, tenant int64, users []User, met *walkMet) (UserPage, error) {
	paths := met.paths
	var units []int64
	ids := make([]int64, len(users))
	for i, u := range users {
		if _, ok := paths[u.OrgUnitID]; !ok {
			units = append(units, u.OrgUnitID)
		}
		ids[i] = u.ID
	}
	if len(units) > 0 {
		slices.Sort(units)
		read, err := s.orgUnitPaths(ctx, tenant, slices.Compact(units))
		if err != nil {
			return UserPage{}, err
		}
		for _, id := range units {
			paths[id] = read[id] // none for a unit of another tenant
		}
	}
	joined, err := s.memberships(ctx, ids)
	if err != nil {
		return UserPage{}, err
	}
	if met.groups == nil && len(joined) > 0 {
		if met.groups, err = s.readGroupSet(ctx, tenant); err != nil {
			return UserPage{}, err
		}
	}
	groups, whole := met.groups.namesOf(joined)
	if !whole {
		// A group created since the walk read the tenant's.
		if met.groups, err = s.readGroupSet(ctx, tenant); err != nil {
			return UserPage{}, err
		}
		groups, _ = met.groups.namesOf(joined)
	}
	defs, err := s.propertyDefs(ctx, tenant)
	if err != nil {
		return UserPage{}, err
	}
	return UserPage{Users: users, OrgPaths: paths, Groups: groups, defs: defs}, nil
}

// TagKeys returns the keys of the tags tenant's users hold, sorted. Each
// key is one seek in user_tags's primary key (the next key after the last
// one found), not a read of every user's tags.
func (s *Store) TagKeys(ctx context.Context, tenant int64) ([]string, error) {
	rows, err := s.rd.QueryContext(ctx, `WITH RECURSIVE k(key) AS (
		SELECT min(key) FROM user_tags WHERE tenant_id = ?
		UNION ALL
		SELECT (SELECT min(t.key) FROM user_tags t WHERE t.tenant_id = ? AND t.key > k.key) FROM k WHERE k.key IS NOT NULL)
		SELECT key FROM k WHERE key IS NOT NULL`, tenant, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: tag keys: %w", err)
	}
	defer rows.Close()
	keys := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: tag keys: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tag keys: %w", err)
	}
	// The order the database compares in may not be Go's.
	slices.Sort(keys)
	return keys, nil
}

// ExportUsers writes every user of tenant that f keeps to w as a users'
// file of format (see WalkUsers for the order and the cost), with a column
// for every tag key and custom property the tenant has. Nothing reaches w
// before the first page has been read, so a filter that cannot be used
// fails with nothing written; after that, each page is written out whole
// before afterPage is called with the number of users written so far (an
// error of afterPage stops the export). It returns that number.
func (s *Store) ExportUsers(ctx context.Context, tenant int64, f UserFilter, format string, w io.Writer,
	afterPage func(done int) error) (int, error) {
	tags, err := s.TagKeys(ctx, tenant)
	if err != nil {
		return 0, err
	}
	defs, err := s.ListProperties(ctx, tenant)
	if err != nil {
		return 0, err
	}
	props := make([]userfile.Property, len(defs))
	for i, p := range defs {
		props[i] = userfile.Property{Key: p.Key, Type: p.Type}
	}
	fw, err := userfile.NewWriter(w, format, tags, props)
	if err != nil {
		return 0, err
	}
	done, lent := 0, &rowScratch{}
	err = s.WalkUsers(ctx, tenant, f, func(p UserPage) error {
		for i := range p.Users {
			r, err := p.row(i, lent)
			if err != nil {
				return err
			}
			if err := fw.Write(r); err != nil {
				return err
			}
		}
		done += len(p.Users)
		if err := fw.Flush(); err != nil {
			return err
		}
		return afterPage(done)
	})
	if err != nil {
		return done, err
	}
	// No page at all leaves a file of just its header (CSV) or empty.
	return done, fw.Flush()
}
