package handlers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/store"
)

// apiCall sends a JSON API request with a bearer key.
func (a *testApp) apiCall(t *testing.T, method, path, key, body string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := contractClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
		}
	}
	return resp.StatusCode, resp.Header, out
}

func errorOf(body map[string]any) (code, msg, field string) {
	e, _ := body["error"].(map[string]any)
	code, _ = e["code"].(string)
	msg, _ = e["message"].(string)
	field, _ = e["field"].(string)
	return
}

func TestAPIAuthAndErrors(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	_, adminKey, _ := a.st.CreateAPIKey(ctx, a.acme.ID, store.NewAPIKey{Name: "writer", Role: store.RoleAdmin})
	_, viewerKey, _ := a.st.CreateAPIKey(ctx, a.acme.ID, store.NewAPIKey{Name: "reader", Role: store.RoleViewer})
	revoked, revokedKey, _ := a.st.CreateAPIKey(ctx, a.acme.ID, store.NewAPIKey{Name: "old", Role: store.RoleAdmin})
	if err := a.st.RevokeAPIKey(ctx, a.acme.ID, revoked.PublicID); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, method, path, key, body string
		status                        int
		code, field, msgPart          string
	}{
		{"no key", "GET", "/api/v1/whoami", "", "", 401, "unauthorized", "", "Bearer"},
		{"unknown key", "GET", "/api/v1/whoami", "rst_key_nope.nope", "", 401, "unauthorized", "", "unknown, revoked or expired"},
		{"revoked key", "GET", "/api/v1/whoami", revokedKey, "", 401, "unauthorized", "", "revoked"},
		{"viewer reads", "GET", "/api/v1/whoami", viewerKey, "", 200, "", "", ""},
		{"viewer writes", "PUT", "/api/v1/tenant/alias", viewerKey, `{"alias":"viewer-alias"}`, 403, "forbidden", "", "read-only"},
		{"malformed JSON", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias":`, 400, "bad_request", "", "Malformed JSON"},
		{"wrong type", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias": 5}`, 400, "bad_request", "", `"alias" must be a string`},
		{"unknown field", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias":"x-y-z","colour":"red"}`, 400, "bad_request", "", "unknown field"},
		{"missing alias", "PUT", "/api/v1/tenant/alias", adminKey, `{}`, 422, "validation_failed", "alias", "required"},
		{"invalid alias", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias":"No!"}`, 422, "validation_failed", "alias", "3 to 32"},
		{"alias taken", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias":"other"}`, 409, "conflict", "alias", "already used"},
		{"body too large", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "payload_too_large", "", ""},
		{"unknown endpoint", "GET", "/api/v1/nothing-here", adminKey, "", 404, "not_found", "", ""},
		{"bad page size", "GET", "/api/v1/audit-events?max_results=1000", adminKey, "", 400, "bad_request", "max_results", "1 to 100"},
		{"bad cursor", "GET", "/api/v1/audit-events?next_token=%21%21", adminKey, "", 400, "bad_request", "next_token", "cursor"},
		{"bad since", "GET", "/api/v1/audit-events?since=yesterday", adminKey, "", 400, "bad_request", "since", "2026-01-31"},
		{"alias set", "PUT", "/api/v1/tenant/alias", adminKey, `{"alias":"acme-api"}`, 200, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := a.apiCall(t, tt.method, tt.path, tt.key, tt.body)
			if status != tt.status {
				t.Fatalf("%s %s = %d, want %d (%v)", tt.method, tt.path, status, tt.status, body)
			}
			rid := hdr.Get("X-Request-Id")
			if rid == "" {
				t.Fatal("no X-Request-Id header")
			}
			if tt.code == "" {
				return
			}
			code, msg, field := errorOf(body)
			if code != tt.code || field != tt.field || !strings.Contains(msg, tt.msgPart) || body["request_id"] != rid {
				t.Fatalf("error = %v, want code %s field %q message containing %q and request_id %s", body, tt.code, tt.field, tt.msgPart, rid)
			}
		})
	}
	if tn, _ := a.st.GetTenant(ctx, a.acme.ID); tn.Alias != "acme-api" {
		t.Fatalf("alias after the API call = %q", tn.Alias)
	}
}

func TestAPIWhoamiAndAuditEvents(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	_, key, _ := a.st.CreateAPIKey(ctx, a.acme.ID, store.NewAPIKey{Name: "sync", Role: store.RoleAdmin})
	_, otherKey, _ := a.st.CreateAPIKey(ctx, a.other.ID, store.NewAPIKey{Name: "theirs", Role: store.RoleAdmin})

	status, _, who := a.apiCall(t, "GET", "/api/v1/whoami", key, "")
	tenant, _ := who["tenant"].(map[string]any)
	apiKey, _ := who["api_key"].(map[string]any)
	if status != 200 || who["type"] != "api_key" || tenant["alias"] != "acme" || tenant["id"] != a.acme.PublicID() ||
		apiKey["name"] != "sync" || who["role"] != "admin" {
		t.Fatalf("whoami = %d %v", status, who)
	}

	a.apiCall(t, "PUT", "/api/v1/tenant/alias", key, `{"alias":"acme-2"}`)
	status, _, list := a.apiCall(t, "GET", "/api/v1/audit-events?action=tenant.update", key, "")
	items, _ := list["items"].([]any)
	if status != 200 || len(items) != 1 || list["total_count"] != float64(1) {
		t.Fatalf("audit events = %d %v", status, list)
	}
	ev := items[0].(map[string]any)
	actor := ev["actor"].(map[string]any)
	if actor["type"] != "api_key" || actor["name"] != "sync" || ev["request_id"] == "" {
		t.Fatalf("event = %v, want the key as actor and a request id", ev)
	}

	// Paging with max_results and next_token visits each event once.
	seen := map[string]bool{}
	next := ""
	for range 20 {
		_, _, page := a.apiCall(t, "GET", "/api/v1/audit-events?max_results=2&next_token="+url.QueryEscape(next), key, "")
		for _, it := range page["items"].([]any) {
			id := it.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("event %s seen twice", id)
			}
			seen[id] = true
		}
		next, _ = page["next_token"].(string)
		if next == "" {
			break
		}
	}
	_, _, all := a.apiCall(t, "GET", "/api/v1/audit-events", key, "")
	if len(seen) != int(all["total_count"].(float64)) {
		t.Fatalf("paging saw %d events, total_count %v", len(seen), all["total_count"])
	}

	// Another tenant's key sees none of acme's events.
	_, _, theirs := a.apiCall(t, "GET", "/api/v1/audit-events?action=tenant.update", otherKey, "")
	if theirs["total_count"] != float64(0) {
		t.Fatalf("other tenant sees acme's events: %v", theirs)
	}
	// Console sessions do not authenticate the API.
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	if r := b.get("/api/v1/whoami"); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API with a console session = %d, want 401", r.StatusCode)
	}
	if r := b.get("/whoami"); r.StatusCode != 200 || !strings.Contains(r.body, `"username":"owner-acme"`) {
		t.Fatalf("console whoami = %d %s", r.StatusCode, r.body)
	}
}
