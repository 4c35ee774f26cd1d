package userfile

import (
	"bytes"
	"io"
	"reflect"
	"testing"
	"time"
)

// What an export writes, an import reads back as the same users, in both
// formats: escaped list items and unit names, times, booleans, tags and
// property values.
func TestExportedRowsReadBackUnchanged(t *testing.T) {
	at := time.Date(2031, 5, 1, 9, 30, 0, 0, time.UTC)
	rows := []Row{
		{Username: "ada", ExternalID: "x-1", Email: "ada@example.com", EmailVerified: true, DisplayName: `Ada "Countess" Lovelace; née Byron`,
			Description: "line one\nline two, with a comma", PhoneRegion: "44", PhoneNumber: "2071234567", PhoneVerified: true,
			Status: "enabled", UserType: "user", Language: "en-GB", Timezone: "Europe/London", AccountExpiresAt: &at, AutoLockAt: &at,
			RequiredActions: []string{"update_password"}, OrgUnit: []string{"Sales", "EMEA/APAC", `Back\slash`},
			Groups: []string{"a|b", "Ops"}, Tags: map[string]string{"team": "blue|green"},
			Properties: map[string][]string{"skills": {"go", "sql|pg"}, "level": {"3"}}},
		{Username: "bob", Status: "disabled", UserType: "api_user", Tags: map[string]string{}, Properties: map[string][]string{}},
	}
	props := []Property{{Key: "level", Type: "number"}, {Key: "skills", Type: "multiselect"}}
	for _, format := range []string{FormatCSV, FormatJSONL} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, format, []string{"team"}, props)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		rd, err := NewReader(&buf)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		for i, want := range rows {
			rec, err := rd.Next()
			if err != nil {
				t.Fatalf("%s row %d: %v", format, i+1, err)
			}
			got := rec.User
			normalize(&got)
			normalize(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s row %d read back as\n%+v\nwant\n%+v", format, i+1, got, want)
			}
		}
		if _, err := rd.Next(); err != io.EOF {
			t.Errorf("%s: after the last row: %v", format, err)
		}
	}
}

// normalize makes empty lists and maps nil: a file does not tell them
// apart, and neither does a user.
func normalize(r *Row) {
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
}
