// Package limit keeps the sign-in and reset-request limits the console and
// the end users' pages share, and the words they answer with.
package limit

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"roster/store"
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

// Quota is one key counted against a rule.
type Quota struct {
	key string
	Rule
}

// Limiter counts attempts in the store, so every process serving the
// database counts the same attempts: ten failures a minute are ten
// whichever replicas they reached.
type Limiter struct {
	st  *store.Store
	log *slog.Logger
}

// New returns a limiter counting in st.
func New(st *store.Store, log *slog.Logger) *Limiter {
	return &Limiter{st: st, log: log}
}

// Reserve takes one attempt from every Quota, or from none: when any is
// used up the reservation is not OK, and its Wait is until that one frees
// an attempt. A reservation stays counted unless Release is called, which
// a successful sign-in does (only failures count).
func (l *Limiter) Reserve(ctx context.Context, qs ...Quota) (store.Reservation, error) {
	sq := make([]store.Quota, len(qs))
	for i, q := range qs {
		sq[i] = store.Quota{Key: q.key, Max: q.max, Window: q.window}
	}
	return l.st.ReserveAttempts(ctx, sq...)
}

// Release takes a reservation back. Failing to is logged, not returned:
// it leaves one attempt counted that should not be, which is no reason to
// refuse a sign-in that succeeded.
func (l *Limiter) Release(ctx context.Context, r store.Reservation) {
	if err := l.st.ReleaseAttempts(ctx, r); err != nil {
		l.log.Warn("releasing a sign-in attempt", "err", err)
	}
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
