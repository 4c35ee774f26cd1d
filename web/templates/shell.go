// Package templates holds Roster's templ components: the console shell,
// pages and the htmx fragments they swap.
package templates

import (
	"context"
	"encoding/json"

	"roster/store"
)

// Shell is what the layout shows around every console page: who is signed
// in, in which tenant, and the CSRF token forms and htmx send back.
type Shell struct {
	Admin   store.Admin
	Tenant  store.Tenant
	Role    store.Role
	Tenants []store.Membership
	CSRF    string
	Flash   string
	Version string
}

type shellKey struct{}

// WithShell returns ctx carrying the shell; handlers set it once per request
// and every component reads it from the context templ passes along.
func WithShell(ctx context.Context, s Shell) context.Context {
	return context.WithValue(ctx, shellKey{}, s)
}

func shellOf(ctx context.Context) Shell {
	s, _ := ctx.Value(shellKey{}).(Shell)
	return s
}

// csrfHeaders is the hx-headers value on <body>: htmx sends the token with
// every request it makes. json.Marshal escapes the token for the attribute.
func csrfHeaders(ctx context.Context) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": shellOf(ctx).CSRF})
	return string(b)
}

// htmxConfig turns off htmx's injected indicator <style> (the CSP forbids
// inline styles) and eval, and swaps 422 responses so forms re-render with
// their errors in place. attributesToSettle leaves out htmx's default
// "style": settling copies the old element's style attribute onto the new
// one, and browser extensions and test tools leave style="" on inputs, so
// the copy was an inline style the CSP refused.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,` +
	`"attributesToSettle":["class","width","height"],` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},` +
	`{"code":"422","swap":true},{"code":"[45]..","swap":false,"error":true}]}`
