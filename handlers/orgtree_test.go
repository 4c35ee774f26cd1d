package handlers_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"roster/store"
)

// The selected unit's users come a page at a time, from the users list's
// own query, with links to the next and previous pages that keep the unit
// and the sub-unit choice.
func TestConsoleOrganizationPagesAUnitsUsers(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	unit, err := a.st.CreateOrgUnit(ctx, a.acme.ID, store.NewOrgUnit{Name: "Support"})
	if err != nil {
		t.Fatal(err)
	}
	var names, ids []string
	for i := range store.DefaultPageSize + 5 {
		names = append(names, fmt.Sprintf("agent%02d", i))
	}
	for _, u := range mustUsers(t, a.st, a.acme.ID, names...) {
		ids = append(ids, u.PublicID())
	}
	if _, err := a.st.MoveUsers(ctx, a.acme.ID, unit.ID, ids); err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	b.mustSignIn("owner-acme")

	r := b.get("/org-units?unit=" + unit.PublicID())
	wantPage(t, r, http.StatusOK, "25 users", ">agent00</a>", ">agent19</a>", `aria-label="Users of Support"`)
	if strings.Contains(r.body, ">agent20</a>") || strings.Contains(r.body, `rel="prev"`) {
		t.Fatal("the first page of Support's users is longer than a page, or has a previous page")
	}
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(r.body)
	if next == nil || !strings.Contains(next[1], "unit="+unit.PublicID()) {
		t.Fatalf("next page link = %q, want one that keeps the unit", next)
	}
	r = b.get(html.UnescapeString(next[1]))
	wantPage(t, r, http.StatusOK, ">agent20</a>", ">agent24</a>", `rel="prev"`)
	if strings.Contains(r.body, ">agent19</a>") || strings.Contains(r.body, `rel="next"`) {
		t.Fatal("the last page of Support's users repeats the first page, or offers a next one")
	}
	wantPage(t, b.get("/org-units?unit="+unit.PublicID()+"&next_token=nonsense"), http.StatusBadRequest)

	// The root, with nobody directly in it, says how to move users in; in
	// a tenant without users, where users come from.
	root, _ := a.st.RootOrgUnit(ctx, a.acme.ID)
	wantPage(t, b.get("/org-units?unit="+root.PublicID()), http.StatusOK, "Nobody is directly in "+root.Name+" yet.", "Move users here")
	other, _ := a.st.RootOrgUnit(ctx, a.other.ID)
	b = a.browser(t)
	b.mustSignIn("owner-other")
	wantPage(t, b.get("/org-units"), http.StatusOK, "This organization has no users yet.", "This organization has no units yet.", other.Name)
}
