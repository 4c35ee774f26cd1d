package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"roster/store"
)

// The hand-written user encoder writes exactly what encoding/json writes
// for the same objects, so the API's user objects are the documented ones.
func TestUserEncodingMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 24, 1, 2, 3, 456789000, time.UTC)
	until := at.Add(time.Hour)
	reason, ext := "admin", "ext-<1>"
	full := apiUser{ID: "u_1", Username: "ada", DisplayName: "Ada \"The\" Lovelace", Description: "line1\nline2\ttab",
		Email: "ada@x.example", EmailVerified: true, PhoneRegion: "+44", PhoneNumber: "20 7946", PhoneVerified: true,
		Status: "enabled", Locked: true, LockUntil: &until, LockReason: &reason, AutoLockAt: &until, OwnerType: "manager", AccountExpiresAt: &at,
		PasswordExpiresAt: &at, PasswordSet: true, RequiredActions: []string{"update_password", "verify_email"},
		UserType: "user", SourceType: "ldap", SourceID: "cn=ada", ExternalID: &ext, Language: "en", Timezone: "Europe/London",
		Tags: map[string]string{"b": "2", "a": "<&>", "é": "\u2028"}, OrgUnitID: "ou_3",
		Groups: []apiRef{{ID: "g_1", Name: "Ops & Web"}, {ID: "g_2", Name: "Data"}},
		Properties: map[string]any{"team": "web", "level": 3.0, "tiny": 1e-7, "huge": 1e21, "frac": 0.1, "neg": -2.5,
			"remote": true, "langs": []string{"go", "sql"}, "since": "2020-01-02"},
		JoinedAt: &at, RegisteredAt: &at, CreatedAt: at, UpdatedAt: at.Add(time.Nanosecond), LastLoginAt: &at}
	minimal := apiUser{ID: "u_2", Username: "bob", Status: "pending", RequiredActions: []string{}, Tags: map[string]string{},
		Properties: map[string]any{}, CreatedAt: at.Truncate(time.Second), UpdatedAt: at.Truncate(time.Second)}
	for _, u := range []apiUser{full, minimal} {
		want, _ := json.Marshal(u)
		if got := appendUser(nil, &u); !bytes.Equal(got, want) {
			t.Errorf("user %s:\n got %s\nwant %s", u.ID, got, want)
		}
	}
}

// apiUserList is a list of users as the API documents it.
type apiUserList struct {
	apiList[apiUser]
	PrevToken string `json:"prev_token,omitempty"`
	SortedBy  string `json:"sorted_by"`
}

// A listed user, encoded once and kept, is written as encoding/json writes
// the user at the time of each answer: a lock that has ended since shows
// as none. A group's member list adds when each joined.
func TestListedUsersMatchEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 24, 1, 2, 3, 456789000, time.UTC)
	until, later := at.Add(time.Hour), at.Add(2*time.Hour)
	full := store.User{ID: 1, Username: "ada", DisplayName: "Ada \"The\" Lovelace", Description: "line1\nline2",
		Email: "ada@x.example", EmailVerified: true, PhoneRegion: "44", PhoneNumber: "20 7946", Status: "enabled",
		LockedAt: &at, LockUntil: &until, LockReason: "admin", LockAt: &later, OwnerType: "manager", AccountExpiresAt: &at,
		PasswordSet: true, RequiredActions: []string{"verify_email"}, UserType: "user", SourceType: "ldap",
		ExternalID: "ext-<1>", Tags: map[string]string{"b": "2", "a": "<&>"}, OrgUnitID: 3,
		Properties: map[string]store.PropertyValue{
			"team":  {Property: &store.Property{Key: "team", Type: "text"}, Values: []string{"web"}},
			"level": {Property: &store.Property{Key: "level", Type: "number"}, Values: []string{"3"}},
			"langs": {Property: &store.Property{Key: "langs", Type: "multiselect"}, Values: []string{"go", "sql"}}},
		RegisteredAt: &at, CreatedAt: at, UpdatedAt: at, LastLoginAt: &at}
	minimal := store.User{ID: 2, Username: "bob", Status: "pending", RequiredActions: []string{}, Tags: map[string]string{},
		CreatedAt: at, UpdatedAt: at}
	users := []store.User{full, minimal}
	page := store.CachedUsers[*listedUser]{List: store.List[*listedUser]{Total: 1000, TotalCapped: true, Next: "n+/="},
		IDs: []int64{1, 2}, Prev: "p", SortedBy: "-created_at"}
	for i := range users {
		page.Items = append(page.Items, newListedUser(&users[i]))
	}
	for _, now := range []time.Time{at, until.Add(time.Second), later} {
		for _, joined := range []map[int64]time.Time{nil, {1: at}} {
			want := apiUserList{apiList: apiList[apiUser]{TotalCount: 1000, TotalCapped: true, NextToken: "n+/="},
				PrevToken: "p", SortedBy: "-created_at"}
			var got []byte
			got = append(got, `{"items":[`...)
			for i := range users {
				u := toAPIUser(users[i])
				u.setLock(&users[i], now)
				var j *time.Time
				if t, ok := joined[users[i].ID]; ok {
					j, u.JoinedAt = &t, &t
				}
				want.Items = append(want.Items, u)
				if i > 0 {
					got = append(got, ',')
				}
				got = page.Items[i].append(got, now, j)
			}
			got = appendUserListEnd(got, page.Total, page.TotalCapped, page.Next, page.Prev, page.SortedBy)
			var wantJSON bytes.Buffer
			json.NewEncoder(&wantJSON).Encode(want) // what c.JSON wrote, newline included
			if !bytes.Equal(got, wantJSON.Bytes()) {
				t.Errorf("at %v, joined %v:\n got %s\nwant %s", now, joined, got, wantJSON.Bytes())
			}
		}
	}
	ended := newListedUser(&full).append(nil, until.Add(time.Second), nil)
	if !bytes.Contains(ended, []byte(`"locked":false,"lock_until":null,"lock_reason":null`)) {
		t.Errorf("a lock that has ended still shows: %s", ended)
	}
	empty := store.CachedUsers[*listedUser]{SortedBy: "username"}
	var want bytes.Buffer
	json.NewEncoder(&want).Encode(apiUserList{apiList: apiList[apiUser]{Items: []apiUser{}}, SortedBy: "username"})
	if got := appendListedUsers(nil, &empty, nil); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("empty list:\n got %s\nwant %s", got, want.Bytes())
	}
}

// Any text, valid UTF-8 or not, is escaped as encoding/json escapes it.
func TestStringEscapingMatchesEncodingJSON(t *testing.T) {
	pieces := []string{"a", "Z", " ", "\"", "\\", "/", "<", ">", "&", "\x00", "\x1f", "\x7f", "\b", "\f", "\n", "\r", "\t",
		"é", "漢", "😀", "\u2028", "\u2029", "\xff", "\xe2\x80", "\xed\xa0\x80", "\ufffd"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		var s string
		for range rng.IntN(12) {
			s += pieces[rng.IntN(len(pieces))]
		}
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got %s\nwant %s", s, got, want)
		}
	}
	for _, f := range []float64{0, 1, -1, 0.5, 1e20, 1e21, 123456789e15, 1e-6, 9.99e-7, 1e-9, -1e-9, 3.14159, 1 << 53} {
		want, _ := json.Marshal(f)
		if got := appendFloat(nil, f); !bytes.Equal(got, want) {
			t.Errorf("%v: got %s want %s", f, got, want)
		}
	}
}
