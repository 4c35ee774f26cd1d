package userfile_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"roster/store/userfile"
)

// nasty holds every character the format must carry through unharmed.
const nasty = `a|b\c"d;e,f` + "\ng\u00e9\U0001F600 "

var props = []userfile.Property{{Key: "colours", Type: "multiselect"}, {Key: "height", Type: "number"},
	{Key: "remote", Type: "boolean"}, {Key: "team", Type: "text"}}

func rows() []userfile.Row {
	exp := time.Date(2030, 1, 31, 12, 0, 0, 123_000_000, time.FixedZone("CET", 3600))
	lock := time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC)
	return []userfile.Row{
		{Username: "ada", ExternalID: nasty, Email: "ada@example.com", EmailVerified: true, DisplayName: nasty,
			Description: nasty, PhoneRegion: "44", PhoneNumber: "7700900000", PhoneVerified: true, Status: "enabled",
			UserType: "user", Language: "en", Timezone: "Europe/London", AccountExpiresAt: &exp, AutoLockAt: &lock,
			RequiredActions: []string{"update_password", "verify_email"},
			OrgUnit:         []string{"Sales", `EMEA/UK\North`, "Z|"}, Groups: []string{nasty, `\`, `|`, "plain"},
			Tags: map[string]string{"cost:centre": nasty, "empty": ""},
			Properties: map[string][]string{"colours": {"red|blue", `back\slash`, "green"}, "height": {"1.85"},
				"remote": {"true"}, "team": {nasty}}},
		// Every optional field empty: cells empty, lists and maps empty.
		{Username: "bob", Status: "disabled", UserType: "api_user"},
	}
}

// readBack reads a written file with the import's reader, empty lists
// and maps as nil (a file does not tell them apart).
func readBack(t *testing.T, b []byte) []userfile.Row {
	t.Helper()
	rd, err := userfile.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out []userfile.Row
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("row %d: %v", rec.Row, err)
		}
		r := rec.User
		if len(r.RequiredActions) == 0 {
			r.RequiredActions = nil
		}
		if len(r.OrgUnit) == 0 {
			r.OrgUnit = nil
		}
		if len(r.Groups) == 0 {
			r.Groups = nil
		}
		if len(r.Tags) == 0 {
			r.Tags = nil
		}
		if len(r.Properties) == 0 {
			r.Properties = nil
		}
		out = append(out, r)
	}
}

func write(t *testing.T, format string, tags []string) []byte {
	var buf bytes.Buffer
	w, err := userfile.NewWriter(&buf, format, tags, props)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows() {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

func checkRoundTrip(t *testing.T, got []userfile.Row, keepEmptyTag bool) {
	t.Helper()
	want := rows()
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if !keepEmptyTag {
			// A CSV cell cannot tell an empty tag value from no tag.
			delete(w.Tags, "empty")
		}
		if !sameTime(w.AccountExpiresAt, g.AccountExpiresAt) || !sameTime(w.AutoLockAt, g.AutoLockAt) {
			t.Errorf("row %d: times %v %v, want %v %v", i, g.AccountExpiresAt, g.AutoLockAt, w.AccountExpiresAt, w.AutoLockAt)
		}
		w.AccountExpiresAt, w.AutoLockAt, g.AccountExpiresAt, g.AutoLockAt = nil, nil, nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Errorf("row %d read back as\n%#v\nwant\n%#v", i, g, w)
		}
	}
}

func TestCSVHeaderIsColumnsThenTagsThenProperties(t *testing.T) {
	b := write(t, userfile.FormatCSV, []string{"cost:centre", "empty"})
	head, _, _ := strings.Cut(string(b), "\n")
	want := strings.Join(userfile.Columns, ",") + ",tag:cost:centre,tag:empty,property:colours,property:height,property:remote,property:team"
	if head != want {
		t.Errorf("header\n%s\nwant\n%s", head, want)
	}
}

func TestCSVRoundTripsNastyValues(t *testing.T) {
	b := write(t, userfile.FormatCSV, []string{"cost:centre", "empty"})
	checkRoundTrip(t, readBack(t, b), false)
	// Times are UTC, with the milliseconds they have and no more.
	if !strings.Contains(string(b), ",2030-01-31T11:00:00.123Z,2031-06-01T00:00:00Z,") {
		t.Errorf("times not in RFC 3339 UTC:\n%s", b)
	}
	// Empty lists, no unit and absent values are empty cells; booleans are words.
	if !strings.Contains(string(b), "\nbob,,,false,,,,,false,disabled,api_user,,,,,,,,,,,,,\n") {
		t.Errorf("an empty row is not all empty cells:\n%s", b)
	}
}

func TestJSONLinesRoundTripsNastyValues(t *testing.T) {
	b := write(t, userfile.FormatJSONL, nil)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		for _, c := range userfile.Columns {
			if _, ok := raw[c]; !ok {
				t.Errorf("line %q has no key %s", sc.Text(), c)
			}
		}
	}
	got := readBack(t, b)
	checkRoundTrip(t, got, true)
	// Typed values: a number is a number, a boolean a boolean, a multiselect a list.
	if !strings.Contains(string(b), `"height":1.85`) || !strings.Contains(string(b), `"remote":true`) ||
		!strings.Contains(string(b), `"colours":["red|blue","back\\slash","green"]`) {
		t.Errorf("properties not typed:\n%s", b)
	}
	if !strings.Contains(string(b), `"required_actions":[],"org_unit":"","groups":[],"tags":{},"properties":{}`) {
		t.Errorf("empty lists are not empty arrays:\n%s", b)
	}
}

func TestUnknownFormatIsRefused(t *testing.T) {
	if _, err := userfile.NewWriter(&bytes.Buffer{}, "xlsx", nil, nil); err == nil {
		t.Error("xlsx accepted")
	}
}

func TestJoinEscapesSeparatorAndBackslash(t *testing.T) {
	for _, c := range []struct {
		items []string
		list  string
		path  string
	}{
		{nil, "", ""},
		{[]string{"a"}, "a", "a"},
		{[]string{"a|b", "c"}, `a\|b|c`, `a|b/c`},
		{[]string{`a\`, "b/c"}, `a\\|b/c`, `a\\/b\/c`},
	} {
		if got := userfile.JoinList(c.items); got != c.list {
			t.Errorf("JoinList(%q) = %q, want %q", c.items, got, c.list)
		}
		if got := userfile.JoinPath(c.items); got != c.path {
			t.Errorf("JoinPath(%q) = %q, want %q", c.items, got, c.path)
		}
	}
}
