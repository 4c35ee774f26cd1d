package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
)

// consoleSeed is what seedConsole made, by public id.
type consoleSeed struct {
	User, Unit, Group, Property, ResourceGroup string
}

// seedConsole fills a tenant the way a few weeks of use would: units,
// users (one locked, one whose access ends soon, one invited), a group, a
// select property and a resource group, and the audit trail of it all.
func seedConsole(t *testing.T, page playwright.Page, a *app) consoleSeed {
	t.Helper()
	api := newAPIClient(t, a, newAPIKey(t, page, a, "Seed script"))
	var s consoleSeed
	s.Unit = api.post("/org-units", map[string]any{"name": "Engineering", "description": "Builds and runs the product"})
	api.post("/org-units", map[string]any{"name": "Platform", "parent_id": s.Unit})
	s.Property = api.post("/properties", map[string]any{"key": "team", "display_name": "Team", "type": "select",
		"values": []map[string]string{{"value": "red", "display_name": "Red team"}, {"value": "blue", "display_name": "Blue team"}}})
	soon := time.Now().Add(5 * 24 * time.Hour).UTC().Truncate(time.Second)
	s.User = api.post("/users", map[string]any{"username": "ada", "display_name": "Ada Lovelace",
		"email": "ada@example.com", "password": "Analytical-Engine-1843", "org_unit_id": s.Unit})
	locked := api.post("/users", map[string]any{"username": "alan", "display_name": "Alan Turing",
		"email": "alan@example.com", "password": "Enigma-broken-1941", "org_unit_id": s.Unit})
	api.post("/users", map[string]any{"username": "grace", "display_name": "Grace Hopper",
		"email": "grace.brewster.murray.hopper@navy.example.com", "password": "Compiler-first-1952", "account_expires_at": soon})
	api.post("/users", map[string]any{"username": "katherine.johnson-with-a-long-username", "display_name": "Katherine Johnson",
		"email": "katherine@example.com", "send_invitation": true})
	api.post("/users/lock", map[string]any{"user_ids": []string{locked}})
	api.post("/users/reset-password", map[string]any{"user_ids": []string{s.User}})
	s.Group = api.post("/groups", map[string]any{"name": "Staff", "description": "Everyone on the payroll"})
	api.post("/groups/"+s.Group+"/members/add", map[string]any{"user_ids": []string{s.User, locked}})
	s.ResourceGroup = api.post("/resource-groups", map[string]any{"name": "Build servers", "platform": "linux",
		"description": "The CI fleet"})
	return s
}

// screen is one page the survey visits, by name (for its screenshot).
type surveyPage struct{ name, path string }

// Every page of the console and of the end users' account, on a laptop
// (1280×900) and a phone (390×844), light and dark: none is wider than
// the screen, axe finds nothing serious (on the laptop in light and the
// phone in dark), the browser reports no error or CSP violation, and a
// screenshot of each is kept in
// e2e/artifacts/screens to be looked at.
func TestEveryConsolePageFits(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	setup := newPage(t)
	signIn(t, setup, a, "admin", a.OwnerPassword)
	s := seedConsole(t, setup, a)

	console := []surveyPage{
		{"home", "/"},
		{"users", "/users"},
		{"users-locked", "/users?locked=true"},
		{"user", "/users/" + s.User},
		{"user-access", "/users/" + s.User + "?tab=access"},
		{"user-groups", "/users/" + s.User + "?tab=groups"},
		{"user-activity", "/users/" + s.User + "?tab=activity"},
		{"user-new", "/users/new"},
		{"users-batch", "/users/batch"},
		{"users-import", "/users/import"},
		{"users-stats", "/users/stats"},
		{"org-units", "/org-units"},
		{"org-unit", "/org-units?unit=" + s.Unit},
		{"jobs", "/jobs"},
		{"groups", "/groups"},
		{"group", "/groups/" + s.Group},
		{"properties", "/properties"},
		{"property", "/properties/" + s.Property},
		{"resource-groups", "/resource-groups"},
		{"resource-group", "/resource-groups/" + s.ResourceGroup},
		{"audit", "/audit"},
		{"settings-tenant", "/settings/tenant"},
		{"settings-administrators", "/settings/administrators"},
		{"settings-api-keys", "/settings/api-keys"},
		{"settings-api", "/settings/api"},
		{"settings-password-policy", "/settings/password-policy"},
		{"settings-email", "/settings/email"},
		{"settings-provisioning", "/settings/provisioning"},
		{"settings-tenants", "/settings/tenants"},
	}
	signedOut := []surveyPage{
		{"login", "/login"},
		{"account-login", "/account/default/login"},
		{"account-forgot", "/account/default/forgot"},
	}
	signedInAccount := []surveyPage{
		{"account-profile", "/account/default/"},
		{"account-password", "/account/default/password"},
	}
	// The four screens are four browser contexts on one server: they run
	// side by side, as the survey is most of the browser tests' time.
	for _, size := range []playwright.Size{{Width: 1280, Height: 900}, {Width: 390, Height: 844}} {
		for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
			suffix := fmt.Sprintf("-%d-%s", size.Width, *scheme)
			// axe runs on two of the four screens, one of each scheme and
			// of each size: its contrast checks differ by scheme, its
			// target sizes by width, and it is the survey's dearest step.
			a11y := (size.Width >= 768) == (*scheme == *playwright.ColorSchemeLight)
			open := func(t *testing.T, page playwright.Page, path string) {
				t.Helper()
				if a11y {
					visit(t, page, a, path)
				} else {
					goToUnchecked(t, page, a, path)
				}
			}
			t.Run(suffix[1:], func(t *testing.T) {
				t.Parallel()
				opts := playwright.BrowserNewContextOptions{Viewport: &size, ColorScheme: scheme}
				admin := newPageWith(t, opts)
				signIn(t, admin, a, "admin", a.OwnerPassword)
				for _, sc := range console {
					open(t, admin, sc.path)
					mustFitTheScreen(t, admin, sc.path+suffix)
					screenshot(t, admin, sc.name+suffix)
				}
				if size.Width < 768 {
					// The phone's header folds behind "Menu", which opens it.
					open(t, admin, "/")
					menu := role(admin, "button", "Menu")
					click(t, menu)
					mustSee(t, admin.GetByLabel("Main").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Audit log"}), "the opened menu")
					if got, _ := menu.GetAttribute("aria-expanded"); got != "true" {
						t.Errorf("Menu's aria-expanded = %q once opened, want true", got)
					}
					if a11y {
						checkA11y(t, admin)
					}
					screenshot(t, admin, "home-menu"+suffix)
				}
				user := newPageWith(t, opts)
				for _, sc := range signedOut {
					open(t, user, sc.path)
					mustFitTheScreen(t, user, sc.path+suffix)
					screenshot(t, user, sc.name+suffix)
				}
				visit(t, user, a, "/account/default/login")
				fill(t, user.GetByLabel("Username or email"), "ada")
				fill(t, user.GetByLabel("Password"), "Analytical-Engine-1843")
				click(t, role(user, "button", "Sign in"))
				waitLoaded(t, user)
				for _, sc := range signedInAccount {
					open(t, user, sc.path)
					mustFitTheScreen(t, user, sc.path+suffix)
					screenshot(t, user, sc.name+suffix)
				}
			})
		}
	}
}
