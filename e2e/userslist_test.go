package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

func selectOption(t *testing.T, l playwright.Locator, label string) {
	t.Helper()
	if _, err := l.SelectOption(playwright.SelectOptionValues{Labels: &[]string{label}}); err != nil {
		t.Fatalf("select %q: %v", label, err)
	}
}

func mustCount(t *testing.T, l playwright.Locator, n int, what string) {
	t.Helper()
	if err := expect.Locator(l).ToHaveCount(n); err != nil {
		t.Fatalf("%s: want %d: %v", what, n, err)
	}
}

// A brand-new tenant's list says there is nobody yet and how to add
// people, instead of "no users match".
func TestUsersListEmptyTenant(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	for _, s := range sizes {
		t.Run(s.name, func(t *testing.T) {
			page := newPage(t)
			if err := page.SetViewportSize(s.w, s.h); err != nil {
				t.Fatal(err)
			}
			signIn(t, page, a, "admin", a.OwnerPassword)
			visit(t, page, a, "/users")
			mustSee(t, page.GetByText("No users yet."), "the empty tenant's message")
			mustSee(t, role(page, "link", "Create a user"), "the way to add one")
			mustFitTheScreen(t, page, "the empty users list")
			screenshot(t, page, "empty-"+s.name)
		})
	}
}

