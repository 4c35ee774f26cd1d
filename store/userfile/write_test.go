package userfile_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
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

// splitEscaped reverses userfile's join: items separated by sep, "\" taking
// the next character literally.
func splitEscaped(cell string, sep byte) []string {
	if cell == "" {
		return nil
	}
	var out []string
	var cur []byte
	for i := 0; i < len(cell); i++ {
		switch c := cell[i]; {
		case c == '\\' && i+1 < len(cell):
			i++
			cur = append(cur, cell[i])
		case c == sep:
			out, cur = append(out, string(cur)), nil
		default:
			cur = append(cur, c)
		}
	}
	return append(out, string(cur))
}

func parseTime(t *testing.T, s string) *time.Time {
	if s == "" {
		return nil
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	if v.Location() != time.UTC {
		t.Errorf("time %q is not in UTC", s)
	}
	return &v
}

// readCSV reads a file the way an import does, by column name.
func readCSV(t *testing.T, b []byte) []userfile.Row {
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	var out []userfile.Row
	for _, rec := range recs[1:] {
		cell := map[string]string{}
		for i, h := range head {
			cell[h] = rec[i]
		}
		r := userfile.Row{Username: cell["username"], ExternalID: cell["external_id"], Email: cell["email"],
			EmailVerified: cell["email_verified"] == "true", DisplayName: cell["display_name"],
			Description: cell["description"], PhoneRegion: cell["phone_region"], PhoneNumber: cell["phone_number"],
			PhoneVerified: cell["phone_verified"] == "true", Status: cell["status"], UserType: cell["user_type"],
			Language: cell["language"], Timezone: cell["timezone"],
			AccountExpiresAt: parseTime(t, cell["account_expires_at"]), AutoLockAt: parseTime(t, cell["auto_lock_at"]),
			RequiredActions: splitEscaped(cell["required_actions"], '|'), OrgUnit: splitEscaped(cell["org_unit"], '/'),
			Groups: splitEscaped(cell["groups"], '|')}
		for _, h := range head {
			if k, ok := strings.CutPrefix(h, userfile.TagPrefix); ok && cell[h] != "" {
				if r.Tags == nil {
					r.Tags = map[string]string{}
				}
				r.Tags[k] = cell[h]
			}
			if k, ok := strings.CutPrefix(h, userfile.PropertyPrefix); ok && cell[h] != "" {
				if r.Properties == nil {
					r.Properties = map[string][]string{}
				}
				r.Properties[k] = []string{cell[h]}
				if k == "colours" {
					r.Properties[k] = splitEscaped(cell[h], '|')
				}
			}
		}
		out = append(out, r)
	}
	return out
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
	checkRoundTrip(t, readCSV(t, b), false)
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
	var got []userfile.Row
	for sc.Scan() {
		var j struct {
			Username         string            `json:"username"`
			ExternalID       string            `json:"external_id"`
			Email            string            `json:"email"`
			EmailVerified    bool              `json:"email_verified"`
			DisplayName      string            `json:"display_name"`
			Description      string            `json:"description"`
			PhoneRegion      string            `json:"phone_region"`
			PhoneNumber      string            `json:"phone_number"`
			PhoneVerified    bool              `json:"phone_verified"`
			Status           string            `json:"status"`
			UserType         string            `json:"user_type"`
			Language         string            `json:"language"`
			Timezone         string            `json:"timezone"`
			AccountExpiresAt *string           `json:"account_expires_at"`
			AutoLockAt       *string           `json:"auto_lock_at"`
			RequiredActions  []string          `json:"required_actions"`
			OrgUnit          string            `json:"org_unit"`
			Groups           []string          `json:"groups"`
			Tags             map[string]string `json:"tags"`
			Properties       map[string]any    `json:"properties"`
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&j); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		for _, c := range userfile.Columns {
			if _, ok := raw[c]; !ok {
				t.Errorf("line %q has no key %s", sc.Text(), c)
			}
		}
		r := userfile.Row{Username: j.Username, ExternalID: j.ExternalID, Email: j.Email, EmailVerified: j.EmailVerified,
			DisplayName: j.DisplayName, Description: j.Description, PhoneRegion: j.PhoneRegion, PhoneNumber: j.PhoneNumber,
			PhoneVerified: j.PhoneVerified, Status: j.Status, UserType: j.UserType, Language: j.Language,
			Timezone: j.Timezone, RequiredActions: j.RequiredActions, Groups: j.Groups}
		str := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		r.AccountExpiresAt, r.AutoLockAt = parseTime(t, str(j.AccountExpiresAt)), parseTime(t, str(j.AutoLockAt))
		r.OrgUnit = splitEscaped(j.OrgUnit, '/')
		if len(r.RequiredActions) == 0 {
			r.RequiredActions = nil
		}
		if len(r.Groups) == 0 {
			r.Groups = nil
		}
		if len(j.Tags) > 0 {
			r.Tags = j.Tags
		}
		for k, v := range j.Properties {
			if r.Properties == nil {
				r.Properties = map[string][]string{}
			}
			switch v := v.(type) {
			case []any:
				for _, it := range v {
					r.Properties[k] = append(r.Properties[k], it.(string))
				}
			case json.Number:
				r.Properties[k] = []string{v.String()}
			case bool:
				r.Properties[k] = []string{map[bool]string{true: "true", false: "false"}[v]}
			case string:
				r.Properties[k] = []string{v}
			default:
				t.Errorf("property %s: %T", k, v)
			}
		}
		got = append(got, r)
	}
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
