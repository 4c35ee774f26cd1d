package store

import (
	"sync"
	"time"
)

// readCache keeps what list pages read besides their rows while nothing
// is written: the counts (paging through a search or reloading it counted
// the same matches every time, and for a keyword matching most users the
// count was three fifths of the page's cost) and the sets a filter on an
// org unit, a group or a property resolves to (each a query or two a page;
// on PostgreSQL every statement is a round trip to the server). An entry
// is used only while no write transaction of this store has committed
// since it was read, and for readCacheTTL at most, which bounds how long
// a change made by another process (a replica, roster seed, roster admin)
// goes unseen.
type readCache struct {
	mu sync.Mutex
	m  map[string]cachedEntry
}

type cachedEntry struct {
	v       any
	commits uint64
	at      time.Time
}

const (
	readCacheTTL     = time.Second
	readCacheEntries = 4096
)

func (c *readCache) get(key string, commits uint64, now time.Time) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.commits != commits || now.Sub(e.at) > readCacheTTL {
		return nil, false
	}
	return e.v, true
}

func (c *readCache) put(key string, v any, commits uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= readCacheEntries {
		c.m = map[string]cachedEntry{} // simpler than LRU; refills in a request each
	}
	c.m[key] = cachedEntry{v, commits, now}
}

// cachedRead returns read's value for key from s's read cache, reading it
// when missing or stale. What is cached must not be changed by its users.
func cachedRead[T any](s *Store, key string, read func() (T, error)) (T, error) {
	// Taken before reading: a write committed meanwhile makes this value
	// one that is never used.
	commits := s.commits.Load()
	if v, ok := s.reads.get(key, commits, s.now()); ok {
		return v.(T), nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	s.reads.put(key, v, commits, s.now())
	return v, nil
}
