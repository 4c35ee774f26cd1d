package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode"

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

// maxBody is the largest request body any route takes: a batch of 500
// users, as JSON or pasted rows, is well under it.
const maxBody = 1 << 20

const bodyKey = "body"

// body is a request body read through limits: at most maxBody bytes, and
// no more than BodyTimeout to arrive. It remembers which limit a read ran
// into, because handlers see only "could not read" (a JSON decoder, a form
// parser) or nothing at all (FormValue), and the error handler answers 413
// or 408 from it, whatever error came of it.
type body struct {
	io.ReadCloser
	tooLarge, tooSlow bool
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		b.tooLarge = true
	case errors.Is(err, os.ErrDeadlineExceeded):
		b.tooSlow = true
	}
	return n, err
}

// limitBody applies maxBody and BodyTimeout to every request. A declared
// length over the limit is refused before anything is read; a chunked body
// is cut off where it passes it. The read deadline covers the body only
// (the server's ReadHeaderTimeout covers the headers), so a client
// trickling a byte a second is dropped instead of holding a connection.
func (h *Handler) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > maxBody {
			return errBodyTooLarge
		}
		if r.Body != nil && r.Body != http.NoBody {
			// Not every connection can take a deadline (tests' in-memory
			// ones); the size limit still holds there.
			_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now().Add(h.cfg.BodyTimeout))
			b := &body{ReadCloser: http.MaxBytesReader(c.Response().Writer, r.Body, maxBody)}
			r.Body = b
			c.Set(bodyKey, b)
		}
		return next(c)
	}
}

var (
	errBodyTooLarge = echo.NewHTTPError(http.StatusRequestEntityTooLarge, "The request body is larger than 1 MiB.")
	errBodyTooSlow  = echo.NewHTTPError(http.StatusRequestTimeout, "The request body took too long to arrive.")
)

// bodyError is the error a request body's limits caused, if any: it wins
// over whatever error a handler made of the failed read.
func bodyError(c echo.Context) error {
	b, _ := c.Get(bodyKey).(*body)
	switch {
	case b == nil:
		return nil
	case b.tooLarge:
		return errBodyTooLarge
	case b.tooSlow:
		return errBodyTooSlow
	}
	return nil
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
// ?next= from redirecting anywhere else. Browsers drop tabs and newlines
// from URLs and read a backslash as a slash, so "/\t/evil.example" and
// "/\\evil.example" would leave the site: any control character or
// backslash refuses the path, and what remains must parse as a path alone.
func localPath(p, fallback string) string {
	if strings.ContainsRune(p, '\\') || strings.ContainsFunc(p, unicode.IsControl) ||
		!strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return fallback
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	return p
}
