package handlers_test

import (
	"strings"
	"testing"
	"time"

	"roster/store"
)

// The users page keeps each listed user while the user is unchanged, but
// shows what a fresh read would: a change at once, and a lock that ends by
// time as ended though nothing was written.
func TestConsoleUsersListShowsChangesAndLocksEndingByTime(t *testing.T) {
	a := newTestApp(t)
	ada := mustUsers(t, a.st, a.acme.ID, "ada")[0]
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	row := func() string {
		t.Helper()
		r := b.get("/users?q=ada")
		wantPage(t, r, 200, "ada")
		_, after, _ := strings.Cut(r.body, ">ada<")
		return after
	}
	if got := row(); strings.Contains(got, "Ada Lovelace") || strings.Contains(got, "Locked") {
		t.Fatalf("ada listed renamed or locked before any change: %.600s", got)
	}
	name := "Ada Lovelace"
	if _, err := a.st.UpdateUser(t.Context(), a.acme.ID, ada.ID, store.UserUpdate{DisplayName: &name}); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(1500 * time.Millisecond)
	if _, err := a.st.ApplyUserAction(t.Context(), a.acme.ID, store.UserAction{Kind: store.ActionLock, Until: &until},
		[]string{ada.PublicID()}); err != nil {
		t.Fatal(err)
	}
	if got := row(); !strings.Contains(got, "Ada Lovelace") || !strings.Contains(got, "Locked until") {
		t.Errorf("ada listed after the rename and the lock: %.600s", got)
	}
	time.Sleep(time.Until(until) + 100*time.Millisecond)
	if got := row(); !strings.Contains(got, "Ada Lovelace") || strings.Contains(got, "Locked") {
		t.Errorf("ada listed once the lock ended: %.600s", got)
	}
}
