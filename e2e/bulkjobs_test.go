package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// seedUsers creates n users named prefix-1 … prefix-n with a source type
// through the API's batch endpoint, 500 a request: thousands in a second,
// where the console's forms would take minutes.
func seedUsers(t *testing.T, a *app, key, prefix, source string, n int) {
	t.Helper()
	for start := 0; start < n; start += 500 {
		var users []map[string]string
		for i := start; i < min(start+500, n); i++ {
			users = append(users, map[string]string{"username": fmt.Sprintf("%s-%04d", prefix, i+1), "source_type": source})
		}
		body, _ := json.Marshal(map[string]any{"users": users})
		req, _ := http.NewRequest("POST", a.URL+"/api/v1/users/batch", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var res struct {
			Failed []any `json:"failed"`
		}
		err = json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(res.Failed) > 0 {
			t.Fatalf("POST /api/v1/users/batch = %d, %d failed, %v", resp.StatusCode, len(res.Failed), err)
		}
	}
}

// An administrator filters 2,000 of 2,025 users, ticks the page, then
// "Select all 2,000 users matching this filter", and locks them: the
// confirmation names the number and the filter, the job's page shows its
// progress bar, and closing the browser does not stop it: signing in again
// later, the job's page says it finished, and exactly those 2,000 users
// are locked. At a phone's width the pages still fit.
func TestSelectAllMatchingLocksTwoThousandUsersAsAJob(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	key := cliAPIKey(t, a, "e2e seeding")
	seedUsers(t, a, key, "staff", "hr", 2000)
	seedUsers(t, a, key, "contractor", "ldap", 25)

	page := newPage(t)
	signIn(t, page, a, "admin", a.OwnerPassword)
	visit(t, page, a, "/users?source_type=hr")
	mustSee(t, page.GetByText("2,000 users", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}), "the count of matching users")
	matching := page.GetByLabel("Select all 2,000 users matching this filter")
	if err := expect.Locator(matching).ToBeHidden(); err != nil {
		t.Fatalf("'select all matching' is offered before the page is ticked: %v", err)
	}
	if err := page.GetByLabel("Select all users on this page").Check(); err != nil {
		t.Fatal(err)
	}
	mustSee(t, matching, "the offer to select all 2,000 matching")
	if err := matching.Check(); err != nil {
		t.Fatal(err)
	}
	checkA11y(t, page)

	click(t, role(page, "button", "Lock selected"))
	mustSee(t, role(page, "heading", "Lock all 2,000 users matching this filter?"), "the confirmation naming the number")
	mustSee(t, page.GetByText("source type “hr”"), "the filter in the confirmation")
	checkA11y(t, page)
	if err := page.SetViewportSize(390, 844); err != nil {
		t.Fatal(err)
	}
	mustFitTheScreen(t, page, "the users page with the confirmation")
	click(t, role(page, "button", "Lock all 2,000 users matching this filter"))

	if err := expect.Page(page).ToHaveURL(regexp.MustCompile(`/jobs/job_\w+$`)); err != nil {
		t.Fatalf("the job's page did not open: %v", err)
	}
	jobPath := strings.TrimPrefix(page.URL(), a.URL)
	mustSee(t, role(page, "heading", "Lock users matching source type “hr”"), "the job's title")
	mustSee(t, page.GetByRole("progressbar", playwright.PageGetByRoleOptions{Name: "Progress"}), "the job's progress bar")
	mustFitTheScreen(t, page, "the job's page")
	checkA11y(t, page)

	// Close the browser (its whole context) whatever the job's progress.
	if err := page.Context().Close(); err != nil {
		t.Fatal(err)
	}

	later := newPage(t)
	signIn(t, later, a, "admin", a.OwnerPassword)
	visit(t, later, a, jobPath)
	mustSee(t, role(later, "heading", "Finished"), "the job finished")
	mustSee(t, later.GetByText("2,000 of 2,000 users"), "every user done")
	if err := expect.Locator(later.GetByRole("progressbar", playwright.PageGetByRoleOptions{Name: "Progress"})).
		ToHaveAttribute("value", "2000"); err != nil {
		t.Errorf("the progress bar is not full: %v", err)
	}
	checkA11y(t, later)

	click(t, role(later, "link", "Back to the users list, with this filter"))
	mustSee(t, later.GetByLabel("Select staff-0001"), "the filtered list")
	for _, c := range []struct{ filter, want string }{
		{"source_type=hr&locked=true", "2,000 users"},
		{"source_type=hr&locked=false", "0 users"},
		{"source_type=ldap&locked=false", "25 users"},
	} {
		visit(t, later, a, "/users?"+c.filter)
		mustSee(t, later.GetByText(c.want, playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}), c.filter)
	}

	visit(t, later, a, "/jobs")
	mustSee(t, role(later, "link", "Lock users matching source type “hr”"), "the job in the jobs list")
	if err := later.SetViewportSize(390, 844); err != nil {
		t.Fatal(err)
	}
	mustFitTheScreen(t, later, "the jobs list")
}
