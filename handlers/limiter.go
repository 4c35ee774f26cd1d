package handlers

import (
	"sync"
	"time"
)

// limiter counts failures per key in a sliding window. It lives in memory:
// Roster is one process, and a restart forgetting failures is acceptable for a
// limit measured in minutes.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	hits   map[string][]time.Time
	now    func() time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, hits: map[string][]time.Time{}, now: time.Now}
}

// blocked reports whether key has used up its failures, and when the oldest
// of them leaves the window.
func (l *limiter) blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	hits := l.prune(key)
	if len(hits) < l.max {
		return false, 0
	}
	return true, hits[0].Add(l.window).Sub(l.now())
}

// fail records one failure for key.
func (l *limiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hits[key] = append(l.prune(key), l.now())
	// Bound memory under a spray of distinct keys.
	if len(l.hits) > 10000 {
		for k := range l.hits {
			l.prune(k)
		}
	}
}

// prune drops hits older than the window; the caller holds mu.
func (l *limiter) prune(key string) []time.Time {
	hits := l.hits[key]
	cut := l.now().Add(-l.window)
	i := 0
	for i < len(hits) && !hits[i].After(cut) {
		i++
	}
	hits = hits[i:]
	if len(hits) == 0 {
		delete(l.hits, key)
		return nil
	}
	l.hits[key] = hits
	return hits
}
