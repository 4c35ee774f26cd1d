package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// An administrator goes from the API keys page to Settings → API, finds
// creating a user there with its curl line, copies it with the button, and
// the curl line of GET /whoami, pasted into a shell with a key, answers.
func TestAPIReferencePage(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPageWith(t, playwright.BrowserNewContextOptions{Permissions: []string{"clipboard-read", "clipboard-write"}})
	signIn(t, page, a, "admin", a.OwnerPassword)
	visit(t, page, a, "/settings/api-keys")
	click(t, role(page, "link", "API reference"))
	waitLoaded(t, page)
	checkA11y(t, page)
	mustFitTheScreen(t, page, "the API reference")
	if err := page.SetViewportSize(390, 844); err != nil {
		t.Fatal(err)
	}
	mustFitTheScreen(t, page, "the API reference on a phone")
	if err := page.SetViewportSize(1280, 900); err != nil {
		t.Fatal(err)
	}

	click(t, page.GetByRole("navigation", playwright.PageGetByRoleOptions{Name: "API operations"}).
		GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "POST /users", Exact: playwright.Bool(true)}))
	op := page.GetByRole("article", playwright.PageGetByRoleOptions{Name: "POST /users Create a user"})
	mustSee(t, op, "the operation POST /users")
	mustSee(t, op.GetByRole("region", playwright.LocatorGetByRoleOptions{Name: "Body of POST /users"}).
		GetByRole("cell", playwright.LocatorGetByRoleOptions{Name: "auto_lock_at"}), "the auto_lock_at field of its body")
	curl, err := page.GetByLabel("curl for POST /users", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).InputValue()
	if err != nil || !strings.HasPrefix(curl, "curl -X POST '"+a.URL+"/api/v1/users' -H \"Authorization: Bearer $ROSTER_API_KEY\" -H 'Content-Type: application/json' -d '{") {
		t.Fatalf("curl for POST /users = %q, %v", curl, err)
	}
	click(t, role(page, "button", "Copy curl for POST /users"))
	mustSee(t, op.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Copied"}), "the copy button saying it copied")
	if got, err := page.Evaluate("() => navigator.clipboard.readText()"); err != nil || got != curl {
		t.Fatalf("clipboard = %q, %v; want the curl line %q", got, err, curl)
	}

	whoami, err := page.GetByLabel("curl for GET /whoami", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).InputValue()
	if err != nil {
		t.Fatal(err)
	}
	sh := exec.Command("sh", "-c", whoami+" --silent --fail-with-body")
	sh.Env = append(os.Environ(), "ROSTER_API_KEY="+cliAPIKey(t, a, "curl"))
	out, err := sh.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"type":"api_key"`) {
		t.Fatalf("%s: %v\n%s", whoami, err, out)
	}
}
