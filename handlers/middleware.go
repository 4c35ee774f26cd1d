package handlers

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"
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

// maxUpload is the largest body of the routes that take a users' file
// (uploads): a million users as CSV are some 200 MB.
const maxUpload = 512 << 20

var uploads = map[string]bool{"/api/v1/imports": true, "/users/import": true}

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
		limit := int64(maxBody)
		if r.Method == http.MethodPost && uploads[c.Path()] {
			limit = maxUpload
		}
		if r.ContentLength > limit {
			return errBodyTooLarge
		}
		if r.Body != nil && r.Body != http.NoBody {
			// Not every connection can take a deadline (tests' in-memory
			// ones); the size limit still holds there.
			_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now().Add(h.cfg.BodyTimeout))
			b := &body{ReadCloser: http.MaxBytesReader(c.Response().Writer, r.Body, limit)}
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
