package handlers_test

import (
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"roster/store"
)

// The users list offers to export its users, every page of them, under
// the list's filters and order; a viewer may, and the file holds only the
// signed-in tenant's users.
func TestConsoleUsersExport(t *testing.T) {
	a := newTestApp(t)
	mustUsers(t, a.st, a.acme.ID, "ada", "alan", "bob")
	mustUsers(t, a.st, a.other.ID, "ally")
	if _, err := a.st.CreateAdmin(t.Context(), a.acme.ID, store.NewAdmin{Username: "vera", Password: ownerPassword}, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	b.mustSignIn("vera")

	r := b.get("/users?q=a&sort=-username&page_size=1")
	wantPage(t, r, http.StatusOK, "Export these 2 users (CSV)", "Export these 2 users (JSON Lines)")
	links := regexp.MustCompile(`href="(/users/export[^"]*)" download>Export these 2 users \(CSV\)`).FindStringSubmatch(r.body)
	if links == nil {
		t.Fatalf("no CSV export link: %.3000s", r.body)
	}
	link := html.UnescapeString(links[1])
	if !strings.Contains(link, "q=a") || !strings.Contains(link, "sort=-username") || !strings.Contains(link, "format=csv") ||
		strings.Contains(link, "page_size") {
		t.Errorf("export link %s does not carry exactly the list's filter and order", link)
	}
	r = b.get(link)
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment; filename=") {
		t.Fatalf("export = %d %v", r.StatusCode, r.Header)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(r.body), "\n")[1:] {
		names = append(names, strings.Split(line, ",")[0])
	}
	if !slices.Equal(names, []string{"alan", "ada"}) {
		t.Errorf("exported %v, want alan, ada", names)
	}

	r = b.get("/users/export?status=gone&format=csv")
	if r.StatusCode < 400 || r.StatusCode >= 500 || r.Header.Get("Content-Disposition") != "" {
		t.Errorf("bad filter = %d %v", r.StatusCode, r.Header)
	}
}
