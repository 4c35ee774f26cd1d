package store

import (
	"encoding/json"
	"testing"
	"time"
)

func TestAppendChangesWritesWhatEncodingJSONWrites(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []Changes{
		nil,
		{},
		{"username": {After: "ada"}, "email_verified": {Before: false, After: true}, "org_unit_id": {Before: nil, After: "ou_1"}},
		{"display_name": {Before: `Ada "the" <Countess> & co\`, After: "Ada\tLovelace\n\u2028\x7f"}},
		{"description": {After: "Zoë, 東京, \xff bad byte, \b\f\x01"}},
		{"rows": {After: 42}, "size": {Before: int64(-7), After: int64(1 << 40)}, "ratio": {After: 0.5}},
		{"groups": {After: []string{"a", "b<"}}, "when": {After: when}, "tags": {After: map[string]string{"z": "1", "a": "2"}}},
		{"b": {After: "2"}, "a": {After: "1"}, "a<b": {After: "3"}},
	}
	for _, ch := range tests {
		want, err := json.Marshal(ch)
		if err != nil {
			t.Fatal(err)
		}
		if ch == nil {
			want = []byte("{}") // events.add writes no changes as an empty object
		}
		got, err := appendChanges(nil, ch)
		if err != nil || string(got) != string(want) {
			t.Errorf("appendChanges(%v) = %s, %v; want %s", ch, got, err, want)
		}
	}
}
