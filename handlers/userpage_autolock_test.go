package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"roster/store"
)

// "Lock automatically at" on the new-user form and on the user page: a
// past or malformed time is refused next to the field; a scheduled lock
// is shown, moved and cleared; unlocking may schedule the next one.
func TestConsoleAutoLock(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	b.get("/users/new")
	wantPage(t, b.get("/users/new"), 200, `<label for="auto_lock_at">Lock automatically at (optional)</label>`,
		`type="datetime-local"`)
	for v, msg := range map[string]string{"2001-01-01T00:00": "The automatic lock must be in the future.",
		"next week": "Enter a time like 2030-12-31T18:00 (UTC)"} {
		wantPage(t, b.post("/users/new", url.Values{"username": {"grace"}, "auto_lock_at": {v}}), http.StatusUnprocessableEntity,
			msg, `value="`+v+`"`, `aria-invalid="true"`)
	}
	r := b.post("/users/new", url.Values{"username": {"grace"}, "auto_lock_at": {"2099-01-01T08:00"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create = %d: %.500s", r.StatusCode, r.body)
	}
	path := r.Header.Get("Location")
	wantPage(t, b.get(path+"?tab=access"), 200, "Locks automatically at 2099-01-01 08:00 UTC.",
		`<label for="auto_lock_at">Lock automatically at</label>`, `value="2099-01-01T08:00"`, "Save automatic lock")

	wantPage(t, b.htmxPost(path+"/auto-lock", url.Values{"auto_lock_at": {"2001-01-01T00:00"}}), http.StatusUnprocessableEntity,
		`id="status-section"`, "The automatic lock must be in the future.", `value="2001-01-01T00:00"`)
	wantPage(t, b.htmxPost(path+"/auto-lock", url.Values{"auto_lock_at": {"2098-05-04T03:02"}}), 200,
		"Automatic lock saved.", "Locks automatically at 2098-05-04 03:02 UTC.")
	r = b.htmxPost(path+"/auto-lock", url.Values{"auto_lock_at": {""}})
	wantPage(t, r, 200, "Automatic lock saved.")
	if u := a.userNamed(t, "grace"); u.LockAt != nil {
		t.Fatalf("cleared, the lock time is still %v", u.LockAt)
	}

	// Locked now, the unlock form schedules the next lock.
	wantPage(t, b.htmxPost(path+"/action", url.Values{"action": {"lock"}}), 200,
		`<label for="auto_lock_at">Lock again automatically at (optional)</label>`, "Unlock user")
	wantPage(t, b.htmxPost(path+"/action", url.Values{"action": {"unlock"}, "auto_lock_at": {"yesterday"}}),
		http.StatusUnprocessableEntity, "Enter a time like 2030-12-31T18:00 (UTC)")
	wantPage(t, b.htmxPost(path+"/action", url.Values{"action": {"unlock"}, "auto_lock_at": {"2097-01-02T03:04"}}), 200,
		"Locks automatically at 2097-01-02 03:04 UTC.")
	if u := a.userNamed(t, "grace"); u.LockAt == nil || !u.LockAt.Equal(time.Date(2097, 1, 2, 3, 4, 0, 0, time.UTC)) || u.Locked(time.Now()) {
		t.Fatalf("after unlock: %+v", u)
	}
}

// userNamed reads a user of acme by username.
func (a *testApp) userNamed(t *testing.T, name string) store.User {
	t.Helper()
	l, err := a.st.ListUsers(t.Context(), a.acme.ID, store.UserFilter{Usernames: []string{name}})
	if err != nil || len(l.Items) != 1 {
		t.Fatalf("user %s: %v, %v", name, l.Items, err)
	}
	return l.Items[0]
}
