// Package limit keeps the sign-in and reset-request limits the console and
// the end users' pages share, and the words they answer with.
package limit

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// A Rule allows max attempts per sliding window.
type Rule struct {
	max    int
	window time.Duration
}

// The limits on guessing passwords and on asking for reset emails. Per
// address and username, a person mistyping is never slowed; per address
// alone, one client trying one password on many usernames (spraying) is
// stopped too. Accounts themselves lock after repeated failures (the store),
// whatever the addresses the guesses come from.
var (
	signInPerPair    = Rule{10, time.Minute}
	signInPerAddress = Rule{30, 5 * time.Minute}
	forgotPerAddress = Rule{5, 15 * time.Minute}
	forgotPerLogin   = Rule{3, 15 * time.Minute}
)

// longestWindow is the longest of the windows above: a key idle for longer
// holds nothing that counts.
const longestWindow = 15 * time.Minute

// Quota is one key counted against a rule.
type Quota struct {
	key string
	Rule
}

// Limiter counts attempts per key in memory. Attempts are reserved before
// the work they guard (a bcrypt comparison, an email) and in one step for
// all of a request's keys, so requests sent at once cannot all pass the
// check before any of them is counted.
type Limiter struct {
	mu   sync.Mutex
	hits map[string][]time.Time
	now  func() time.Time
}

// New returns an empty limiter.
func New() *Limiter {
	return &Limiter{hits: map[string][]time.Time{}, now: time.Now}
}

// Reserve takes one attempt from every Quota, or from none: when any is
// used up it returns ok false and the wait until that one frees an
// attempt. A reservation stays counted unless release is called, which a
// successful sign-in does (only failures count).
func (l *Limiter) Reserve(qs ...Quota) (release func(), wait time.Duration, ok bool) {
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

func (l *Limiter) release(qs []Quota, at time.Time) {
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
func (l *Limiter) prune(key string, window time.Duration, now time.Time) []time.Time {
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

// BadSignIn answers every refused password alike: a wrong one, an unknown
// username, a locked account (which must not confirm a right guess).
const BadSignIn = "Invalid username or password. After 5 failed attempts in a row the account is locked for 15 minutes."

// SignIn are the limits one sign-in attempt counts against: per
// address and username on one surface (the console, or one tenant's
// account pages), and per address across all of them.
func SignIn(surface, addr, username string) []Quota {
	username = strings.ToLower(strings.TrimSpace(username))
	return []Quota{
		{"signin\x00" + surface + "\x00" + addr + "\x00" + username, signInPerPair},
		{"signin\x00" + addr, signInPerAddress},
	}
}

// RetryMessage says how long to wait before trying again.
func RetryMessage(wait time.Duration) string {
	return fmt.Sprintf("Too many attempts. Try again in %d seconds.", int(math.Ceil(wait.Seconds())))
}

// Forgot are the limits one forgot-password request counts against: per
// address, and per username or email address of a tenant (each new link
// ends the previous one, so a flood would only annoy the user).
func Forgot(tenantAlias, addr, login string) []Quota {
	return []Quota{
		{"forgot\x00" + addr, forgotPerAddress},
		{"forgot\x00" + tenantAlias + "\x00" + strings.ToLower(strings.TrimSpace(login)), forgotPerLogin},
	}
}
