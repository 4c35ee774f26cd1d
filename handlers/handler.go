// Package handlers is Roster's HTTP layer and its one entry point: it
// builds Echo, adds the middleware every request passes, mounts the three
// surfaces (api, console, account: each its own package, none importing
// another) and keeps the one error handler. What the surfaces share lives
// in request (parsing and answering), session, and limit.
package handlers

import (
	"log/slog"
	"net"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"roster/handlers/limit"
	"roster/handlers/session"
	"roster/store"
	"roster/store/jobs"
	"roster/web/templates"
)

// Config is what the HTTP layer needs from the command line.
type Config struct {
	// BaseURL is the address people use to reach Roster, for emailed links.
	BaseURL string
	// SecureCookies marks cookies Secure; on when served over TLS.
	SecureCookies bool
	// SessionIdle ends a console session after this long without a request;
	// 30 minutes when zero.
	SessionIdle time.Duration
	// Version is shown in the footer and served by /healthz.
	Version string
	// SMTPConfigured says emails are delivered (else they wait in the
	// outbox, which Settings → Email then says).
	SMTPConfigured bool
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For is believed. Empty: the client is whoever connected,
	// and the header is ignored (a client could otherwise choose its own
	// address and escape every limit kept per address).
	TrustedProxies []*net.IPNet
	// BodyTimeout is how long a request's body may take to arrive once its
	// headers have; 30 seconds when zero.
	BodyTimeout time.Duration
	// Bench is bench mode, for make bench only (roster serve --bench): a
	// constant answer behind each surface's checks and Server-Timing on
	// the lists, which the benchmark splits a list's cost with (see
	// benchRoutes). Off, neither exists.
	Bench bool
	Log   *slog.Logger
}

// Handler holds what the surfaces are built from. It has no state of its
// own: the limiter of sign-ins and reset requests counts in the store, and
// the runner of jobs runs the store's jobs, so any number of processes can
// serve one database.
type Handler struct {
	store    *store.Store
	sessions *scs.SessionManager // administrators
	accounts *scs.SessionManager // end users: another cookie, never the same session
	log      *slog.Logger
	cfg      Config
	limits   *limit.Limiter
	jobs     *jobs.Runner
}

// Session lifetimes: a console session ends after 30 idle minutes or 12
// hours, whichever comes first.
const (
	sessionIdle     = 30 * time.Minute
	sessionLifetime = 12 * time.Hour
)

// New builds the application: the Echo server with every route. The returned
// stop function ends background work (the session sweeper, the job runner).
func New(st *store.Store, cfg Config) (*echo.Echo, func()) {
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = sessionIdle
	}
	if cfg.BodyTimeout == 0 {
		cfg.BodyTimeout = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	ss := st.Sessions(5 * time.Minute)
	// No scs IdleTimeout for administrators: it rewrites the session row on
	// every request. requireAdmin enforces the idle limit, touching the
	// session once a minute. End users' sessions are fewer and shorter.
	sm := session.New(ss, "roster_session", cfg.SecureCookies)
	am := session.New(ss, "roster_account", cfg.SecureCookies)
	am.IdleTimeout = sessionIdle

	// The store queues emails written by the web layer's templates, with
	// links to this server.
	st.Compose = func(d store.EmailData) store.Email { return templates.ComposeEmail(cfg.BaseURL, d) }
	h := &Handler{store: st, sessions: sm, accounts: am, log: cfg.Log, cfg: cfg, limits: limit.New(st, cfg.Log),
		jobs: jobs.Start(st, cfg.Log)}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.IPExtractor = clientIP(cfg.TrustedProxies)
	e.HTTPErrorHandler = h.handleError
	e.JSONSerializer = jsonAnswers{}
	h.routes(e)
	return e, func() { h.jobs.Stop(); ss.StopCleanup() }
}

// clientIP is where c.RealIP() finds the client's address: the connection's
// peer, or, when that peer is a trusted proxy, the nearest address in
// X-Forwarded-For that is not one. Echo's defaults would trust loopback and
// private networks too; only the configured ranges are trusted here.
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
