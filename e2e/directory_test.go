package e2e

import (
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// createUsers batch-creates users from the console.
func createUsers(t *testing.T, page playwright.Page, a *app, rows string) {
	t.Helper()
	visit(t, page, a, "/users/batch")
	fill(t, page.GetByLabel("Rows"), rows)
	click(t, role(page, "button", "Create users"))
	mustSee(t, page.GetByText("created, 0 failed"), "the batch summary")
}

// pick types into a picker's search box and ticks the choice labelled
// choice once it appears.
func pick(t *testing.T, page playwright.Page, search, typed, choice string) {
	t.Helper()
	fill(t, page.GetByLabel(search, playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}), typed)
	box := page.GetByLabel(choice, playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)})
	mustSee(t, box, "the choice "+choice)
	if err := box.Check(); err != nil {
		t.Fatal(err)
	}
}

func selectUsers(t *testing.T, page playwright.Page, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := page.GetByLabel("Select " + n).Check(); err != nil {
			t.Fatal(err)
		}
	}
}

func waitLoaded(t *testing.T, page playwright.Page) {
	t.Helper()
	if err := page.WaitForLoadState(); err != nil {
		t.Fatal(err)
	}
}

// An administrator builds an org tree three levels deep, moves a subtree,
// moves two users into a unit from the users list and finds them with the
// sub-unit filter; then renames a unit and removes one, confirming first.
func TestOrgTreeInTheConsole(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	var asked []string
	page.OnDialog(func(d playwright.Dialog) {
		asked = append(asked, d.Message())
		_ = d.Accept()
	})
	signIn(t, page, a, "admin", a.OwnerPassword)
	createUsers(t, page, a, "ada,ada@example.com\nalan,alan@example.com\ngrace,grace@example.com\n")

	click(t, role(page, "link", "Organization"))
	checkA11y(t, page)
	addChild := func(name string) {
		t.Helper()
		// A tenant with only its root opens the form on its own.
		if open, _ := page.GetByLabel("Name of the new sub-unit").IsVisible(); !open {
			click(t, page.GetByText("Add a sub-unit"))
		}
		fill(t, page.GetByLabel("Name of the new sub-unit"), name)
		click(t, role(page, "button", "Add sub-unit"))
		mustSee(t, role(page, "heading", name), "the new unit "+name)
	}
	addChild("Engineering")
	addChild("Platform")
	addChild("Storage")
	checkA11y(t, page)
	crumbs := page.GetByLabel("Breadcrumb")
	for _, n := range []string{"Engineering", "Platform", "Storage"} {
		mustSee(t, crumbs.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: n}), "the breadcrumb's "+n)
	}
	// A sibling division, from the root.
	click(t, crumbs.GetByRole("link").First())
	addChild("Sales")

	// The tree opens one layer at a time.
	click(t, crumbs.GetByRole("link").First())
	waitLoaded(t, page)
	tree := page.GetByRole("tree")
	click(t, role(page, "link", "Expand Engineering"))
	mustSee(t, tree.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Platform", Exact: playwright.Bool(true)}), "Platform in the opened layer")
	if err := expect.Locator(tree.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Storage", Exact: playwright.Bool(true)})).ToHaveCount(0); err != nil {
		t.Fatalf("the second layer opened too: %v", err)
	}
	checkA11y(t, page)

	// Move Platform (with Storage) under Sales; a move into its own subtree is refused.
	click(t, tree.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Platform", Exact: playwright.Bool(true)}))
	waitLoaded(t, page)
	click(t, page.GetByText("Move", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}))
	pick(t, page, "Find new parent unit", "stor", "Default / Engineering / Platform / Storage")
	click(t, role(page, "button", "Move unit"))
	mustSee(t, page.GetByText("cannot move under itself or its own descendants"), "the refused move")
	checkA11y(t, page)
	pick(t, page, "Find new parent unit", "sal", "Default / Sales")
	click(t, role(page, "button", "Move unit"))
	mustSee(t, page.GetByText("Unit Platform moved."), "the move message")
	mustSee(t, page.GetByLabel("Breadcrumb").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Sales"}), "Sales in Platform's breadcrumb")

	// Move ada and alan into Storage from the users list.
	click(t, role(page, "link", "Users"))
	waitLoaded(t, page)
	selectUsers(t, page, "ada", "alan")
	click(t, role(page, "button", "Move selected to org unit"))
	mustSee(t, role(page, "heading", "Move 2 users?"), "the move confirmation")
	pick(t, page, "Find org unit to move them to", "storage", "Default / Sales / Platform / Storage")
	checkA11y(t, page)
	click(t, role(page, "button", "Move 2 users"))
	mustSee(t, role(page, "heading", "Moved 2 users"), "the move outcome")

	// Find them with the subtree filter on Sales.
	visit(t, page, a, "/users")
	waitLoaded(t, page)
	click(t, page.GetByText("Org unit, group and property filters"))
	pick(t, page, "Find org unit", "sales", "Default / Sales")
	if err := page.GetByLabel("Include sub-units").Check(); err != nil {
		t.Fatal(err)
	}
	click(t, role(page, "button", "Apply filters"))
	mustSee(t, page.GetByText("2 users", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}), "the count of the subtree's users")
	mustSee(t, role(page, "link", "ada"), "ada in Sales' subtree")
	mustSee(t, role(page, "link", "alan"), "alan in Sales' subtree")
	if err := expect.Locator(role(page, "link", "grace")).ToHaveCount(0); err != nil {
		t.Fatalf("grace is listed in Sales' subtree: %v", err)
	}
	checkA11y(t, page)
	// Without sub-units, Sales itself has nobody.
	if err := page.GetByLabel("Include sub-units").Uncheck(); err != nil {
		t.Fatal(err)
	}
	click(t, role(page, "button", "Apply filters"))
	mustSee(t, page.GetByText("0 users", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}), "nobody directly in Sales")

	// Storage's panel lists its users; renamed, then removed with its users
	// moved up to Platform, after a confirmation.
	click(t, role(page, "link", "Organization"))
	tree = page.GetByRole("tree")
	click(t, role(page, "link", "Expand Sales"))
	click(t, role(page, "link", "Expand Platform"))
	click(t, tree.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Storage", Exact: playwright.Bool(true)}))
	waitLoaded(t, page)
	users := page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Users of Storage"})
	mustSee(t, users.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "ada"}), "ada among Storage's users")
	click(t, page.GetByText("Rename or describe"))
	fill(t, page.GetByLabel("Unit name"), "Storage and Backup")
	click(t, role(page, "button", "Save unit"))
	mustSee(t, page.GetByText("Unit Storage and Backup saved."), "the rename message")
	mustSee(t, role(page, "treeitem", "Storage and Backup"), "the renamed unit in the tree")
	checkA11y(t, page)
	click(t, role(page, "button", "Remove unit"))
	mustSee(t, page.GetByText("has 2 users; move them first"), "the refused removal")
	if err := page.GetByLabel("Move its 2 users to Platform first").Check(); err != nil {
		t.Fatal(err)
	}
	click(t, role(page, "button", "Remove unit"))
	mustSee(t, page.GetByText("Unit Storage and Backup removed."), "the removal message")
	mustSee(t, role(page, "heading", "Platform"), "the parent, shown after the removal")
	if len(asked) < 2 || !strings.Contains(asked[len(asked)-1], "Remove the unit Storage and Backup?") {
		t.Fatalf("confirmations asked = %q, want one before removing Storage and Backup", asked)
	}
	mustSee(t, page.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Users of Platform"}).
		GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "alan"}), "alan, moved up to Platform")
	checkA11y(t, page)
}

