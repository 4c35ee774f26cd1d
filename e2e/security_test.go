package e2e

import (
	"testing"
)

// An administrator who mistypes their password five times is locked out:
// the sign-in page then answers even the right password as a wrong one.
// An owner sees the lock under Settings → Administrators and lifts it, and
// the administrator signs in.
func TestOwnerUnlocksALockedAdministrator(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	owner := newPage(t)
	signIn(t, owner, a, "admin", a.OwnerPassword)
	click(t, role(owner, "link", "Settings"))
	click(t, role(owner, "link", "Administrators"))
	fill(t, owner.GetByLabel("Username"), "grace")
	click(t, role(owner, "button", "Add administrator"))
	secret := owner.Locator(".secret-value")
	mustSee(t, secret, "grace's generated password")
	password, err := secret.TextContent()
	if err != nil {
		t.Fatal(err)
	}

	grace := newPage(t)
	tryPassword := func(pw string) {
		t.Helper()
		visit(t, grace, a, "/login")
		fill(t, grace.GetByLabel("Username"), "grace")
		fill(t, grace.GetByLabel("Password"), pw)
		click(t, role(grace, "button", "Sign in"))
	}
	for range 5 {
		tryPassword("not my password")
		mustSee(t, grace.GetByText("Invalid username or password."), "the refusal")
	}
	tryPassword(password)
	mustSee(t, grace.GetByText("Invalid username or password."), "the same refusal for the right password while locked")
	checkA11y(t, grace)

	visit(t, owner, a, "/settings/administrators")
	mustSee(t, owner.GetByText("Locked until"), "grace's lock")
	checkA11y(t, owner)
	click(t, role(owner, "button", "Unlock grace"))
	mustSee(t, owner.GetByText("Administrator unlocked"), "the unlock confirmation")

	tryPassword(password)
	mustSee(t, role(grace, "button", "Sign out"), "grace signed in after the unlock")
}
