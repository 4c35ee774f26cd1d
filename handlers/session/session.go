// Package session holds what the console and the end users' pages share
// about browser sessions: scs managers with their own cookies, loading and
// committing a session around a request, and CSRF checks.
package session

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/web/templates"
)

// Lifetime is the longest any session lasts, idle or not.
const Lifetime = 12 * time.Hour

// New is a session manager on the shared store with its own cookie:
// HttpOnly, SameSite=Lax, Secure behind TLS, gone with the browser.
func New(ss scs.Store, cookie string, secure bool) *scs.SessionManager {
	sm := scs.New()
	sm.Store = ss
	sm.Codec = sessionCodec{}
	sm.Lifetime = Lifetime
	sm.Cookie.Name = cookie
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = secure
	sm.Cookie.Persist = false
	return sm
}

// Load loads the scs session and commits it just before the first
// byte of the response, using Echo's Before hook, so pages written by the
// error handler still carry the cookie and it is never written twice.
// sm is the console's sessions or the end users' (separate cookies, so one
// never grants the other).
func Load(sm *scs.SessionManager, log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			var token string
			if ck, err := c.Cookie(sm.Cookie.Name); err == nil {
				token = ck.Value
			}
			ctx, err := sm.Load(c.Request().Context(), token)
			if err != nil {
				return err
			}
			c.SetRequest(c.Request().WithContext(ctx))
			c.Response().Header().Add("Vary", "Cookie")
			c.Response().Before(func() {
				ctx := c.Request().Context()
				switch sm.Status(ctx) {
				case scs.Modified:
					tok, exp, err := sm.Commit(ctx)
					if err != nil {
						log.Error("session commit", "err", err)
						return
					}
					sm.WriteSessionCookie(ctx, c.Response().Writer, tok, exp)
				case scs.Destroyed:
					sm.WriteSessionCookie(ctx, c.Response().Writer, "", time.Time{})
				}
			})
			return next(c)
		}
	}
}

// CSRFKey is the session key of the CSRF token; sign-in puts a new one.
const CSRFKey = "csrf"

// CSRF checks a per-session token on every state-changing console request,
// sent as the _csrf form field or, by htmx, the X-CSRF-Token header set on
// <body>. Echo's CSRF middleware was not used: from v4.15 it skips the token
// whenever the browser sends Sec-Fetch-Site: same-origin, and we want both
// checks. Cross-site requests are refused outright by their fetch metadata.
// It also starts the request's Shell with the token (and the version for
// the footer), so every form can carry it.
func CSRF(sm *scs.SessionManager, version string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			token := sm.GetString(ctx, CSRFKey)
			if token == "" {
				token = NewCSRFToken()
				sm.Put(ctx, CSRFKey, token)
			}
			request.SetShell(c, templates.Shell{CSRF: token, Version: version})
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				return next(c)
			}
			if site := c.Request().Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
				return echo.NewHTTPError(http.StatusForbidden, "This request came from another site and was refused.")
			}
			sent := c.Request().Header.Get("X-CSRF-Token")
			if sent == "" {
				sent = c.FormValue("_csrf")
			}
			if subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
				return echo.NewHTTPError(http.StatusForbidden,
					"The form was out of date or did not come from Roster. Reload the page and try again.")
			}
			return next(c)
		}
	}
}

// NewCSRFToken returns a fresh random token.
func NewCSRFToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
