package request

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"roster/web/templates"
)

const shellKey = "shell"

// Shell is what the page templates show of the request: its CSRF token
// and, in the console, the signed-in administrator, tenant and role.
func Shell(c echo.Context) templates.Shell {
	s, _ := c.Get(shellKey).(templates.Shell)
	return s
}

// SetShell replaces the request's Shell.
func SetShell(c echo.Context, s templates.Shell) { c.Set(shellKey, s) }

// Render writes a templ component. It renders to a buffer first so a template
// error becomes a clean 500 instead of half a page.
func Render(c echo.Context, code int, comp templ.Component) error {
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	ctx := c.Request().Context()
	if s, ok := c.Get(shellKey).(templates.Shell); ok {
		ctx = templates.WithShell(ctx, s)
	}
	if err := comp.Render(ctx, buf); err != nil {
		return err
	}
	c.Response().Header().Add("Vary", "HX-Request")
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(code, buf.Bytes())
}

// IsHTMX reports whether htmx sent the request, so a fragment will do.
func IsHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// LocalPath returns p when it is a path on this site, else fallback; it keeps
// ?next= from redirecting anywhere else. Browsers drop tabs and newlines
// from URLs and read a backslash as a slash, so "/\t/evil.example" and
// "/\\evil.example" would leave the site: any control character or
// backslash refuses the path, and what remains must parse as a path alone.
func LocalPath(p, fallback string) string {
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
