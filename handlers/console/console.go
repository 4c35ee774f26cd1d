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
}

// New returns the console over st, with the runner of the jobs it starts,
// the administrators' sessions and the sign-in limits shared with the end
// users' pages.
func New(st *store.Store, runner *jobs.Runner, sessions *scs.SessionManager, limits *limit.Limiter, log *slog.Logger, cfg Config) *Handler {
	return &Handler{store: st, jobs: runner, sessions: sessions, limits: limits, log: log, cfg: cfg}
}
