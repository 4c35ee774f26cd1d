package e2e

import (
	"regexp"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// A new administrator signs in with the printed password, creates an API
// key and sees its secret exactly once, changes the tenant alias (after a
// field error for an invalid one), finds both changes in the audit log and
// signs out.
func TestFirstOwnerJourney(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	if a.OwnerPassword == "" {
		t.Fatal("the first start did not print the owner's password")
	}
	page := newPage(t)
	page.OnDialog(func(d playwright.Dialog) { _ = d.Accept() })
	signIn(t, page, a, "admin", a.OwnerPassword)

	// API key: the secret is on the creation page and nowhere after.
	click(t, role(page, "link", "Settings"))
	click(t, role(page, "link", "API keys"))
	checkA11y(t, page)
	fill(t, page.GetByLabel("Key name"), "nightly sync")
	if _, err := page.GetByLabel("Key role").SelectOption(playwright.SelectOptionValues{Values: &[]string{"admin"}}); err != nil {
		t.Fatal(err)
	}
	click(t, role(page, "button", "Create API key"))
	secret := page.GetByLabel("Secret of nightly sync")
	mustSee(t, secret, "the new key's secret")
	checkA11y(t, page)
	token, err := secret.InputValue()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^rst_key_[a-z2-7]+\.[a-z2-7]{40,}$`).MatchString(token) {
		t.Fatalf("secret = %q, want an rst_ token", token)
	}
	visit(t, page, a, "/settings/api-keys")
	mustSee(t, role(page, "cell", "nightly sync"), "the key in the list")
	if n, _ := page.GetByLabel("Secret of nightly sync").Count(); n != 0 {
		t.Fatal("the secret is shown again after leaving the creation page")
	}
	if html, _ := page.Content(); regexp.MustCompile(regexp.QuoteMeta(token)).MatchString(html) {
		t.Fatal("the key list page contains the secret")
	}

	// Tenant alias: an invalid one is refused next to the field, then a valid one saves.
	click(t, role(page, "link", "Tenant"))
	checkA11y(t, page)
	fill(t, page.GetByLabel("Alias"), "Not Valid!")
	click(t, role(page, "button", "Save tenant"))
	mustSee(t, page.GetByText("Alias must be 3 to 32 characters"), "the alias field error")
	if err := expect.Locator(page.GetByLabel("Alias")).ToHaveAttribute("aria-invalid", "true"); err != nil {
		t.Fatalf("alias field not marked invalid: %v", err)
	}
	checkA11y(t, page)
	fill(t, page.GetByLabel("Alias"), "acme-corp")
	click(t, role(page, "button", "Save tenant"))
	mustSee(t, page.GetByText("Tenant settings saved."), "the saved message")
	if err := expect.Locator(page.GetByLabel("Alias")).ToHaveValue("acme-corp"); err != nil {
		t.Fatal(err)
	}

	// The audit log shows both changes, by this administrator.
	click(t, role(page, "link", "Audit log"))
	checkA11y(t, page)
	mustSee(t, role(page, "cell", "apikey.create"), "apikey.create in the audit log")
	mustSee(t, role(page, "cell", "tenant.update"), "tenant.update in the audit log")
	fill(t, page.GetByLabel("Action"), "tenant.update")
	click(t, role(page, "button", "Filter"))
	mustSee(t, page.GetByRole("definition").Filter(playwright.LocatorFilterOptions{HasText: "default → acme-corp"}), "the alias change in the audit log")
	if n, _ := role(page, "cell", "apikey.create").Count(); n != 0 {
		t.Fatal("filtering by action still lists apikey.create")
	}

	signOut(t, page)
	mustSee(t, role(page, "heading", "Sign in to Roster"), "the sign-in page after signing out")
	visit(t, page, a, "/settings/api-keys")
	mustSee(t, role(page, "heading", "Sign in to Roster"), "the sign-in page for a signed-out visitor")
}
