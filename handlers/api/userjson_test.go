package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
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
	list := apiUserList{apiList: apiList[apiUser]{Items: []apiUser{full, minimal}, TotalCount: 1000, TotalCapped: true,
		NextToken: "n+/="}, PrevToken: "p", SortedBy: "-created_at"}
	var want bytes.Buffer
	json.NewEncoder(&want).Encode(list) // what c.JSON wrote, newline included
	if got := appendUserList(nil, &list); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("list:\n got %s\nwant %s", got, want.Bytes())
	}
	empty := apiUserList{apiList: apiList[apiUser]{Items: []apiUser{}}, SortedBy: "username"}
	want.Reset()
	json.NewEncoder(&want).Encode(empty)
	if got := appendUserList(nil, &empty); !bytes.Equal(got, want.Bytes()) {
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