// Groups, properties and resource groups: members added from the users
// list and from the picker, a select property set on a user page and used
// as a filter, and a resource group a member gets through their group.
func TestGroupsPropertiesAndResourceGroupsInTheConsole(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	page.OnDialog(func(d playwright.Dialog) { _ = d.Accept() })
	signIn(t, page, a, "admin", a.OwnerPassword)
	createUsers(t, page, a, "ada,ada@example.com\nalan,alan@example.com\ngrace,grace@example.com\n")

	// A group, with members from the users list…
	click(t, role(page, "link", "Groups"))
	checkA11y(t, page)
	fill(t, page.GetByLabel("Group name"), "Pilots")
	click(t, role(page, "button", "Create group"))
	mustSee(t, role(page, "heading", "Pilots"), "the group page")
	click(t, role(page, "link", "Users"))
	waitLoaded(t, page)
	selectUsers(t, page, "ada", "alan")
	click(t, role(page, "button", "Add selected to group"))
	pick(t, page, "Find group for them", "pil", "Pilots")
	click(t, role(page, "button", "Add to group 2 users"))
	mustSee(t, role(page, "heading", "Added to the group 2 users"), "the bulk outcome")

	// …and from the picker on the group page.
	click(t, role(page, "link", "Groups"))
	click(t, role(page, "link", "Pilots"))
	waitLoaded(t, page)
	mustSee(t, page.GetByText("2 users"), "two members")
	pick(t, page, "Find users to add", "grace", "grace")
	click(t, role(page, "button", "Add selected users"))
	mustSee(t, role(page, "heading", "Added 1 user"), "the added member")
	mustSee(t, page.GetByText("3 users"), "three members")
	checkA11y(t, page)

	// A select property, set on ada's page, then used as a filter.
	click(t, role(page, "link", "Properties"))
	checkA11y(t, page)
	fill(t, page.GetByLabel("Key"), "team")
	fill(t, page.GetByLabel("Display name"), "Team")
	if _, err := page.GetByLabel("Type", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).SelectOption(playwright.SelectOptionValues{Values: &[]string{"select"}}); err != nil {
		t.Fatal(err)
	}
	fill(t, page.GetByLabel("Allowed values (for list types)"), "web|Web\nops|Operations")
	click(t, role(page, "button", "Create property"))
	mustSee(t, page.GetByText("Property team created."), "the created property")
	checkA11y(t, page)

	visit(t, page, a, "/users")
	click(t, role(page, "link", "ada"))
	tab(t, page, "Properties")
	if _, err := page.GetByLabel("Team").SelectOption(playwright.SelectOptionValues{Values: &[]string{"ops"}}); err != nil {
		t.Fatal(err)
	}
	click(t, role(page, "button", "Save properties"))
	mustSee(t, page.GetByText("Properties saved."), "the saved properties")
	checkA11y(t, page)

	visit(t, page, a, "/users")
	waitLoaded(t, page)
	click(t, page.GetByText("Org unit, group and property filters"))
	if _, err := page.GetByLabel("Property", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).SelectOption(playwright.SelectOptionValues{Values: &[]string{"team"}}); err != nil {
		t.Fatal(err)
	}
	// Team's values are offered by label once the property is chosen.
	value := page.GetByRole("combobox", playwright.PageGetByRoleOptions{Name: "Property value"})
	mustSee(t, value, "Team's values")
	if _, err := value.SelectOption(playwright.SelectOptionValues{Labels: &[]string{"Operations"}}); err != nil {
		t.Fatal(err)
	}
	click(t, role(page, "button", "Apply filters"))
	mustSee(t, page.GetByText("1 user", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}), "one user with team ops")
	mustSee(t, role(page, "link", "ada"), "ada with team ops")

	visit(t, page, a, "/properties")
	click(t, role(page, "link", "team"))
	mustSee(t, role(page, "link", "1 users with ops"), "the usage count of ops")
	mustSee(t, page.GetByText("1 user has a value"), "the property's usage")

	// A resource group assigned to Pilots shows on a member's page.
	click(t, role(page, "link", "Resource groups"))
	checkA11y(t, page)
	fill(t, page.GetByLabel("Name"), "Design desktops")
	fill(t, page.GetByLabel("Platform"), "windows")
	click(t, role(page, "button", "Create resource group"))
	mustSee(t, role(page, "heading", "Design desktops"), "the resource group page")
	waitLoaded(t, page)
	fill(t, page.GetByLabel("Resource type"), "desktop")
	fill(t, page.GetByLabel("Resource id"), "desk-1")
	click(t, role(page, "button", "Add resource"))
	mustSee(t, role(page, "cell", "desk-1"), "the added resource")
	waitLoaded(t, page)
	pick(t, page, "Find groups to assign", "pil", "Pilots")
	click(t, role(page, "button", "Assign"))
	mustSee(t, role(page, "button", "Unassign Pilots"), "Pilots assigned")
	checkA11y(t, page)

	visit(t, page, a, "/users")
	click(t, role(page, "link", "grace"))
	tab(t, page, "Groups and org unit")
	mustSee(t, role(page, "link", "Design desktops"), "the resource group on grace's page")
	mustSee(t, page.GetByText("through Pilots"), "how grace gets it")
	checkA11y(t, page)
}
