package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
)

// An administrator manages users in the console: creates one with the
// form, finds them by typing, locks them until tomorrow, batch-creates
// rows with one bad row, disables three at once, removes one after typing
// the count, and opens the statistics.
func TestUserLifecycleInTheConsole(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	page.OnDialog(func(d playwright.Dialog) { _ = d.Accept() })
	signIn(t, page, a, "admin", a.OwnerPassword)

	// Create one user with the form.
	click(t, role(page, "link", "Users"))
	checkA11y(t, page)
	click(t, role(page, "button", "New user"))
	checkA11y(t, page)
	fill(t, page.GetByLabel("Username"), "ada lovelace")
	fill(t, page.GetByLabel("Display name"), "Ada Lovelace")
	fill(t, page.GetByLabel("Email", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}), "ada@example.com")
	click(t, role(page, "button", "Create user"))
	mustSee(t, page.GetByText("Username must be 3 to 64 characters").First(), "the username field error")
	checkA11y(t, page)
	fill(t, page.GetByLabel("Username"), "ada")
	fill(t, page.GetByLabel("Time zone"), "Europe/London")
	click(t, role(page, "button", "Create user"))
	mustSee(t, page.GetByText("User ada created."), "the created message")
	mustSee(t, role(page, "heading", "ada"), "the new user's page")
	checkA11y(t, page)

	// Batch-create five rows, one of them invalid.
	visit(t, page, a, "/users/batch")
	fill(t, page.GetByLabel("Rows"), "username,email,display name\n"+
		"alan,alan@example.com,Alan Turing\n"+
		"grace,grace@example.com,Grace Hopper\n"+
		"bad name,bad@example.com,Broken\n"+
		"linus,linus@example.com,Linus\n"+
		"margaret,mh@example.com,\"Hamilton, Margaret\"\n")
	click(t, role(page, "button", "Create users"))
	mustSee(t, role(page, "heading", "4 created, 1 failed"), "the batch summary")
	checkA11y(t, page)
	row := page.GetByRole("row").Filter(playwright.LocatorFilterOptions{HasText: "bad name"})
	mustSee(t, row.GetByText("Username must be"), "the bad row's reason")
	if err := expect.Locator(page.GetByLabel("Rows")).ToHaveValue("bad name,bad@example.com,Broken\n"); err != nil {
		t.Fatalf("the failed row is not left to fix: %v", err)
	}

	// Find ada by typing a prefix: the list narrows without a reload and the URL follows.
	click(t, page.GetByLabel("Main").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Users"}))
	// htmx wires the search box up on load; typing before that would be a
	// plain form field (Enter still searches, without htmx).
	if err := page.WaitForLoadState(); err != nil {
		t.Fatal(err)
	}
	fill(t, page.GetByLabel("Search users"), "ad")
	mustSee(t, role(page, "link", "ada"), "ada in the results")
	if err := expect.Locator(role(page, "link", "grace")).ToHaveCount(0); err != nil {
		t.Fatalf("grace still listed for 'ad': %v", err)
	}
	if err := expect.Page(page).ToHaveURL(regexp.MustCompile(`q=ad`)); err != nil {
		t.Fatalf("the URL does not carry the search: %v", err)
	}
	checkA11y(t, page)

	// Lock ada until tomorrow and see the badge.
	click(t, role(page, "link", "ada"))
	tab(t, page, "Access")
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	fill(t, page.GetByLabel("Lock until (optional)"), tomorrow)
	click(t, role(page, "button", "Lock user"))
	mustSee(t, page.GetByText("Locked until "+tomorrow).First(), "the lock badge")
	checkA11y(t, page)

	// Select three users and disable them.
	visit(t, page, a, "/users")
	for _, name := range []string{"alan", "grace", "linus"} {
		if err := page.GetByLabel("Select " + name).Check(); err != nil {
			t.Fatal(err)
		}
	}
	click(t, role(page, "button", "Disable selected"))
	mustSee(t, role(page, "heading", "Disable 3 users?"), "the confirmation naming the count")
	checkA11y(t, page)
	click(t, role(page, "button", "Disable 3 users"))
	mustSee(t, role(page, "heading", "Disabled 3 users"), "the bulk outcome")
	for _, name := range []string{"alan", "grace", "linus"} {
		r := page.GetByRole("row").Filter(playwright.LocatorFilterOptions{Has: role(page, "link", name)})
		mustSee(t, r.GetByText("disabled"), name+" shown disabled")
	}
	checkA11y(t, page)

	// Remove margaret after typing the count.
	if err := page.GetByLabel("Select margaret").Check(); err != nil {
		t.Fatal(err)
	}
	click(t, role(page, "button", "Remove selected"))
	fill(t, page.GetByLabel("Type 1 to confirm"), "2")
	click(t, role(page, "button", "Remove 1 user"))
	mustSee(t, page.GetByText("Type 1, the number of users to remove."), "the wrong-count error")
	fill(t, page.GetByLabel("Type 1 to confirm"), "1")
	click(t, role(page, "button", "Remove 1 user"))
	mustSee(t, role(page, "heading", "Removed 1 user"), "the removal outcome")
	if err := expect.Locator(role(page, "link", "margaret")).ToHaveCount(0); err != nil {
		t.Fatalf("margaret still listed: %v", err)
	}

	// The statistics chart.
	visit(t, page, a, "/users")
	click(t, page.GetByText("User statistics"))
	chart := page.GetByRole("img", playwright.PageGetByRoleOptions{Name: "By status"})
	mustSee(t, chart, "the status chart")
	text, err := chart.TextContent()
	if err != nil || !strings.Contains(text, "disabled") || !strings.Contains(text, "pending") {
		t.Fatalf("status chart text = %q, %v", text, err)
	}
	checkA11y(t, page)
}
