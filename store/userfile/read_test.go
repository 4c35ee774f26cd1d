package userfile_test

import (
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"roster/store/userfile"
)

// readAll reads every row of a file, and the errors of the rows that had
// some.
func readAll(t *testing.T, file string) ([]userfile.Record, []userfile.RowError) {
	t.Helper()
	r, err := userfile.NewReader(strings.NewReader(file))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var recs []userfile.Record
	var errs []userfile.RowError
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return recs, errs
		}
		var re userfile.RowErrors
		if errors.As(err, &re) {
			errs = append(errs, re...)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		recs = append(recs, rec)
	}
}

func TestReadCSVWithBOMAndSemicolons(t *testing.T) {
	file := "\ufeffusername;email_verified;groups;org_unit;tag:team;property:skills;account_expires_at\r\n" +
		"ada;true;Eng|Ops\\|Night;Sales/EMEA/Berlin;core;go|sql;2030-01-02T03:04:05Z\r\n" +
		"\r\n" +
		"bob;;;;;;\r\n"
	recs, errs := readAll(t, file)
	if len(errs) > 0 || len(recs) != 2 {
		t.Fatalf("rows %d, errors %v; want 2 rows, no errors", len(recs), errs)
	}
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	want := userfile.Row{Username: "ada", EmailVerified: true, Groups: []string{"Eng", "Ops|Night"},
		OrgUnit: []string{"Sales", "EMEA", "Berlin"}, Tags: map[string]string{"team": "core"},
		Properties: map[string][]string{"skills": {"go", "sql"}}, AccountExpiresAt: &exp}
	if !reflect.DeepEqual(recs[0].User, want) {
		t.Errorf("row 1 = %+v, want %+v", recs[0].User, want)
	}
	// Empty cells are no value: the columns are there, so they clear.
	if b := recs[1]; b.Row != 2 || b.User.Username != "bob" || len(b.User.Tags) != 0 || b.User.Groups != nil || !b.Has("tag:team") || !b.Has(userfile.ColGroups) {
		t.Errorf("row 2 = %+v", b)
	}
	if recs[1].Has(userfile.ColEmail) {
		t.Error("row 2 has an email column the file lacks")
	}
}

func TestReadCSVRowErrors(t *testing.T) {
	file := "username,email_verified,account_expires_at,org_unit\n" +
		"ada,yes,tomorrow,Sales//Berlin\n" +
		",false,,\n" +
		"carl,true\n" +
		"dora,false,,Sales\n"
	recs, errs := readAll(t, file)
	want := []userfile.RowError{
		{Row: 1, Column: "email_verified", Message: "Must be true or false."},
		{Row: 1, Column: "account_expires_at", Message: "Must be a time in RFC 3339 form, such as 2027-01-31T18:00:00Z."},
		{Row: 1, Column: "org_unit", Message: "An org unit path names units from the top down, separated by \"/\", none of them empty."},
		{Row: 2, Column: "username", Message: "Every row needs a username."},
		{Row: 3, Message: "The row has 2 cells; the header row has 4 columns."},
	}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("errors:\n%v\nwant\n%v", errs, want)
	}
	if len(recs) != 1 || recs[0].Row != 4 || recs[0].User.Username != "dora" {
		t.Errorf("rows = %+v, want dora as row 4", recs)
	}
}

func TestReadBadHeader(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"", "empty"},
		{"email\nada@example.com\n", "no username column"},
		{"username,shoe_size\n", `"shoe_size": not a column`},
		{"username,email,email\n", `"email" appears twice`},
	} {
		_, err := userfile.NewReader(strings.NewReader(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one saying %q", c.file, err, c.want)
		}
	}
}

func TestReadJSONLines(t *testing.T) {
	file := `{"username":"ada","email_verified":true,"groups":["Eng"],"org_unit":"Sales/EMEA","tags":{"team":"core","old":null},"properties":{"skills":["go","sql"],"level":3,"remote":true}}` + "\n" +
		"\n" +
		`{"username":"bob","phone_verified":"maybe","shoe_size":44}` + "\n" +
		`not json` + "\n" +
		`{"email":"x@example.com"}`
	recs, errs := readAll(t, file)
	wantErrs := []userfile.RowError{
		{Row: 2, Column: "phone_verified", Message: "Must be true or false."},
		{Row: 2, Column: "shoe_size", Message: "Not a column of the users' file."},
		{Row: 3, Message: "The line is not a JSON object."},
		{Row: 4, Column: "username", Message: "Every row needs a username."},
	}
	if !reflect.DeepEqual(errs, wantErrs) {
		t.Errorf("errors:\n%v\nwant\n%v", errs, wantErrs)
	}
	if len(recs) != 1 {
		t.Fatalf("rows = %+v", recs)
	}
	a := recs[0]
	want := userfile.Row{Username: "ada", EmailVerified: true, Groups: []string{"Eng"}, OrgUnit: []string{"Sales", "EMEA"},
		Tags:       map[string]string{"team": "core"},
		Properties: map[string][]string{"skills": {"go", "sql"}, "level": {"3"}, "remote": {"true"}}}
	if !reflect.DeepEqual(a.User, want) {
		t.Errorf("ada = %+v, want %+v", a.User, want)
	}
	for _, col := range []string{"username", "tag:team", "tag:old", "property:level", "groups"} {
		if !a.Has(col) {
			t.Errorf("ada lacks column %s", col)
		}
	}
	if a.Has("email") {
		t.Error("ada has an email column her line lacks")
	}
}

func TestReadLongJSONLine(t *testing.T) {
	file := `{"username":"ada","description":"` + strings.Repeat("x", userfile.MaxLine) + `"}` + "\n" + `{"username":"bob"}` + "\n"
	recs, errs := readAll(t, file)
	if len(errs) != 1 || errs[0].Row != 1 || len(recs) != 1 || recs[0].User.Username != "bob" {
		t.Errorf("rows %+v, errors %v; want row 1 refused as too long and bob read", len(recs), errs)
	}
}

func TestReadExampleFile(t *testing.T) {
	b, err := os.ReadFile("testdata/example.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, errs := readAll(t, string(b))
	if len(errs) > 0 || len(recs) != 3 || recs[2].User.DisplayName != "Johnson, Katherine" {
		t.Errorf("example: %d rows, errors %v", len(recs), errs)
	}
}
