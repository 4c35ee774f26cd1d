package e2e

import (
	"testing"

	"github.com/playwright-community/playwright-go"
)

var exactLabel = playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}

// An administrator's failed sign-in and a sync's changes (a unit renamed,
// a user moved, a user added to a group) read in the audit log by name,
// linked, with each change as before → after; filters answer errors next
// to the field; the page fits a phone.
func TestAuditLogReadsByName(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	api := newAPIClient(t, a, cliAPIKey(t, a, "nightly sync"))
	eng := api.post("/org-units", map[string]any{"name": "Engineering"})
	sales := api.post("/org-units", map[string]any{"name": "Sales"})
	ada := api.post("/users", map[string]any{"username": "ada", "display_name": "Ada Lovelace", "org_unit_id": eng})
	api.call("PATCH", "/org-units/"+eng, map[string]any{"name": "Research"})
	api.post("/users/move", map[string]any{"user_ids": []string{ada}, "org_unit_id": sales})
	pilots := api.post("/groups", map[string]any{"name": "Pilots"})
	api.post("/groups/"+pilots+"/members/add", map[string]any{"user_ids": []string{ada}})

	page := newPage(t)
	visit(t, page, a, "/login")
	fill(t, page.GetByLabel("Username"), "admin")
	fill(t, page.GetByLabel("Password"), "not the password")
	click(t, role(page, "button", "Sign in"))
	mustSee(t, page.GetByText("Invalid username or password."), "the refused sign-in")
	signIn(t, page, a, "admin", a.OwnerPassword)

	click(t, role(page, "link", "Audit log"))
	checkA11y(t, page)
	rows := page.GetByRole("row")
	row := func(action string) playwright.Locator {
		return rows.Filter(playwright.LocatorFilterOptions{Has: page.GetByText(action, playwright.PageGetByTextOptions{Exact: playwright.Bool(true)})}).First()
	}
	link := func(l playwright.Locator, name string) playwright.Locator {
		return l.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
	}

	// The rename: the unit by its name now, linked, its id beside it; the
	// name before → after.
	renamed := row("org_unit.update")
	mustSee(t, link(renamed, "Research"), "the renamed unit, linked")
	mustSee(t, renamed.GetByText(eng, playwright.LocatorGetByTextOptions{Exact: playwright.Bool(true)}), "the unit's id")
	mustSee(t, renamed.GetByRole("definition").Filter(playwright.LocatorFilterOptions{HasText: "Engineering → Research"}), "the rename as before → after")
	if href, _ := link(renamed, "Research").GetAttribute("href"); href != "/org-units?unit="+eng {
		t.Errorf("the unit links to %q", href)
	}

	// The move: the user by display name; the units by name, not ids.
	moved := row("user.move")
	mustSee(t, link(moved, "Ada Lovelace"), "the moved user, linked")
	mustSee(t, link(moved, "Research"), "the unit before the move, by name")
	mustSee(t, link(moved, "Sales"), "the unit after the move, by name")
	if href, _ := link(moved, "Ada Lovelace").GetAttribute("href"); href != "/users/"+ada {
		t.Errorf("the user links to %q", href)
	}

	// The membership: the group and the user added, both by name; the
	// sync's key as the actor.
	added := row("group.add_member")
	mustSee(t, link(added, "Pilots"), "the group, linked")
	mustSee(t, link(added, "Ada Lovelace"), "the user added, by name")
	mustSee(t, link(added, "nightly sync"), "the API key as the actor")

	// The refused sign-in, with where it came from.
	failed := row("admin.sign_in_failed")
	mustSee(t, failed.GetByText("wrong password"), "the reason of the refused sign-in")
	mustSee(t, failed.GetByText("from 127.0.0.1"), "the address of the refused sign-in")
	screenshot(t, page, "audit-1280")
	mustFitTheScreen(t, page, "the audit log at 1280 px")

	// Filters: by action; an inverted date range is answered at the field.
	fill(t, page.GetByLabel("Action", exactLabel), "admin.sign_in_failed")
	click(t, role(page, "button", "Filter"))
	mustSee(t, role(page, "cell", "admin.sign_in_failed failed"), "the failed sign-in, filtered")
	if n, _ := role(page, "cell", "user.move").Count(); n != 0 {
		t.Error("filtering by action still lists user.move")
	}
	fill(t, page.GetByLabel("From", exactLabel), "2026-03-10")
	fill(t, page.GetByLabel("To", exactLabel), "2026-03-01")
	click(t, role(page, "button", "Filter"))
	mustSee(t, page.GetByText("The end is before the start"), "the inverted range's error")
	if err := expect.Locator(page.GetByLabel("To", exactLabel)).ToHaveAttribute("aria-invalid", "true"); err != nil {
		t.Errorf("the To field is not marked invalid: %v", err)
	}
	checkA11y(t, page)
	screenshot(t, page, "audit-filter-error-1280")
	click(t, role(page, "link", "Clear filters"))
	mustSee(t, row("user.move"), "every event again")

	// On a phone the page stays within the screen; the table scrolls in its box.
	if err := page.SetViewportSize(390, 844); err != nil {
		t.Fatal(err)
	}
	mustFitTheScreen(t, page, "the audit log at 390 px")
	checkA11y(t, page)
	screenshot(t, page, "audit-390")
	if err := page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: playwright.ColorSchemeDark}); err != nil {
		t.Fatal(err)
	}
	page.WaitForTimeout(500) // Pico eases colours in; judge them once they are there
	checkA11y(t, page)
	screenshot(t, page, "audit-390-dark")
	if err := page.SetViewportSize(1280, 900); err != nil {
		t.Fatal(err)
	}
	checkA11y(t, page)
	screenshot(t, page, "audit-1280-dark")
}
