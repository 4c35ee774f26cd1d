package handlers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"roster/handlers"
	"roster/store"
)

// benchGet sends GET path with an API key (none when empty) through a client
// of its own: the bench routes are not operations of the API's document,
// which the contract client holds every /api/v1 exchange to.
func (a *testApp) benchGet(t *testing.T, path, key string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", a.srv.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// A server started without bench mode has neither the constant answers
// nor Server-Timing on its lists.
func TestBenchModeIsOffByDefault(t *testing.T) {
	a := newTestApp(t)
	_, key, _ := a.st.CreateAPIKey(t.Context(), a.acme.ID, store.NewAPIKey{Name: "bench", Role: store.RoleAdmin})
	if resp, body := a.benchGet(t, "/api/v1/_bench/constant?size=100", key); resp.StatusCode != http.StatusNotFound {
		t.Errorf("API constant without bench mode = %d, want 404: %s", resp.StatusCode, body)
	}
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	if r := b.get("/_bench/constant?size=100"); r.StatusCode != http.StatusNotFound {
		t.Errorf("console constant without bench mode = %d, want 404", r.StatusCode)
	}
	if resp, _ := a.benchGet(t, "/api/v1/users", key); resp.Header.Get("Server-Timing") != "" {
		t.Errorf("users list without bench mode has Server-Timing %q", resp.Header.Get("Server-Timing"))
	}
	if r := b.get("/users"); r.Header.Get("Server-Timing") != "" {
		t.Errorf("users page without bench mode has Server-Timing %q", r.Header.Get("Server-Timing"))
	}
}

var serverTimingRE = regexp.MustCompile(`^query;dur=[0-9]+\.[0-9]{3}, encode;dur=[0-9]+\.[0-9]{3}$`)

// In bench mode, the constant answers are size bytes behind each
// surface's own checks (an API key; a signed-in administrator), and the
// lists say how long their query and their encoding took.
func TestBenchModeConstantAndServerTiming(t *testing.T) {
	a := newTestAppWith(t, handlers.Config{Bench: true})
	ctx := t.Context()
	_, key, _ := a.st.CreateAPIKey(ctx, a.acme.ID, store.NewAPIKey{Name: "bench", Role: store.RoleViewer})
	if _, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "grace.hopper", Email: "grace@example.com"}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, path, key string
		status          int
		size            int
	}{
		{"no key", "/api/v1/_bench/constant?size=100", "", http.StatusUnauthorized, 0},
		{"unknown key", "/api/v1/_bench/constant?size=100", "rst_key_nope.nope", http.StatusUnauthorized, 0},
		{"a key", "/api/v1/_bench/constant?size=100", key, http.StatusOK, 100},
		{"the smallest", "/api/v1/_bench/constant?size=2", key, http.StatusOK, 2},
		{"a page's size", "/api/v1/_bench/constant?size=23456", key, http.StatusOK, 23456},
		{"no size", "/api/v1/_bench/constant", key, http.StatusBadRequest, 0},
		{"too small", "/api/v1/_bench/constant?size=1", key, http.StatusBadRequest, 0},
		{"too large", "/api/v1/_bench/constant?size=99999999", key, http.StatusBadRequest, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := a.benchGet(t, tc.path, tc.key)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.200s", resp.StatusCode, tc.status, body)
			}
			var doc any
			if err := json.Unmarshal([]byte(body), &doc); err != nil {
				t.Fatalf("not JSON: %v: %.200s", err, body)
			}
			if tc.status == http.StatusBadRequest && !strings.Contains(body, `"field":"size"`) {
				t.Errorf("the error names no field size: %s", body)
			}
			if tc.status != http.StatusOK {
				return
			}
			if len(body) != tc.size || resp.ContentLength != int64(tc.size) {
				t.Errorf("%d bytes (Content-Length %d), want %d", len(body), resp.ContentLength, tc.size)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			// The chain every answer passes: its headers are there.
			if resp.Header.Get("X-Request-Id") == "" || resp.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("headers of the middleware missing: %v", resp.Header)
			}
		})
	}

	if resp, body := a.benchGet(t, "/_bench/constant?size=100", ""); resp.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("console constant signed out = %d to %q, want 303 to sign-in: %.200s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	r := b.get("/_bench/constant?size=5000")
	if r.StatusCode != http.StatusOK || len(r.body) != 5000 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("console constant signed in = %d, %d bytes of %q; want 200, 5000 bytes of HTML", r.StatusCode, len(r.body), r.Header.Get("Content-Type"))
	}

	if resp, body := a.benchGet(t, "/api/v1/users", key); resp.StatusCode != http.StatusOK || !serverTimingRE.MatchString(resp.Header.Get("Server-Timing")) {
		t.Errorf("users list = %d, Server-Timing %q: %.200s", resp.StatusCode, resp.Header.Get("Server-Timing"), body)
	}
	if r := b.get("/users"); r.StatusCode != http.StatusOK || !serverTimingRE.MatchString(r.Header.Get("Server-Timing")) {
		t.Errorf("users page = %d, Server-Timing %q", r.StatusCode, r.Header.Get("Server-Timing"))
	}
	// An answer that timed no store call says nothing.
	if resp, _ := a.benchGet(t, "/api/v1/whoami", key); resp.Header.Get("Server-Timing") != "" {
		t.Errorf("whoami has Server-Timing %q", resp.Header.Get("Server-Timing"))
	}
}
