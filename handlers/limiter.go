package handlers

import (
	"slices"
	"sync"
	"time"
)

// A limit allows max attempts per sliding window.
type limit struct {
	max    int
	window time.Duration
}

// The limits on guessing passwords and on asking for reset emails. Per
// address and username, a person mistyping is never slowed; per address
// alone, one client trying one password on many usernames (spraying) is
// stopped too. Accounts themselves lock after repeated failures (the store),
// whatever the addresses the guesses come from.
var (
	signInPerPair    = limit{10, time.Minute}
	signInPerAddress = limit{30, 5 * time.Minute}
	forgotPerAddress = limit{5, 15 * time.Minute}
	forgotPerLogin   = limit{3, 15 * time.Minute}
)

// longestWindow is the longest of the windows above: a key idle for longer
// holds nothing that counts.
const longestWindow = 15 * time.Minute

// quota is one key counted against a limit.
type quota struct {
	key string
	limit
}

// limiter counts attempts per key in memory. Attempts are reserved before
// the work they guard (a bcrypt comparison, an email) and in one step for
// all of a request's keys, so requests sent at once cannot all pass the
// check before any of them is counted.
type limiter struct {
	mu   sync.Mutex
	hits map[string][]time.Time
	now  func() time.Time
}

func newLimiter() *limiter {
	return &limiter{hits: map[string][]time.Time{}, now: time.Now}
}

// reserve takes one attempt from every quota, or from none: when any is
// used up it returns ok false and the wait until that one frees an
// attempt. A reservation stays counted unless release is called, which a
// successful sign-in does (only failures count).
func (l *limiter) reserve(qs ...quota) (release func(), wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, q := range qs {
		hits := l.prune(q.key, q.window, now)
		if len(hits) >= q.max {
			wait = max(wait, hits[len(hits)-q.max].Add(q.window).Sub(now))
		}
	}
	if wait > 0 {
		return nil, wait, false
	}
	for _, q := range qs {
		l.hits[q.key] = append(l.hits[q.key], now)
	}
	// Bound memory: keys whose attempts have all left their window go.
	if len(l.hits) > 10000 {
		for k, hits := range l.hits {
			if len(hits) == 0 || now.Sub(hits[len(hits)-1]) > longestWindow {
				delete(l.hits, k)
			}
		}
	}
	return func() { l.release(qs, now) }, 0, true
}

func (l *limiter) release(qs []quota, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, q := range qs {
		hits := l.hits[q.key]
		if i := slices.IndexFunc(hits, at.Equal); i >= 0 {
			l.hits[q.key] = slices.Delete(hits, i, i+1)
		}
	}
}

// prune drops the hits of key older than window; the caller holds mu.
func (l *limiter) prune(key string, window time.Duration, now time.Time) []time.Time {
	hits := l.hits[key]
	i := 0
	for i < len(hits) && !hits[i].After(now.Add(-window)) {
		i++
	}
	if i > 0 {
		hits = hits[i:]
		l.hits[key] = hits
	}
	return hits
}
