package handlers_test

import (
	"html"
	"net/http"
	"strings"
	"testing"
)

// Settings → API renders the OpenAPI document: every operation, with its
// parameters, body, examples and a curl line on the server's base URL; the
// API keys page links to it.
func TestConsoleAPIReference(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	if r := b.get("/settings/api-keys"); !strings.Contains(r.body, `href="/settings/api"`) {
		t.Fatal("the API keys page does not link to the API reference")
	}
	r := b.get("/settings/api")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /settings/api = %d", r.StatusCode)
	}
	page := html.UnescapeString(r.body)
	for _, want := range []string{
		`id="op-createUser"`,
		`curl -X POST 'http://roster.test/api/v1/users' -H "Authorization: Bearer $ROSTER_API_KEY" -H 'Content-Type: application/json' -d '{"display_name":"Ada Lovelace",`,
		`curl 'http://roster.test/api/v1/users/stats?group_by=status' -H "Authorization: Bearer $ROSTER_API_KEY"`,
		`curl 'http://roster.test/api/v1/openapi.json'</textarea>`,
		`curl -X PUT 'http://roster.test/api/v1/users/u_1f/password'`,
		`<code>exclude_usernames</code>`, // a parameter of GET /users
		`<code>auto_lock_at</code>`,      // a field of bodies and of the user
		`id="schema-User"`,
		`"require_password_change": true`,           // an example body, indented
		"row,column,username,message\n2,email,bob,", // a file's example, as its text
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the API reference lacks %s", want)
		}
	}
	c, err := apiDoc()
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range c.doc.Paths.Map() {
		for _, op := range item.Operations() {
			if !strings.Contains(page, `id="op-`+op.OperationID+`"`) {
				t.Errorf("the API reference lacks operation %s", op.OperationID)
			}
		}
	}
}
