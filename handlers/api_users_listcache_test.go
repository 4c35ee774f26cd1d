package handlers_test

import (
	"testing"
	"time"
)

// The users list and a group's member list keep each user's object while
// the user is unchanged, but answer as a fresh read would: a change shows
// at once, and a lock that ends by time shows as ended though nothing was
// written.
func TestUsersAPIListsShowChangesAndLocksEndingByTime(t *testing.T) {
	a := newUsersAPI(t)
	ada := a.mustCreate(t, `{"username":"ada","display_name":"Ada"}`)["id"].(string)
	g := a.call(t, 201, "POST", "/api/v1/groups", a.admin, `{"name":"Designers"}`)["id"].(string)
	a.call(t, 200, "POST", "/api/v1/groups/"+g+"/members/add", a.admin, `{"user_ids":["`+ada+`"]}`)
	lists := []string{"/api/v1/users", "/api/v1/groups/" + g + "/members"}
	listed := func(path string) map[string]any {
		t.Helper()
		it := items(a.call(t, 200, "GET", path, a.viewer, ""))
		if len(it) != 1 || it[0]["id"] != ada {
			t.Fatalf("GET %s = %v, want ada", path, it)
		}
		return it[0]
	}
	for _, path := range lists {
		listed(path) // kept
	}
	a.call(t, 200, "PATCH", "/api/v1/users/"+ada, a.admin, `{"display_name":"Ada L."}`)
	until := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Millisecond)
	a.call(t, 200, "POST", "/api/v1/users/lock", a.admin, `{"user_ids":["`+ada+`"],"until":"`+until.Format(time.RFC3339Nano)+`"}`)
	for _, path := range lists {
		if u := listed(path); u["display_name"] != "Ada L." || u["locked"] != true || u["lock_until"] != until.Format(time.RFC3339Nano) {
			t.Errorf("GET %s after the change and the lock = %v", path, u)
		}
	}
	time.Sleep(time.Until(until) + 100*time.Millisecond)
	for _, path := range lists {
		if u := listed(path); u["locked"] != false || u["lock_until"] != nil || u["lock_reason"] != nil {
			t.Errorf("GET %s once the lock ended = %v, want unlocked", path, u)
		}
	}
	if u := listed(lists[1]); u["joined_at"] == nil {
		t.Errorf("a member listed without joined_at: %v", u)
	}
	if u := listed(lists[0]); u["joined_at"] != nil {
		t.Errorf("a user listed with joined_at: %v", u)
	}
}
