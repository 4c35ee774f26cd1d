package request

import (
	"testing"
	"time"
)

// One rule for when a lock ends, wherever a lock is set (the console's
// user page and bulk actions, the API): a date until that day begins, a
// time until then, and either must be in the future.
func TestLockUntil(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want string // RFC 3339, "" for no end; "error" for a refusal
	}{
		{"", ""},
		{"2026-11-30", "2026-11-30T00:00:00Z"},
		{"2030-12-31", "2030-12-31T00:00:00Z"},
		{"2026-11-29", "error"},
		{"2030-12-31T18:00:00Z", "2030-12-31T18:00:00Z"},
		{"2026-11-28", "error"},
		{"2026-11-29T11:59:59Z", "error"},
		{"31/12/2030", "error"},
		{"tomorrow", "error"},
	} {
		got, msg := LockUntil(c.in, now)
		switch {
		case c.want == "error":
			if msg == "" {
				t.Errorf("LockUntil(%q) = %v, want a refusal", c.in, got)
			}
		case msg != "":
			t.Errorf("LockUntil(%q) refused: %s", c.in, msg)
		case c.want == "" && got != nil, c.want != "" && (got == nil || got.UTC().Format(time.RFC3339) != c.want):
			t.Errorf("LockUntil(%q) = %v, want %s", c.in, got, c.want)
		}
	}
}
