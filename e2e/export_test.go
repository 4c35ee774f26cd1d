package e2e

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// download clicks link and returns the path of the file it downloads and
// the name the server suggested.
func download(t *testing.T, page playwright.Page, link playwright.Locator) (string, string) {
	t.Helper()
	d, err := page.ExpectDownload(func() error { return link.Click() })
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	path, err := d.Path()
	if err != nil {
		t.Fatalf("download failed: %v", err)
	}
	return path, d.SuggestedFilename()
}

// An administrator filters the users list and exports it: the CSV and the
// JSON Lines files hold exactly the users the list shows, in its order.
func TestUsersExportFromTheList(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	signIn(t, page, a, "admin", a.OwnerPassword)
	createUsers(t, page, a, "ada,ada@example.com,Ada Lovelace\nalan,alan@example.com,Alan Turing\n"+
		"grace,grace@example.com,Grace Hopper\nalice,alice@example.com,Alice Ball\nbob,bob@example.com\n")

	visit(t, page, a, "/users")
	waitLoaded(t, page)
	fill(t, page.GetByLabel("Search users"), "al")
	mustSee(t, page.GetByText("2 users", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}), "the two matches")
	shown, err := page.Locator("tbody a[href^='/users/u']").AllInnerTexts()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(shown, []string{"alan", "alice"}) {
		t.Fatalf("the list shows %v", shown)
	}

	path, name := download(t, page, role(page, "link", "Export these 2 users (CSV)"))
	if !strings.HasPrefix(name, "users-") || !strings.HasSuffix(name, ".csv") {
		t.Errorf("suggested name %q", name)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) == 0 || recs[0][0] != "username" {
		t.Fatalf("the CSV: %v %v", recs, err)
	}
	var names []string
	for _, r := range recs[1:] {
		names = append(names, r[0])
	}
	if !slices.Equal(names, shown) {
		t.Errorf("the CSV holds %v, the list shows %v", names, shown)
	}

	path, name = download(t, page, role(page, "link", "Export these 2 users (JSON Lines)"))
	if !strings.HasSuffix(name, ".jsonl") {
		t.Errorf("suggested name %q", name)
	}
	f, err = os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names = nil
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var u struct {
			Username string `json:"username"`
			Email    string `json:"email"`
		}
		if err := json.Unmarshal(sc.Bytes(), &u); err != nil || u.Email != u.Username+"@example.com" {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		names = append(names, u.Username)
	}
	if !slices.Equal(names, shown) {
		t.Errorf("the JSON Lines file holds %v, the list shows %v", names, shown)
	}
	checkA11y(t, page)
}
