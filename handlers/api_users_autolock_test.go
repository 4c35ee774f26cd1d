package handlers_test

import (
	"testing"
	"time"
)

// auto_lock_at schedules a lock: given on create, changed or cleared by
// PATCH, set anew by unlock, shown on the user; a time in the past or not
// a time is refused, naming the field.
func TestUsersAPIAutoLockAt(t *testing.T) {
	a := newUsersAPI(t)
	ada := a.mustCreate(t, `{"username":"ada","auto_lock_at":"2099-01-01T08:00:00Z"}`)
	if ada["auto_lock_at"] != "2099-01-01T08:00:00Z" || ada["locked"] != false {
		t.Fatalf("created = %v", ada)
	}
	id := ada["id"].(string)
	for _, tt := range []struct{ method, path, body string }{
		{"POST", "/api/v1/users", `{"username":"bob","auto_lock_at":"2001-01-01"}`},
		{"POST", "/api/v1/users", `{"username":"bob","auto_lock_at":"soon"}`},
		{"PATCH", "/api/v1/users/" + id, `{"auto_lock_at":"2001-01-01T00:00:00Z"}`},
		{"POST", "/api/v1/users/unlock", `{"user_ids":["` + id + `"],"auto_lock_at":"2001-01-01"}`},
		{"POST", "/api/v1/users/lock", `{"user_ids":["` + id + `"],"auto_lock_at":"2099-01-01"}`},
	} {
		status, _, body := a.apiCall(t, tt.method, tt.path, a.admin, tt.body)
		if _, _, field := errorOf(body); status != 422 || field != "auto_lock_at" {
			t.Errorf("%s %s %s = %d %v, want 422 naming auto_lock_at", tt.method, tt.path, tt.body, status, body)
		}
	}
	status, _, got := a.apiCall(t, "PATCH", "/api/v1/users/"+id, a.admin, `{"auto_lock_at":"2098-06-30"}`)
	if status != 200 || got["auto_lock_at"] != "2098-06-30T00:00:00Z" {
		t.Fatalf("PATCH auto_lock_at = %d %v", status, got)
	}

	// The time comes: ada is locked for the list filter, with no job run.
	a.st.SetClock(func() time.Time { return time.Date(2098, 7, 1, 0, 0, 0, 0, time.UTC) })
	if _, _, list := a.apiCall(t, "GET", "/api/v1/users?locked=true", a.admin, ""); list["total_count"] != float64(1) {
		t.Fatalf("locked filter once due = %v", list)
	}
	status, _, res := a.apiCall(t, "POST", "/api/v1/users/unlock", a.admin, `{"user_ids":["`+id+`"],"auto_lock_at":"2098-12-31T00:00:00Z"}`)
	if status != 200 || len(res["succeeded"].([]any)) != 1 {
		t.Fatalf("unlock with a new auto_lock_at = %d %v", status, res)
	}
	if _, _, list := a.apiCall(t, "GET", "/api/v1/users?locked=true", a.admin, ""); list["total_count"] != float64(0) {
		t.Fatalf("locked filter after unlock = %v", list)
	}
	if _, _, got := a.apiCall(t, "GET", "/api/v1/users/"+id, a.admin, ""); got["auto_lock_at"] != "2098-12-31T00:00:00Z" {
		t.Fatalf("after unlock = %v", got)
	}
	status, _, got = a.apiCall(t, "PATCH", "/api/v1/users/"+id, a.admin, `{"auto_lock_at":null}`)
	if status != 200 || got["auto_lock_at"] != nil {
		t.Fatalf("PATCH auto_lock_at null = %d %v", status, got)
	}
}
