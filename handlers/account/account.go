// Package account serves end users' pages under /account/{tenant alias}/:
// sign-in, forgot and reset password, email verification, their profile
// and password. End users have their own session cookie, which never opens
// the console.
package account

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"roster/handlers/limit"
	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

// Handler serves the end users' pages. Its one way to the tenant (and, once
// signed in, the user) of a request is account(c).
type Handler struct {
	store    *store.Store
	accounts *scs.SessionManager
	limits   *limit.Limiter
	log      *slog.Logger
	cfg      Config
}

// Config is what the end users' pages need to know of the server.
type Config struct {
	Version string
	// SMTPConfigured says a mail server delivers the outbox; without one,
	// pages must not tell users to look for an email.
	SMTPConfigured bool
}

// New returns the end users' pages over st, with their sessions and the
// sign-in limits shared with the console.
func New(st *store.Store, accounts *scs.SessionManager, limits *limit.Limiter, log *slog.Logger, cfg Config) *Handler {
	return &Handler{store: st, accounts: accounts, limits: limits, log: log, cfg: cfg}
}

// End-user session keys. pwc is the user's password_changed_at when the
// session began: a newer password ends the session.
const (
	acctUser  = "user_id"
	acctPWC   = "pwc"
	acctFlash = "flash"
	acctKey   = "account"
)

// account is what the end-user middleware found: the tenant of the URL
// and, on signed-in pages, the user.
func account(c echo.Context) templates.Account {
	a, _ := c.Get(acctKey).(templates.Account)
	return a
}

// loadTenant resolves /account/:alias/… to its tenant.
func (h *Handler) loadTenant(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		t, err := h.store.GetTenantByAlias(c.Request().Context(), c.Param("alias"))
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		a := templates.Account{Tenant: t, Flash: h.accounts.PopString(ctx, acctFlash)}
		c.Set(acctKey, a)
		return next(c)
	}
}

// requireEndUser admits signed-in end users of the URL's tenant whose
// account can still sign in and whose password has not changed since; it
// sends everyone else to sign in. Pending required actions come first:
// until done, only the pages completing them are served.
func (h *Handler) requireEndUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		a := account(c)
		login := "/account/" + a.Tenant.Alias + "/login"
		id := h.accounts.GetInt64(ctx, acctUser)
		if id == 0 {
			return c.Redirect(http.StatusSeeOther, login)
		}
		u, err := h.store.GetUser(ctx, a.Tenant.ID, id)
		pwc := int64(0)
		if err == nil && u.PasswordChangedAt != nil {
			pwc = u.PasswordChangedAt.UnixMilli()
		}
		if errors.Is(err, store.ErrNotFound) || (err == nil && (u.Status != store.StatusEnabled || u.Locked(time.Now()) ||
			pwc != h.accounts.GetInt64(ctx, acctPWC))) {
			if err := h.accounts.Destroy(ctx); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, login)
		}
		if err != nil {
			return err
		}
		a.User = &u
		c.Set(acctKey, a)
		c.SetRequest(c.Request().WithContext(store.WithActor(ctx, store.Actor{Type: store.ActorUser, ID: u.PublicID(), Name: u.Username})))
		if slices.Contains(u.RequiredActions, "update_password") && !strings.HasSuffix(c.Path(), "/password") &&
			!strings.HasSuffix(c.Path(), "/logout") {
			return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/password")
		}
		return next(c)
	}
}

func (h *Handler) flash(c echo.Context, msg string) {
	h.accounts.Put(c.Request().Context(), acctFlash, msg)
}

func (h *Handler) tooMany(c echo.Context, wait time.Duration, page templ.Component) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	return request.Render(c, http.StatusTooManyRequests, page)
}
