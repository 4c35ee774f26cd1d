package e2e

import (
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// addGroup creates a group from the Groups page.
func addGroup(t *testing.T, page playwright.Page, a *app, name string) {
	t.Helper()
	visit(t, page, a, "/groups")
	fill(t, page.GetByLabel("Group name"), name)
	click(t, role(page, "button", "Create group"))
	mustSee(t, role(page, "heading", name), "the group page of "+name)
}

// addSubUnit adds a unit under the top unit from the Organization page.
func addSubUnit(t *testing.T, page playwright.Page, a *app, name string) {
	t.Helper()
	visit(t, page, a, "/org-units")
	// A tenant with only its root shows the form open; otherwise it is
	// behind its disclosure.
	field := page.GetByLabel("Name of the new sub-unit")
	if !visible(field) {
		click(t, page.GetByText("Add a sub-unit"))
	}
	fill(t, field, name)
	click(t, role(page, "button", "Add sub-unit"))
	mustSee(t, role(page, "heading", name), "the new unit "+name)
}

// tab opens one tab of the user page.
func tab(t *testing.T, page playwright.Page, name string) {
	t.Helper()
	click(t, page.GetByLabel("User sections").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}))
}

// mustHaveValue fails unless the field shows v.
func mustHaveValue(t *testing.T, l playwright.Locator, v, what string) {
	t.Helper()
	if err := expect.Locator(l).ToHaveValue(v); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// An administrator creates a user in a unit, in a group and with a
// property value from the new-user form, and finds each on its tab.
func TestNewUserWithUnitGroupsAndPropertyOnTheirTabs(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	signIn(t, page, a, "admin", a.OwnerPassword)
	addSubUnit(t, page, a, "Engineering")
	addGroup(t, page, a, "Pilots")
	addGroup(t, page, a, "Planners")
	visit(t, page, a, "/properties")
	fill(t, page.GetByLabel("Key"), "team")
	fill(t, page.GetByLabel("Display name"), "Team")
	if _, err := page.GetByLabel("Type", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).SelectOption(playwright.SelectOptionValues{Values: &[]string{"select"}}); err != nil {
		t.Fatal(err)
	}
	fill(t, page.GetByLabel("Allowed values (for list types)"), "web|Web\nops|Operations")
	click(t, role(page, "button", "Create property"))
	mustSee(t, page.GetByText("Property team created."), "the created property")

	visit(t, page, a, "/users/new")
	waitLoaded(t, page)
	fill(t, page.GetByLabel("Username"), "ada")
	fill(t, page.GetByLabel("Display name"), "Ada Lovelace")
	pick(t, page, "Find org unit", "eng", "Default / Engineering")
	// Two searches: the second must keep what the first ticked.
	pick(t, page, "Find groups to join", "pil", "Pilots")
	pick(t, page, "Find groups to join", "pla", "Planners")
	if err := expect.Locator(page.GetByLabel("Pilots", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)})).ToBeChecked(); err != nil {
		t.Fatalf("Pilots, ticked before the second search: %v", err)
	}
	if _, err := page.GetByLabel("Team").SelectOption(playwright.SelectOptionValues{Values: &[]string{"ops"}}); err != nil {
		t.Fatal(err)
	}
	checkA11y(t, page)
	click(t, role(page, "button", "Create user"))
	mustSee(t, page.GetByText("User ada created."), "the created message")
	mustSee(t, role(page, "heading", "ada"), "ada's page")
	adaPath := strings.TrimPrefix(page.URL(), a.URL)
	mustSee(t, page.Locator("#user-head").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Default / Engineering"}), "the unit in the summary")
	checkA11y(t, page)

	tab(t, page, "Groups and org unit")
	groups := page.Locator("#groups-section")
	mustSee(t, groups.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Pilots"}), "Pilots on the groups tab")
	mustSee(t, groups.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Planners"}), "Planners on the groups tab")
	if !strings.HasSuffix(page.URL(), "?tab=groups") {
		t.Fatalf("the URL of the groups tab = %s", page.URL())
	}
	checkA11y(t, page)
	tab(t, page, "Properties")
	mustHaveValue(t, page.GetByLabel("Team"), "ops", "Team on the properties tab")
	tab(t, page, "Activity")
	mustSee(t, page.Locator("#activity-section").GetByText("user.create"), "the creation on the activity tab")
	checkA11y(t, page)

	// Without JavaScript's tab switching, each tab is its own page.
	visit(t, page, a, adaPath+"?tab=properties")
	mustHaveValue(t, page.GetByLabel("Team"), "ops", "Team on the properties tab's own page")
}

// Unsaved edits in one section survive saves in others: a lock on the
// same tab, a profile save on another tab, and switching tabs.
func TestUserPageSavesKeepUnsavedEditsElsewhere(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	signIn(t, page, a, "admin", a.OwnerPassword)
	createUsers(t, page, a, "ada,ada@example.com\n")
	click(t, role(page, "link", "ada"))
	waitLoaded(t, page)

	tab(t, page, "Access")
	fill(t, page.GetByLabel("Account expires on"), "2031-05-01")
	click(t, role(page, "button", "Lock user"))
	mustSee(t, page.Locator("#status-section").GetByText("Locked ada."), "the lock's confirmation")
	mustSee(t, page.Locator("#user-head").GetByText("Locked", playwright.LocatorGetByTextOptions{Exact: playwright.Bool(true)}), "the lock badge in the summary")
	mustHaveValue(t, page.GetByLabel("Account expires on"), "2031-05-01", "the unsaved expiry after locking")

	tab(t, page, "Profile")
	fill(t, page.GetByLabel("Display name"), "Ada Lovelace")
	fill(t, page.GetByLabel("Time zone"), "Atlantis/Lost")
	click(t, role(page, "button", "Save profile"))
	mustSee(t, page.Locator("#profile-section").GetByText("Unknown time zone"), "the time zone error in place")
	mustHaveValue(t, page.GetByLabel("Display name"), "Ada Lovelace", "the typed display name after the refusal")
	checkA11y(t, page)
	fill(t, page.GetByLabel("Time zone"), "Europe/London")
	click(t, role(page, "button", "Save profile"))
	mustSee(t, page.GetByText("Profile saved."), "the profile's confirmation")
	mustSee(t, page.Locator("#user-head").GetByText("Ada Lovelace"), "the new display name in the summary")

	tab(t, page, "Access")
	mustHaveValue(t, page.GetByLabel("Account expires on"), "2031-05-01", "the unsaved expiry after the profile save")
	click(t, role(page, "button", "Save sign-in requirements"))
	mustSee(t, page.GetByText("Sign-in requirements saved."), "the requirements' confirmation")
	checkA11y(t, page)

	if _, err := page.Reload(); err != nil {
		t.Fatal(err)
	}
	mustHaveValue(t, page.GetByLabel("Account expires on"), "2031-05-01", "the saved expiry")
	tab(t, page, "Profile")
	mustHaveValue(t, page.GetByLabel("Display name"), "Ada Lovelace", "the saved display name")
	mustHaveValue(t, page.GetByLabel("Time zone"), "Europe/London", "the saved time zone")
}

// Removing a user sits in a danger zone of its own, away from locking,
// and is confirmed twice: by a dialog, and by typing the username (which
// the server checks, so it holds without JavaScript).
func TestRemovingAUserIsApartAndConfirmed(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	accept := false
	page.OnDialog(func(d playwright.Dialog) {
		if accept {
			_ = d.Accept()
		} else {
			_ = d.Dismiss()
		}
	})
	signIn(t, page, a, "admin", a.OwnerPassword)
	createUsers(t, page, a, "ada,ada@example.com\nalan,alan@example.com\n")
	click(t, role(page, "link", "ada"))
	waitLoaded(t, page)
	tab(t, page, "Access")

	danger := page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Danger zone"})
	mustSee(t, danger.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Remove ada"}), "Remove in the danger zone")
	status := page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Status"})
	mustSee(t, status.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Lock user"}), "Lock in the status section")
	if err := expect.Locator(status.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Remove ada"})).ToHaveCount(0); err != nil {
		t.Fatalf("Remove sits beside Lock: %v", err)
	}

	fill(t, page.GetByLabel("Type ada to confirm"), "ada")
	click(t, role(page, "button", "Remove ada"))
	mustSee(t, role(page, "heading", "ada"), "ada's page after the dismissed dialog")

	accept = true
	fill(t, page.GetByLabel("Type ada to confirm"), "alan")
	click(t, role(page, "button", "Remove ada"))
	mustSee(t, danger.GetByText("Type ada, the username, to remove this user."), "the wrong name refused")
	checkA11y(t, page)
	fill(t, page.GetByLabel("Type ada to confirm"), "ada")
	click(t, role(page, "button", "Remove ada"))
	mustSee(t, page.GetByText("Removed ada."), "the removal's confirmation")
	mustSee(t, role(page, "link", "alan"), "the users list")
	if err := expect.Locator(role(page, "link", "ada")).ToHaveCount(0); err != nil {
		t.Fatalf("ada still listed: %v", err)
	}
}

// The user page's tabs and the new-user form fit a phone's width and a
// desktop's; screenshots of each are kept under artifacts/ to look at.
func TestUserPagesFitAPhone(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	signIn(t, page, a, "admin", a.OwnerPassword)
	createUsers(t, page, a, "ada.lovelace.with.a.long.name@example.com,ada@example.com,Augusta Ada King Countess of Lovelace\n")
	click(t, role(page, "link", "ada.lovelace.with.a.long.name@example.com"))
	waitLoaded(t, page)
	userPath := strings.TrimPrefix(page.URL(), a.URL)
	for _, size := range sizes {
		if err := page.SetViewportSize(size.w, size.h); err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct{ name, path string }{
			{"new-user", "/users/new"},
			{"profile", userPath + "?tab=profile"},
			{"access", userPath + "?tab=access"},
			{"groups", userPath + "?tab=groups"},
			{"properties", userPath + "?tab=properties"},
			{"activity", userPath + "?tab=activity"},
		} {
			visit(t, page, a, p.path)
			mustFitTheScreen(t, page, p.name+" at "+size.name)
			screenshot(t, page, p.name+"-"+size.name)
		}
	}
}
