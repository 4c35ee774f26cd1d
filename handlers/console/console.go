// Package console serves the administrators' web console: server-rendered
// pages and the htmx fragments they swap, behind a signed-in session, CSRF
// checks and the administrator's role in the current tenant.
package console

import (
	"log/slog"
	"time"

	"github.com/alexedwards/scs/v2"

	"roster/handlers/limit"
	"roster/store"
	"roster/store/jobs"
)

// Config is what the console needs from the command line.
type Config struct {
	// SessionIdle ends a session after this long without a request.
	SessionIdle time.Duration
	// SMTPConfigured says emails are delivered (else they wait in the
	// outbox, which Settings → Email then says).
	SMTPConfigured bool
	// Version is shown in the footer.
	Version string
	// BaseURL is the address people reach Roster at ("" takes the
	// request's host): the Provisioning page's SCIM URL and the API
	// reference's curl lines start with it.
	BaseURL string
}

// Handler serves the console. Its one way to the administrator, tenant and
// role of a request is shell(c), filled in by requireAdmin.
type Handler struct {
	store    *store.Store
	jobs     *jobs.Runner
	sessions *scs.SessionManager
	limits   *limit.Limiter
	log      *slog.Logger
	cfg      Config
	users    *store.UserCache[store.User] // of the users page's list
}

// listCacheBytes bounds the users page's cache of whole users: at about
// 1.5 KB a user, some five thousand users, the pages administrators look
// at many times over.
const listCacheBytes = 8 << 20

// New returns the console over st, with the runner of the jobs it starts,
// the administrators' sessions and the sign-in limits shared with the end
// users' pages.
func New(st *store.Store, runner *jobs.Runner, sessions *scs.SessionManager, limits *limit.Limiter, log *slog.Logger, cfg Config) *Handler {
	return &Handler{store: st, jobs: runner, sessions: sessions, limits: limits, log: log, cfg: cfg,
		users: store.NewUserCache(listCacheBytes, func(u store.User) int { return u.Size() })}
}

// mailDone confirms an email the console put in the outbox. It says
// "sent" only when a mail server delivers the outbox (within seconds);
// without one the message waits in Settings → Email, and "sent" would
// have the administrator tell the user to look in an inbox that gets
// nothing.
func (h *Handler) mailDone(what, to string) string {
	if h.cfg.SMTPConfigured {
		return what + " sent to " + to + "."
	}
	return what + " for " + to + " queued: no mail server is configured, so it waits in Settings → Email."
}

// bulkPast is what a bulk action did, in the past tense, for its outcome:
// without a mail server, password resets were queued, not sent.
func (h *Handler) bulkPast(action string) string {
	if action == jobs.ActionResetPassword && !h.cfg.SMTPConfigured {
		return "Queued a password reset (no mail server is configured) for"
	}
	return bulkVerbs[action][1]
}
