package e2e

import (
	"regexp"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// An administrator imports a small CSV from the users page: the dry run
// says what each row would do, with the bad row's column and why, and
// changes nothing; applying it creates the good rows' users, with the
// progress bar full and the counts shown, also after the browser was
// closed and opened again.
func TestImportADryRunThenApply(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	signIn(t, page, a, "admin", a.OwnerPassword)
	visit(t, page, a, "/users")
	click(t, role(page, "button", "Import"))
	mustSee(t, role(page, "heading", "Import users"), "the import page")
	checkA11y(t, page)

	csv := "username,email,display_name,org_unit\n" +
		"ada,ada@example.com,Ada Lovelace,Engineering/Research\n" +
		"bob,not-an-email,Bob,Engineering\n" +
		"grace,grace@example.com,Grace Hopper,Engineering\n"
	if err := page.GetByLabel("Users' file").SetInputFiles([]playwright.InputFile{{Name: "people.csv", MimeType: "text/csv", Buffer: []byte(csv)}}); err != nil {
		t.Fatal(err)
	}
	if err := page.GetByLabel("Source", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill("hr"); err != nil {
		t.Fatal(err)
	}
	if err := page.GetByLabel("Create the org units of paths that do not exist").Check(); err != nil {
		t.Fatal(err)
	}
	click(t, role(page, "button", "Dry run"))

	if err := expect.Page(page).ToHaveURL(regexp.MustCompile(`/imports/imp_\w+$`)); err != nil {
		t.Fatalf("the import's page did not open: %v", err)
	}
	mustSee(t, role(page, "heading", "Finished, 1 failed"), "the dry run's end")
	mustSee(t, page.GetByText("A dry run: nothing is changed."), "that it is a dry run")
	rows := page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Row by row"})
	mustSee(t, rows.GetByRole("row").Filter(playwright.LocatorFilterOptions{HasText: "Enter an email address like name@example.com."}).
		GetByRole("cell", playwright.LocatorGetByRoleOptions{Name: "email", Exact: playwright.Bool(true)}), "the bad row's column")
	mustSee(t, rows.GetByRole("row").Filter(playwright.LocatorFilterOptions{HasText: "grace"}).GetByText("Would be created"), "grace would be created")
	mustSee(t, role(page, "link", "Download the error report (CSV)"), "the error report")
	checkA11y(t, page)
	visit(t, page, a, "/users?q=grace")
	mustSee(t, page.GetByText("0 users", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}), "no user created by the dry run")
	page.GoBack()

	click(t, role(page, "button", "Apply"))
	if err := expect.Page(page).ToHaveURL(regexp.MustCompile(`/imports/imp_\w+$`)); err != nil {
		t.Fatal(err)
	}
	applied := page.URL()
	if err := page.Context().Close(); err != nil {
		t.Fatal(err)
	}

	later := newPage(t)
	signIn(t, later, a, "admin", a.OwnerPassword)
	if _, err := later.Goto(applied); err != nil {
		t.Fatal(err)
	}
	mustSee(t, role(later, "heading", "Finished, 1 failed"), "the import's end")
	if err := expect.Locator(later.GetByRole("progressbar", playwright.PageGetByRoleOptions{Name: "Rows done"})).
		ToHaveAttribute("value", "3"); err != nil {
		t.Errorf("the progress bar is not full: %v", err)
	}
	mustSee(t, later.GetByText("3 of 3 rows"), "every row done")
	summary := later.GetByRole("definition").Filter(playwright.LocatorFilterOptions{HasText: "2"})
	mustSee(t, summary.First(), "two created")
	checkA11y(t, later)
	visit(t, later, a, "/users?q=grace")
	mustSee(t, later.GetByText("1 user", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}), "grace created")
}
