package handlers_test

import (
	"strings"
	"testing"
)

// Settings → Provisioning shows the SCIM base URL under the server's
// public address, the key to use, and the tenant's last SCIM requests
// (not another tenant's).
func TestProvisioningPage(t *testing.T) {
	a := newUsersAPI(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	r := b.get("/settings/provisioning")
	if r.StatusCode != 200 || !strings.Contains(r.body, `value="http://roster.test/scim/v2"`) ||
		!strings.Contains(r.body, `href="/settings/api-keys"`) || !strings.Contains(r.body, "No SCIM requests yet") {
		t.Fatalf("empty Provisioning page = %d %s", r.StatusCode, r.body)
	}
	a.mustSCIM(t, 201, "POST", "/Users", `{"userName":"ada@example.com"}`)
	a.scimAs(t, a.other, "GET", "/Users?filter=userName%20eq%20%22theirs%22", "")
	r = b.get("/settings/provisioning")
	if !strings.Contains(r.body, "POST /scim/v2/Users") || !strings.Contains(r.body, "Created user ada@example.com") ||
		strings.Contains(r.body, "theirs") {
		t.Fatalf("Provisioning page after a request = %s", r.body)
	}
}
