package handlers_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"roster/store"
	"roster/store/userfile"
)

// exportCall GETs an export and returns its status, headers and body.
func (a *usersAPI) exportCall(t *testing.T, query, key string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", a.srv.URL+"/api/v1/users/export?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := contractClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("export %s: body cut short: %v", query, err)
	}
	return resp.StatusCode, resp.Header, body
}

// csvUsernames reads an exported CSV file's username column, checking its
// header.
func csvUsernames(t *testing.T, body []byte) ([]string, []map[string]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("not CSV (%v): %s", err, body)
	}
	head := recs[0]
	if !slices.Equal(head[:len(userfile.Columns)], userfile.Columns) {
		t.Fatalf("header %v", head)
	}
	var names []string
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range head {
			row[h] = rec[i]
		}
		names, rows = append(names, row["username"]), append(rows, row)
	}
	return names, rows
}

// GET /users/export streams every user the users list's filters keep, as
// CSV or JSON Lines, to viewer keys too; a bad filter is a 400 naming the
// parameter; another tenant's users never appear.
func TestUsersExportAPI(t *testing.T) {
	a := newUsersAPI(t)
	ctx := t.Context()
	a.mustCreate(t, `{"username":"ada","email":"ada@example.com","display_name":"Ada, \"the\" Countess",
		"tags":{"team":"engines|rails"},"account_expires_at":"2030-01-01T10:00:00+02:00"}`)
	a.mustCreate(t, `{"username":"bob","status":"disabled","tags":{"zone":"b"}}`)
	group, err := a.st.CreateGroup(ctx, a.acme.ID, "Night shift", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "cyd", Groups: []int64{group.ID}}); err != nil {
		t.Fatal(err)
	}
	// The same usernames and one more in the other tenant.
	for _, n := range []string{"ada", "bob", "eve"} {
		if _, err := a.st.CreateUser(ctx, a.testApp.other.ID, store.NewUser{Username: n, Tags: map[string]string{"secret": "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	theirs, err := a.st.CreateGroup(ctx, a.testApp.other.ID, "Theirs", "")
	if err != nil {
		t.Fatal(err)
	}

	status, h, body := a.exportCall(t, "", a.viewer)
	if status != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), `attachment; filename="users-`) || !strings.HasSuffix(h.Get("Content-Disposition"), `.csv"`) {
		t.Fatalf("export = %d %v", status, h)
	}
	names, rows := csvUsernames(t, body)
	if !slices.Equal(names, []string{"ada", "bob", "cyd"}) {
		t.Errorf("exported %v", names)
	}
	head, _, _ := strings.Cut(string(body), "\n")
	if !strings.HasSuffix(head, ",groups,tag:team,tag:zone") {
		t.Errorf("header %s: want the tenant's tag keys, and only its", head)
	}
	if r := rows[0]; r["display_name"] != `Ada, "the" Countess` || r["tag:team"] != "engines|rails" ||
		r["account_expires_at"] != "2030-01-01T08:00:00Z" || r["email_verified"] != "false" || r["org_unit"] != "" {
		t.Errorf("ada = %v", r)
	}

	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"status=disabled", []string{"bob"}},
		{"group_id=" + group.PublicID(), []string{"cyd"}},
		{"q=ada", []string{"ada"}},
		{"tag=zone", []string{"bob"}},
		{"sort=-username", []string{"cyd", "bob", "ada"}},
		{"username_prefix=zz", nil},
	} {
		status, _, body := a.exportCall(t, tt.query, a.viewer)
		if names, _ := csvUsernames(t, body); status != 200 || !slices.Equal(names, tt.want) {
			t.Errorf("%s: %d %v, want %v", tt.query, status, names, tt.want)
		}
	}
	if _, rows := csvUsernames(t, a.exportBody(t, "group_id="+group.PublicID())); len(rows) != 1 || rows[0]["groups"] != "Night shift" {
		t.Errorf("cyd's row in its group's export: %v", rows)
	}

	status, h, body = a.exportCall(t, "format=jsonl&status=disabled", a.viewer)
	if status != 200 || h.Get("Content-Type") != "application/x-ndjson" || !strings.HasSuffix(h.Get("Content-Disposition"), `.jsonl"`) {
		t.Fatalf("jsonl export = %d %v", status, h)
	}
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSuffix(body, []byte("\n")), &line); err != nil || line["username"] != "bob" ||
		fmt.Sprint(line["tags"]) != "map[zone:b]" || line["groups"] == nil || !bytes.HasSuffix(body, []byte("\n")) {
		t.Errorf("jsonl = %s (%v)", body, err)
	}

	for _, tt := range []struct{ query, field string }{
		{"status=gone", "status"},
		{"format=xlsx", "format"},
		{"group_id=" + theirs.PublicID(), "group_id"},
		{"org_unit_id=ou_zz", "org_unit_id"},
		{"property=nope:1", "property"},
		{"page_size=10", "page_size"},
		{"next_token=abc", "next_token"},
		{"colour=red", "colour"},
	} {
		status, h, body := a.exportCall(t, tt.query, a.viewer)
		var e map[string]any
		_ = json.Unmarshal(body, &e)
		if _, _, field := errorOf(e); status != 400 || field != tt.field || h.Get("Content-Disposition") != "" {
			t.Errorf("%s = %d %s %v, want 400 on %s", tt.query, status, body, h, tt.field)
		}
	}
	if status, _, _ := a.exportCall(t, "", "not-a-key"); status != 401 {
		t.Errorf("without a key: %d", status)
	}
	// The other tenant's key sees only its own users.
	_, _, body = a.exportCall(t, "", a.other)
	if names, _ := csvUsernames(t, body); !slices.Equal(names, []string{"ada", "bob", "eve"}) {
		t.Errorf("other tenant exported %v", names)
	}
}

func (a *usersAPI) exportBody(t *testing.T, query string) []byte {
	t.Helper()
	_, _, body := a.exportCall(t, query, a.viewer)
	return body
}

// An export longer than a page arrives whole, every line complete, in
// username order.
func TestUsersExportAPIStreamsManyPages(t *testing.T) {
	a := newUsersAPI(t)
	n := a.st.ExportPageSize() + 250
	for start := 0; start < n; start += store.MaxBatch {
		var batch []store.NewUser
		for i := start; i < min(start+store.MaxBatch, n); i++ {
			batch = append(batch, store.NewUser{Username: fmt.Sprintf("u%05d", i)})
		}
		if res, err := a.st.CreateUsers(t.Context(), a.acme.ID, batch); err != nil || len(res.Failed) > 0 {
			t.Fatal(res.Failed, err)
		}
	}
	status, _, body := a.exportCall(t, "format=jsonl", a.viewer)
	if status != 200 {
		t.Fatal(status)
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	i := 0
	for ; sc.Scan(); i++ {
		var u map[string]any
		if err := json.Unmarshal(sc.Bytes(), &u); err != nil || u["username"] != fmt.Sprintf("u%05d", i) {
			t.Fatalf("line %d: %s (%v)", i, sc.Text(), err)
		}
	}
	if i != n {
		t.Errorf("%d lines, want %d", i, n)
	}
}
