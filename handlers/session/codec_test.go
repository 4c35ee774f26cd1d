package session

import (
	"maps"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

// Sessions round-trip through the codec, sessions written by scs's gob
// codec (before it) are still read, and a value of another type is refused
// rather than lost.
func TestSessionCodec(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	values := map[string]any{"admin": int64(42), "seen": int64(-1), "csrf": "a1b2", "flash": "Saved.\n<ok> é", "empty": ""}
	b, err := sessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	d, got, err := sessionCodec{}.Decode(b)
	if err != nil || !d.Equal(deadline) || !maps.Equal(got, values) {
		t.Fatalf("decoded %v %v %v, want %v %v", d, got, err, deadline, values)
	}
	old, _ := scs.GobCodec{}.Encode(deadline, values)
	if d, got, err := (sessionCodec{}).Decode(old); err != nil || !d.Equal(deadline) || !maps.Equal(got, values) {
		t.Fatalf("gob session: %v %v %v", d, got, err)
	}
	if _, err := (sessionCodec{}).Encode(deadline, map[string]any{"when": time.Now()}); err == nil {
		t.Error("a time.Time was encoded")
	}
	// Cut short anywhere, data is refused or read as the values it still
	// holds whole (a cut on a value's boundary), never more, never a panic.
	for cut := len(sessionMagic); cut < len(b); cut++ {
		if _, part, err := (sessionCodec{}).Decode(b[:cut]); err == nil {
			for k, v := range part {
				if values[k] != v {
					t.Errorf("cut at %d: %s = %v", cut, k, v)
				}
			}
		}
	}
	if _, _, err := (sessionCodec{}).Decode(append(b[:len(b):len(b)], 3, 'k', 'e', 'y', 'x')); err == nil {
		t.Error("an unknown value type was read")
	}
}
