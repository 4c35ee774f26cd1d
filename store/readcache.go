package store

import (
	"context"
	"errors"
	"fmt"
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
// goes unseen. An entry's time is when its read began.
//
// Requests that miss an entry at once share one read: the entry of a list
// that many open expires for all of them in the same instant, and each
// would run the query (make bench saw about 7 keyword counts a second on
// PostgreSQL, each slowed by the others, where one would do). An entry
// still in use past half its life is read again in the background, so a
// list in steady use does not wait for its count every second.
//
// A cache holds at most limit (readCacheEntries when zero) entries, an
// entry that is a weigher counting for its weight.
type readCache struct {
	mu      sync.Mutex
	limit   int
	used    int // the entries' weight
	m       map[string]cachedEntry
	flights map[string]*readFlight
}

type cachedEntry struct {
	v       any
	commits uint64
	at      time.Time
	weight  int
}

// weigher is a cached value that counts for more than one entry toward its
// cache's bound: about how many values of a small entry's size it holds.
type weigher interface{ weight() int }

// readFlight is a read under way. Requests that miss the cache wait for it
// instead of reading again while it is as good as their own would be: no
// write of this store has committed since it began, and it began within
// readCacheTTL.
type readFlight struct {
	commits uint64
	at      time.Time
	done    chan struct{}
	v       any // set before done closes
	err     error
}

const (
	readCacheTTL     = time.Second
	readCacheEntries = 4096
	// readTimeout bounds a read, which may run on after its request (a
	// renewal, or one others wait for).
	readTimeout = 30 * time.Second
)

// lookup finds key's value for a request that has seen commits at now:
// cached (ok), with a flight to run in the background when the entry is
// past half its life and no read is under way; or else a read under way
// to wait for (wait), or, when there is none, a flight the caller must run
// and land (run).
func (c *readCache) lookup(key string, commits uint64, now time.Time) (v any, ok bool, wait, run *readFlight) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, flying := c.flights[key]
	flying = flying && f.commits == commits && !now.Before(f.at) && now.Sub(f.at) <= readCacheTTL
	if e, hit := c.m[key]; hit && e.commits == commits && now.Sub(e.at) <= readCacheTTL {
		if flying || now.Sub(e.at) <= readCacheTTL/2 {
			return e.v, true, nil, nil
		}
		return e.v, true, nil, c.fly(key, commits, now)
	}
	if flying {
		return nil, false, f, nil
	}
	return nil, false, nil, c.fly(key, commits, now)
}

func (c *readCache) fly(key string, commits uint64, now time.Time) *readFlight {
	if c.flights == nil {
		c.flights = map[string]*readFlight{}
	}
	f := &readFlight{commits: commits, at: now, done: make(chan struct{})}
	c.flights[key] = f
	return f
}

// land hands the result of f to those waiting for it.
func (c *readCache) land(key string, f *readFlight, v any, err error) {
	c.mu.Lock()
	if c.flights[key] == f {
		delete(c.flights, key)
	}
	c.mu.Unlock()
	f.v, f.err = v, err
	close(f.done)
}

// put caches v, read as of commits from a read begun at at. A read that
// began before the entry it would replace keeps the newer one.
func (c *readCache) put(key string, v any, commits uint64, at time.Time) {
	limit, w := c.limit, 1
	if limit == 0 {
		limit = readCacheEntries
	}
	if wv, ok := v.(weigher); ok {
		w = wv.weight()
	}
	if w > limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if ok && (e.commits > commits || e.commits == commits && e.at.After(at)) {
		return
	}
	if ok {
		c.used -= e.weight
	}
	if c.m == nil || c.used+w > limit {
		c.m, c.used = map[string]cachedEntry{}, 0 // simpler than LRU; refills in a request each
	}
	c.m[key] = cachedEntry{v, commits, at, w}
	c.used += w
}

// cachedRead returns read's value for key from s's read cache, reading it
// when missing or stale. read gets the context to read with: a renewal
// runs after the request that started it has ended. What is cached must
// not be changed by its users.
func cachedRead[T any](ctx context.Context, s *Store, key string, read func(context.Context) (T, error)) (T, error) {
	return cachedReadIn(ctx, s, &s.reads, key, read)
}

// cachedReadIn is cachedRead from the cache c of s.
func cachedReadIn[T any](ctx context.Context, s *Store, c *readCache, key string, read func(context.Context) (T, error)) (T, error) {
	// Taken before reading: a write committed meanwhile makes this value
	// one that is never used.
	commits, now := s.commits.Load(), s.now()
	v, ok, wait, run := c.lookup(key, commits, now)
	switch {
	case ok && run != nil:
		// Not the request's context: the renewal outlives the request (and
		// any read connection it holds). Its result is cached, and an error
		// leaves the entry to expire.
		go readOnce(context.WithoutCancel(unpinned(ctx)), c, key, read, commits, now, run)
		return v.(T), nil
	case ok:
		return v.(T), nil
	case wait != nil:
		select {
		case <-wait.done:
			if wait.err == nil {
				return wait.v.(T), nil
			}
			// That read failed (its request ended, say): read for this one.
		case <-ctx.Done():
			var zero T
			return zero, fmt.Errorf("store: cached read: %w", ctx.Err())
		}
	}
	return readOnce(ctx, c, key, read, commits, now, run)
}

// readOnce reads key and caches what it finds in c as of commits and at;
// f, when not nil, is the flight it is, which it lands for those waiting.
func readOnce[T any](ctx context.Context, c *readCache, key string, read func(context.Context) (T, error), commits uint64, at time.Time, f *readFlight) (T, error) {
	// Landed however this ends, a panic included, so none wait in vain.
	var landV any
	landErr := errors.New("store: cached read: not finished")
	if f != nil {
		defer func() { c.land(key, f, landV, landErr) }()
	}
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	v, err := read(ctx)
	if err != nil {
		landErr = err
		return v, err
	}
	c.put(key, v, commits, at)
	landV, landErr = v, nil
	return v, nil
}
