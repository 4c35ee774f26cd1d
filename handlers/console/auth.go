package console

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/limit"
	"roster/handlers/request"
	"roster/handlers/session"
	"roster/store"
	"roster/web/templates"
)

// Session keys of a signed-in administrator.
const (
	sessAdmin  = "admin_id"
	sessTenant = "tenant_id"
	sessFlash  = "flash"
	sessSeen   = "seen" // unix milliseconds of the last request, for the idle limit
	sessPWC    = "pwc"  // the administrator's PasswordChangedAt at sign-in: a newer password ends the session
)

func (h *Handler) showLogin(c echo.Context) error {
	if h.sessions.GetInt64(c.Request().Context(), sessAdmin) != 0 {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return request.Render(c, http.StatusOK, templates.LoginPage(templates.LoginProps{Next: c.QueryParam("next")}))
}

type loginForm struct {
	Username string `form:"username"`
	Password string `form:"password"`
	Next     string `form:"next"`
}

// login signs an administrator in. Attempts are limited per address and
// username and per address (limit.SignIn), reserved before the password is
// checked; the store locks the account after repeated failures.
func (h *Handler) login(c echo.Context) error {
	var f loginForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	props := templates.LoginProps{Username: f.Username, Next: f.Next}
	ctx := c.Request().Context()
	res, err := h.limits.Reserve(ctx, limit.SignIn("console", c.RealIP(), f.Username)...)
	if err != nil {
		return err
	}
	if !res.OK {
		secs := int(math.Ceil(res.Wait.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		props.Error = fmt.Sprintf("Too many failed sign-ins. Try again in %d seconds.", secs)
		return request.Render(c, http.StatusTooManyRequests, templates.LoginPage(props))
	}
	admin, err := h.store.AuthenticateAdmin(ctx, f.Username, f.Password)
	if errors.Is(err, store.ErrInvalidCredentials) {
		props.Error = limit.BadSignIn
		return request.Render(c, http.StatusUnauthorized, templates.LoginPage(props))
	}
	h.limits.Release(ctx, res)
	if err != nil {
		return err
	}
	ms, err := h.store.Memberships(ctx, admin.ID)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		props.Error = "This account is not a member of any tenant. Ask an owner to add you."
		return request.Render(c, http.StatusForbidden, templates.LoginPage(props))
	}
	// A new session token and a new CSRF token at sign-in, so nothing known
	// before signing in (a planted cookie, a leaked form) is worth anything after.
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.sessions.Put(ctx, sessAdmin, admin.ID)
	h.sessions.Put(ctx, sessPWC, admin.PasswordChangedAt)
	h.sessions.Put(ctx, sessSeen, time.Now().UnixMilli())
	h.sessions.Put(ctx, sessTenant, ms[0].Tenant.ID)
	h.sessions.Put(ctx, session.CSRFKey, session.NewCSRFToken())
	return c.Redirect(http.StatusSeeOther, request.LocalPath(f.Next, "/"))
}

// logout ends the session: the row is deleted and the cookie cleared.
func (h *Handler) logout(c echo.Context) error {
	if err := h.sessions.Destroy(c.Request().Context()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

// requireAdmin lets signed-in administrators through with their tenant and
// role in the context; others go to the sign-in page.
func (h *Handler) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		id := h.sessions.GetInt64(ctx, sessAdmin)
		if id == 0 {
			return redirectToLogin(c)
		}
		now := time.Now()
		seen := time.UnixMilli(h.sessions.GetInt64(ctx, sessSeen))
		if now.Sub(seen) > h.cfg.SessionIdle {
			_ = h.sessions.Destroy(ctx)
			return redirectToLogin(c)
		}
		if now.Sub(seen) > time.Minute {
			h.sessions.Put(ctx, sessSeen, now.UnixMilli())
		}
		admin, ms, err := h.store.AdminMemberships(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && admin.PasswordChangedAt != h.sessions.GetInt64(ctx, sessPWC)) {
			_ = h.sessions.Destroy(ctx)
			return redirectToLogin(c)
		}
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			// Removed from every tenant while signed in.
			_ = h.sessions.Destroy(ctx)
			return redirectToLogin(c)
		}
		current := ms[0]
		want := h.sessions.GetInt64(ctx, sessTenant)
		for _, m := range ms {
			if m.Tenant.ID == want {
				current = m
			}
		}
		s := request.Shell(c)
		s.Admin, s.Tenant, s.Role, s.Tenants = admin, current.Tenant, current.Role, ms
		s.Flash = h.sessions.PopString(ctx, sessFlash)
		request.SetShell(c, s)
		ctx = store.WithActor(ctx, store.Actor{Type: store.ActorAdmin, ID: admin.PublicID(), Name: admin.Username})
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

func redirectToLogin(c echo.Context) error {
	target := "/login"
	if c.Request().Method == http.MethodGet {
		target += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
	}
	if request.IsHTMX(c) {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// shell returns the signed-in administrator's view of the request.
func shell(c echo.Context) templates.Shell { return request.Shell(c) }

// requireRole refuses administrators whose role in the current tenant is not
// one of roles.
func requireRole(roles ...store.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := shell(c).Role
			for _, ok := range roles {
				if r == ok {
					return next(c)
				}
			}
			return echo.NewHTTPError(http.StatusForbidden, "Your role in this tenant does not allow this.")
		}
	}
}

// flash leaves a message for the next page the administrator sees.
func (h *Handler) flash(c echo.Context, msg string) {
	h.sessions.Put(c.Request().Context(), sessFlash, msg)
}

type switchForm struct {
	Tenant string `form:"tenant"`
}

// switchTenant makes another of the administrator's tenants the current one.
// A tenant they do not belong to is not found.
func (h *Handler) switchTenant(c echo.Context) error {
	var f switchForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	id, ok := store.ParseID(store.PrefixTenant, f.Tenant)
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "Not found.")
	}
	for _, m := range shell(c).Tenants {
		if m.Tenant.ID == id {
			h.sessions.Put(c.Request().Context(), sessTenant, id)
			h.flash(c, "Switched to "+m.Tenant.Name+".")
			return c.Redirect(http.StatusSeeOther, "/")
		}
	}
	return echo.NewHTTPError(http.StatusNotFound, "Not found.")
}

// whoami answers who the signed-in administrator is, as the API's /whoami
// does for a key, with every tenant they belong to.
func (h *Handler) whoami(c echo.Context) error {
	s := shell(c)
	out := request.Whoami{Type: "admin", Tenant: request.TenantJSON(s.Tenant), Role: s.Role, Admin: &request.AdminIdentity{
		ID: s.Admin.PublicID(), Username: s.Admin.Username, DisplayName: s.Admin.DisplayName,
		Email: s.Admin.Email, System: s.Admin.IsSystem, LastLoginAt: s.Admin.LastLoginAt}}
	for _, m := range s.Tenants {
		out.Tenants = append(out.Tenants, request.Membership{Tenant: request.TenantJSON(m.Tenant), Role: m.Role})
	}
	return c.JSON(http.StatusOK, out)
}
