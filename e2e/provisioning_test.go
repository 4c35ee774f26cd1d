package e2e

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// An identity provider creates a user over SCIM with an admin key made on
// the API keys page; Settings → Provisioning shows the SCIM base URL and
// that request with its result.
func TestProvisioningPageShowsSCIMRequests(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	signIn(t, page, a, "admin", a.OwnerPassword)
	key := newAPIKey(t, page, a, "okta")

	req, _ := http.NewRequest("POST", a.URL+"/scim/v2/Users", bytes.NewBufferString(
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"grace@example.com","name":{"givenName":"Grace","familyName":"Hopper"}}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /scim/v2/Users = %d", resp.StatusCode)
	}

	visit(t, page, a, "/settings")
	click(t, role(page, "link", "Provisioning"))
	if got, err := page.GetByLabel("SCIM base URL").InputValue(); err != nil || got != a.URL+"/scim/v2" {
		t.Errorf("SCIM base URL = %q, %v; want %s/scim/v2", got, err, a.URL)
	}
	mustSee(t, role(page, "link", "API key"), "the link to the API keys")
	mustSee(t, role(page, "heading", "Connect Okta"), "how to connect Okta")
	mustSee(t, role(page, "heading", "Connect Microsoft Entra ID"), "how to connect Entra")
	requests := role(page, "region", "Last requests")
	mustSee(t, requests.GetByRole("cell", cell("POST /scim/v2/Users")), "the SCIM request")
	mustSee(t, requests.GetByText("Created user grace@example.com"), "its result")
	mustSee(t, requests.GetByRole("cell", cell("201")), "its status")

	visit(t, page, a, "/users")
	mustSee(t, role(page, "link", "grace@example.com"), "the user SCIM created, in the console")

	phone := newPageWith(t, playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: 390, Height: 844}})
	signIn(t, phone, a, "admin", a.OwnerPassword)
	visit(t, phone, a, "/settings/provisioning")
	mustFitTheScreen(t, phone, "/settings/provisioning on a phone")
}

func cell(name string) playwright.LocatorGetByRoleOptions {
	return playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}
}
