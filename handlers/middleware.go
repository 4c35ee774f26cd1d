package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"roster/store"
	"roster/web/templates"
)

// contentSecurityPolicy allows nothing but Roster's own files: no inline
// script or style, no framing. Pico's icons are data: SVG images.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every response carries.
func (h *Handler) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hd := c.Response().Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if h.cfg.SecureCookies {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID gives every request an id, echoed in X-Request-Id, the API's
// error body and audit events. A well-formed id sent by a proxy is kept so
// logs line up; anything else is replaced rather than written to the log.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !safeRequestID.MatchString(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set("request_id", id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		r := c.Request()
		c.SetRequest(r.WithContext(store.WithRequestID(r.Context(), id)))
		return next(c)
	}
}

func requestIDOf(c echo.Context) string {
	id, _ := c.Get("request_id").(string)
	return id
}

// loadSession loads the scs session and commits it just before the first
// byte of the response, using Echo's Before hook, so pages written by the
// error handler still carry the cookie and it is never written twice.
// sm is the console's sessions or the end users' (separate cookies, so one
// never grants the other).
func (h *Handler) loadSession(sm *scs.SessionManager) echo.MiddlewareFunc {
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
						h.log.Error("session commit", "err", err)
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

const csrfSessionKey = "csrf"

// csrf checks a per-session token on every state-changing console request,
// sent as the _csrf form field or, by htmx, the X-CSRF-Token header set on
// <body>. Echo's CSRF middleware was not used: from v4.15 it skips the token
// whenever the browser sends Sec-Fetch-Site: same-origin, and we want both
// checks. Cross-site requests are refused outright by their fetch metadata.
func (h *Handler) csrf(sm *scs.SessionManager) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return h.checkCSRF(sm, next)
	}
}

func (h *Handler) checkCSRF(sm *scs.SessionManager, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		token := sm.GetString(ctx, csrfSessionKey)
		if token == "" {
			token = newCSRFToken()
			sm.Put(ctx, csrfSessionKey, token)
		}
		c.Set(shellKey, templates.Shell{CSRF: token, Version: h.cfg.Version})
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

func newCSRFToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// isHTMX reports whether htmx sent the request, so a fragment will do.
func isHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// localPath returns p when it is a path on this site, else fallback; it keeps
// ?next= from redirecting anywhere else.
func localPath(p, fallback string) string {
	if strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\") {
		return p
	}
	return fallback
}
