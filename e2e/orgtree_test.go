package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// mustCreateUnit adds a unit under parent (a unit id, "" for the root)
// through the API and returns its id.
func mustCreateUnit(t *testing.T, a *app, token, parent, name string) string {
	t.Helper()
	body := map[string]any{"name": name}
	if parent != "" {
		body["parent_id"] = parent
	}
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, a.URL+"/api/v1/org-units", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/org-units %q = %d, %v", name, resp.StatusCode, err)
	}
	return out.ID
}

func treeItem(page playwright.Page, name string) playwright.Locator {
	return page.GetByRole("treeitem", playwright.PageGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
}

func press(t *testing.T, page playwright.Page, key string) {
	t.Helper()
	if err := page.Keyboard().Press(key); err != nil {
		t.Fatalf("press %s: %v", key, err)
	}
}

func mustBeFocused(t *testing.T, l playwright.Locator, what string) {
	t.Helper()
	if err := expect.Locator(l).ToBeFocused(); err != nil {
		t.Fatalf("%s does not have the focus: %v", what, err)
	}
}

func mustHaveAttr(t *testing.T, l playwright.Locator, name, value, what string) {
	t.Helper()
	if err := expect.Locator(l).ToHaveAttribute(name, value); err != nil {
		t.Fatalf("%s: %s is not %q: %v", what, name, value, err)
	}
}

// The tree is operated from the keyboard as a navigation tree: one tab
// stop, arrows to move, open and close (layers load when first opened),
// Home and End, and Enter to open a unit.
func TestOrgTreeKeyboard(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	signIn(t, page, a, "admin", a.OwnerPassword)
	token := newAPIKey(t, page, a, "tree setup")
	eng := mustCreateUnit(t, a, token, "", "Engineering")
	platform := mustCreateUnit(t, a, token, eng, "Platform")
	mustCreateUnit(t, a, token, platform, "Storage")
	mustCreateUnit(t, a, token, eng, "Web")
	mustCreateUnit(t, a, token, "", "Sales")

	visit(t, page, a, "/org-units")
	root, engineering, sales := treeItem(page, "Default"), treeItem(page, "Engineering"), treeItem(page, "Sales")
	// Tab from the unit search reaches the tree once, at the current unit.
	if err := page.GetByLabel("Find units by name").Focus(); err != nil {
		t.Fatal(err)
	}
	press(t, page, "Tab")
	press(t, page, "Tab")
	mustBeFocused(t, root, "the current unit, after tabbing into the tree")
	if n, err := page.Locator(`[role=tree] [tabindex="0"]`).Count(); err != nil || n != 1 {
		t.Fatalf("the tree has %d tab stops, want 1 (%v)", n, err)
	}
	mustHaveAttr(t, root, "aria-expanded", "true", "the root, the current unit")
	mustHaveAttr(t, root, "aria-current", "page", "the root")

	press(t, page, "ArrowDown")
	mustBeFocused(t, engineering, "Engineering after ArrowDown")
	mustHaveAttr(t, engineering, "aria-expanded", "false", "Engineering before it is opened")
	mustHaveAttr(t, engineering, "aria-level", "2", "Engineering")
	if n, _ := treeItem(page, "Platform").Count(); n != 0 {
		t.Fatal("Engineering's layer was on the page before it was opened")
	}

	// ArrowRight opens Engineering, loading its layer; again, moves into it.
	press(t, page, "ArrowRight")
	mustHaveAttr(t, engineering, "aria-expanded", "true", "Engineering after ArrowRight")
	mustSee(t, treeItem(page, "Platform"), "Platform, loaded with Engineering's layer")
	mustSee(t, treeItem(page, "Web"), "Web, loaded with Engineering's layer")
	if n, _ := treeItem(page, "Storage").Count(); n != 0 {
		t.Fatal("the second layer below Engineering loaded too")
	}
	mustBeFocused(t, engineering, "Engineering after opening it")
	checkA11y(t, page)
	press(t, page, "ArrowRight")
	mustBeFocused(t, treeItem(page, "Platform"), "Platform, Engineering's first unit")
	mustHaveAttr(t, treeItem(page, "Platform"), "aria-level", "3", "Platform")
	mustHaveAttr(t, treeItem(page, "Platform"), "aria-posinset", "1", "Platform")
	mustHaveAttr(t, treeItem(page, "Platform"), "aria-setsize", "2", "Platform")

	// ArrowLeft on a closed unit goes to its parent; on an open one, closes it.
	press(t, page, "ArrowLeft")
	mustBeFocused(t, engineering, "Engineering, Platform's parent")
	press(t, page, "ArrowLeft")
	mustHaveAttr(t, engineering, "aria-expanded", "false", "Engineering after ArrowLeft")
	if err := expect.Locator(treeItem(page, "Platform")).ToBeHidden(); err != nil {
		t.Fatalf("Platform is still shown in the closed Engineering: %v", err)
	}
	press(t, page, "ArrowDown")
	mustBeFocused(t, sales, "Sales, below the closed Engineering")
	press(t, page, "Home")
	mustBeFocused(t, root, "the root after Home")
	press(t, page, "End")
	mustBeFocused(t, sales, "Sales after End")

	// Enter opens the focused unit; the tree shows the way to it.
	press(t, page, "ArrowUp")
	press(t, page, "ArrowRight")
	mustSee(t, treeItem(page, "Platform"), "Platform in Engineering, opened again")
	press(t, page, "ArrowDown")
	mustBeFocused(t, treeItem(page, "Platform"), "Platform")
	press(t, page, "Enter")
	mustSee(t, role(page, "heading", "Platform"), "Platform's page")
	mustHaveAttr(t, treeItem(page, "Platform"), "aria-current", "page", "Platform, the opened unit")
	mustHaveAttr(t, treeItem(page, "Platform"), "aria-expanded", "true", "Platform, the opened unit")
	mustHaveAttr(t, engineering, "aria-expanded", "true", "Engineering, on the way to Platform")
	mustSee(t, treeItem(page, "Storage"), "Storage, in the opened unit")
	if n, _ := page.Locator(`[role=tree] [tabindex="0"]`).Count(); n != 1 {
		t.Fatalf("the tree has %d tab stops, want 1", n)
	}
	mustHaveAttr(t, treeItem(page, "Platform"), "tabindex", "0", "Platform, the tree's tab stop")
	checkA11y(t, page)
}

// A layer of more than 100 units shows 100 and a "Show more" row that
// loads the next 100 in place, from the keyboard too.
func TestOrgTreePagesLargeLayers(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	signIn(t, page, a, "admin", a.OwnerPassword)
	token := newAPIKey(t, page, a, "tree setup")
	big := mustCreateUnit(t, a, token, "", "Big")
	for i := range 130 {
		mustCreateUnit(t, a, token, big, fmt.Sprintf("Team %03d", i))
	}

	visit(t, page, a, "/org-units")
	bigItem := treeItem(page, "Big")
	click(t, role(page, "link", "Expand Big"))
	mustHaveAttr(t, bigItem, "aria-expanded", "true", "Big after its toggle")
	mustSee(t, treeItem(page, "Team 099"), "the 100th unit")
	layer := bigItem.Locator(`> ul[role=group] > [role=treeitem]`)
	if n, err := layer.Count(); err != nil || n != 101 {
		t.Fatalf("Big's first page has %d rows, want 100 units and Show more (%v)", n, err)
	}
	if n, _ := treeItem(page, "Team 100").Count(); n != 0 {
		t.Fatal("the 101st unit was loaded with the first page")
	}
	more := page.GetByRole("treeitem", playwright.PageGetByRoleOptions{Name: "Show more units"})
	mustSee(t, more, "the Show more row")
	checkA11y(t, page)

	// End reaches "Show more"; Enter loads the rest and focuses the first new unit.
	click(t, treeItem(page, "Team 000").Locator(".tree-count"))
	mustBeFocused(t, treeItem(page, "Team 000"), "the clicked unit")
	press(t, page, "End")
	mustBeFocused(t, more, "Show more after End")
	press(t, page, "Enter")
	mustBeFocused(t, treeItem(page, "Team 100"), "the first unit of the next page")
	mustHaveAttr(t, treeItem(page, "Team 100"), "aria-posinset", "101", "Team 100")
	mustHaveAttr(t, treeItem(page, "Team 100"), "aria-setsize", "130", "Team 100")
	mustSee(t, treeItem(page, "Team 129"), "the last unit")
	if n, _ := more.Count(); n != 0 {
		t.Fatal("Show more is still offered after the last page")
	}
	if n, _ := layer.Count(); n != 130 {
		t.Fatalf("Big shows %d units, want 130", n)
	}
	checkA11y(t, page)

	// Opening a unit past the first page keeps it in view in the tree.
	press(t, page, "End")
	press(t, page, "Enter")
	mustSee(t, role(page, "heading", "Team 129"), "Team 129's page")
	mustHaveAttr(t, treeItem(page, "Team 129"), "aria-current", "page", "Team 129")
	inView, err := page.Evaluate(`() => {
		const box = document.querySelector(".tree-box").getBoundingClientRect();
		const row = document.querySelector("[role=tree] [aria-current=page] > .tree-row").getBoundingClientRect();
		return row.top >= box.top && row.bottom <= box.bottom;
	}`)
	if err != nil || inView != true {
		t.Fatalf("Team 129 is out of view in the tree's box (%v)", err)
	}
	checkA11y(t, page)
	if err := page.SetViewportSize(1280, 900); err != nil {
		t.Fatal(err)
	}
	screenshotAs(t, page, "team-129-desktop-light", playwright.ColorSchemeLight)
}

// The Organization page fits a phone and a desktop, light and dark, on a
// brand-new tenant and on a tree with users; the screenshots are kept.
func TestOrgTreeLayout(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	signIn(t, page, a, "admin", a.OwnerPassword)
	dark, light := playwright.ColorSchemeDark, playwright.ColorSchemeLight
	shoot := func(name string) {
		t.Helper()
		for _, s := range sizes {
			if err := page.SetViewportSize(s.w, s.h); err != nil {
				t.Fatal(err)
			}
			mustFitTheScreen(t, page, "the organization page at "+s.name)
			screenshotAs(t, page, name+"-"+s.name+"-light", light)
			screenshotAs(t, page, name+"-"+s.name+"-dark", dark)
		}
	}

	// A new tenant: only the root, and the page says what to do first.
	visit(t, page, a, "/org-units")
	mustSee(t, page.GetByText("This organization has no units yet."), "the empty tree's guidance")
	mustSee(t, page.GetByLabel("Name of the new sub-unit"), "the open form for the first sub-unit")
	mustSee(t, page.GetByText("This organization has no users yet."), "the guidance where there are no users")
	shoot("empty")

	token := newAPIKey(t, page, a, "tree setup")
	createUsers(t, page, a, "ada,ada@example.com\nalan,alan@example.com\ngrace,grace@example.com\n")
	eng := mustCreateUnit(t, a, token, "", "Engineering and Research, the long-named division")
	platform := mustCreateUnit(t, a, token, eng, "Platform")
	storage := mustCreateUnit(t, a, token, platform, "Storage")
	for _, n := range []string{"Networking", "Observability"} {
		mustCreateUnit(t, a, token, platform, n)
	}
	for _, n := range []string{"Sales", "Support", "Finance"} {
		mustCreateUnit(t, a, token, "", n)
	}
	visit(t, page, a, "/org-units?unit="+platform)
	click(t, page.GetByText("Move users here", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}))
	pick(t, page, "Find users to move here", "a", "ada")
	pick(t, page, "Find users to move here", "a", "alan")
	click(t, role(page, "button", "Move selected users here"))
	mustSee(t, page.GetByText("Moved 2 users here."), "the moved users")
	mustSee(t, role(page, "link", "alan"), "alan among Platform's users")
	shoot("platform")
	visit(t, page, a, "/org-units?unit="+storage+"&sub=1")
	mustSee(t, page.GetByText("Nobody is in Storage or its sub-units yet."), "the empty subtree's guidance")
}