// An administrator narrows the users list at each screen size: a filter
// that cannot work says so beside itself and takes the old results away,
// a property is chosen by its label, active filters show as chips that
// remove them, a header sorts, the page size changes, and the columns
// chosen come back after signing out and in.
func TestUsersListFiltersSortingAndColumns(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	setup := newPage(t)
	signIn(t, setup, a, "admin", a.OwnerPassword)
	var rows strings.Builder
	rows.WriteString("ada,ada@example.com,Ada Lovelace\nalan,alan@example.com,Alan Turing\ngrace,grace@example.com,Grace Hopper\n")
	for i := range 22 {
		fmt.Fprintf(&rows, "user%02d,user%02d@example.com\n", i, i)
	}
	createUsers(t, setup, a, rows.String())
	// A select property whose stored values (web, ops) are not what
	// administrators read (Web, Operations); ada is in Operations.
	visit(t, setup, a, "/properties")
	fill(t, setup.GetByLabel("Key"), "team")
	fill(t, setup.GetByLabel("Display name"), "Team")
	if _, err := setup.GetByLabel("Type", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).SelectOption(playwright.SelectOptionValues{Values: &[]string{"select"}}); err != nil {
		t.Fatal(err)
	}
	fill(t, setup.GetByLabel("Allowed values (for list types)"), "web|Web\nops|Operations")
	click(t, role(setup, "button", "Create property"))
	mustSee(t, setup.GetByText("Property team created."), "the created property")
	visit(t, setup, a, "/users")
	click(t, role(setup, "link", "ada"))
	tab(t, setup, "Properties")
	selectOption(t, setup.GetByLabel("Team"), "Operations")
	click(t, role(setup, "button", "Save properties"))
	mustSee(t, setup.GetByText("Properties saved."), "ada's team saved")

	for _, s := range sizes {
		t.Run(s.name, func(t *testing.T) {
			page := newPage(t)
			if err := page.SetViewportSize(s.w, s.h); err != nil {
				t.Fatal(err)
			}
			signIn(t, page, a, "admin", a.OwnerPassword)
			visit(t, page, a, "/users")
			waitLoaded(t, page)
			mustSee(t, page.GetByText("25 users", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}), "everyone counted")
			mustCount(t, page.GetByRole("row"), 21, "a header and 20 users on a page")
			mustFitTheScreen(t, page, "the users list")
			screenshot(t, page, "list-"+s.name)

			// An inverted date range: the error sits beside "Created to",
			// and the results it could not filter are gone.
			fill(t, page.GetByLabel("Created from"), "2026-12-01")
			fill(t, page.GetByLabel("Created to"), "2026-01-01")
			createdTo := page.GetByLabel("Created to")
			if err := expect.Locator(createdTo).ToHaveAccessibleDescription("The end of the created range must be after its start."); err != nil {
				t.Fatalf("the date range's error is not beside Created to: %v", err)
			}
			if err := expect.Locator(createdTo).ToHaveAttribute("aria-invalid", "true"); err != nil {
				t.Fatal(err)
			}
			mustSee(t, page.GetByText("No users are shown until the filters above are corrected."), "the results taken away")
			mustCount(t, role(page, "link", "ada"), 0, "stale results")
			mustSee(t, role(page, "link", "Remove filter Created to: 2026-01-01"), "the bad filter's chip")
			checkA11y(t, page)
			mustFitTheScreen(t, page, "the list with a filter error")
			screenshot(t, page, "filter-error-"+s.name)
			// Fixing it brings the results back and the error goes.
			fill(t, page.GetByLabel("Created to"), "")
			mustSee(t, page.GetByText("No users match these filters."), "the empty filtered list")
			fill(t, page.GetByLabel("Created from"), "")
			mustSee(t, role(page, "link", "ada"), "the results back")
			if err := expect.Locator(createdTo).ToHaveAccessibleDescription("On or before this day."); err != nil {
				t.Fatalf("the error stayed after the fix: %v", err)
			}

			// The property filter offers Team's values by their labels.
			visit(t, page, a, "/users")
			waitLoaded(t, page)
			click(t, page.GetByText("Org unit, group and property filters"))
			selectOption(t, page.GetByLabel("Property", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}), "Team")
			value := page.GetByRole("combobox", playwright.PageGetByRoleOptions{Name: "Property value"})
			mustSee(t, value, "Team's values as a list")
			selectOption(t, value, "Operations")
			mustSee(t, page.GetByText("1 user", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}), "only ada")
			mustSee(t, role(page, "link", "ada"), "ada in Operations")
			chip := role(page, "link", "Remove filter Team: Operations")
			mustSee(t, chip, "the property's chip, by label")
			checkA11y(t, page)

			// Another filter adds a chip; each chip removes its own filter.
			status := page.GetByRole("combobox", playwright.PageGetByRoleOptions{Name: "Status"})
			selectOption(t, status, "Disabled")
			mustSee(t, role(page, "link", "Remove filter Status: disabled"), "the status chip")
			mustSee(t, page.GetByText("No users match these filters."), "nobody disabled in Operations")
			mustSee(t, role(page, "link", "Clear filters"), "a way out of the empty result")
			screenshot(t, page, "chips-"+s.name)
			click(t, role(page, "link", "Remove filter Status: disabled"))
			mustSee(t, role(page, "link", "ada"), "ada again without the status filter")
			mustCount(t, role(page, "link", "Remove filter Status: disabled"), 0, "the removed chip")
			if err := expect.Locator(status).ToHaveValue(""); err != nil {
				t.Fatalf("the status filter stayed in the form: %v", err)
			}
			click(t, role(page, "link", "Clear all"))
			mustSee(t, page.GetByText("25 users", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}), "everyone after clearing")
			mustCount(t, page.GetByRole("navigation", playwright.PageGetByRoleOptions{Name: "Active filters"}), 0, "chips after clearing")

			// Username sorts ascending; its header reverses it.
			header := page.GetByRole("columnheader", playwright.PageGetByRoleOptions{Name: "Username"})
			if err := expect.Locator(header).ToHaveAttribute("aria-sort", "ascending"); err != nil {
				t.Fatal(err)
			}
			waitLoaded(t, page)
			click(t, header.GetByRole("link"))
			if err := expect.Locator(header).ToHaveAttribute("aria-sort", "descending"); err != nil {
				t.Fatalf("the header did not reverse the order: %v", err)
			}
			first := page.GetByRole("row").Nth(1).GetByRole("link").First()
			if err := expect.Locator(first).ToHaveText("user21"); err != nil {
				t.Fatalf("first user in descending order: %v", err)
			}
			if err := expect.Page(page).ToHaveURL(regexp.MustCompile(`sort=-username`)); err != nil {
				t.Fatal(err)
			}
			checkA11y(t, page)

			// 50 a page shows everyone at once, still in the order chosen.
			selectOption(t, page.GetByLabel("Users per page"), "50")
			mustCount(t, page.GetByRole("row"), 26, "a header and all 25 users")
			if err := expect.Page(page).ToHaveURL(regexp.MustCompile(`page_size=50`)); err != nil {
				t.Fatal(err)
			}
			if err := expect.Locator(first).ToHaveText("user21"); err != nil {
				t.Fatalf("the page size lost the order: %v", err)
			}
			mustCount(t, role(page, "link", "Next page"), 0, "a next page with everyone shown")

			// Columns: org unit, last sign-in and Team in, email out.
			click(t, page.GetByText("Columns", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}))
			for _, c := range []string{"Org unit", "Last sign-in", "Team"} {
				if err := page.GetByRole("checkbox", playwright.PageGetByRoleOptions{Name: c, Exact: playwright.Bool(true)}).Check(); err != nil {
					t.Fatal(err)
				}
			}
			if err := page.GetByRole("checkbox", playwright.PageGetByRoleOptions{Name: "Email", Exact: playwright.Bool(true)}).Uncheck(); err != nil {
				t.Fatal(err)
			}
			click(t, role(page, "button", "Save columns"))
			mustSee(t, page.GetByRole("columnheader", playwright.PageGetByRoleOptions{Name: "Org unit"}), "the org unit column")
			adaRow := page.GetByRole("row").Filter(playwright.LocatorFilterOptions{Has: role(page, "link", "ada")})
			mustSee(t, adaRow.GetByRole("cell", playwright.LocatorGetByRoleOptions{Name: "Operations"}), "ada's team by its label")
			mustSee(t, adaRow.GetByRole("cell", playwright.LocatorGetByRoleOptions{Name: "Never"}), "ada never signed in")
			if err := expect.Page(page).ToHaveURL(regexp.MustCompile(`page_size=50`)); err != nil {
				t.Fatalf("saving the columns lost the list's settings: %v", err)
			}
			mustFitTheScreen(t, page, "the list with more columns")
			screenshot(t, page, "columns-"+s.name)
			checkA11y(t, page)

			// They are the administrator's, not the browser's.
			signOut(t, page)
			signIn(t, page, a, "admin", a.OwnerPassword)
			visit(t, page, a, "/users")
			mustSee(t, page.GetByRole("columnheader", playwright.PageGetByRoleOptions{Name: "Team"}), "the Team column after signing in again")
			mustSee(t, page.GetByRole("columnheader", playwright.PageGetByRoleOptions{Name: "Org unit"}), "the org unit column after signing in again")
			mustCount(t, page.GetByRole("columnheader", playwright.PageGetByRoleOptions{Name: "Email"}), 0, "the email column")
		})
	}
}
