package handlers_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// upload sends a users' file to POST /api/v1/imports, as the body or as a
// multipart form's "file" when multi is true, with the options as query
// fields.
func (a *testApp) upload(t *testing.T, key, query, file string, multi bool) (int, map[string]any) {
	t.Helper()
	body, ct := io.Reader(strings.NewReader(file)), "text/csv"
	if multi {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", "people.csv")
		fw.Write([]byte(file))
		mw.Close()
		body, ct = &b, mw.FormDataContentType()
	}
	req, _ := http.NewRequest("POST", a.srv.URL+"/api/v1/imports?"+query, body)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", ct)
	resp, err := contractClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("POST /imports: body is not JSON: %s", raw)
	}
	return resp.StatusCode, out
}

// awaitImport polls an import until its job has ended.
func (a *testApp) awaitImport(t *testing.T, key, id string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		status, _, imp := a.apiCall(t, "GET", "/api/v1/imports/"+id, key, "")
		if status != 200 {
			t.Fatalf("GET import = %d %v", status, imp)
		}
		if s := imp["status"]; s != "queued" && s != "running" || time.Now().After(deadline) {
			return imp
		}
	}
}

// An import posted to the API runs as a job: 202 at once, then its
// status, counts and errors by row and column, and a CSV error report.
// Viewer keys cannot import, and another tenant cannot see the import.
func TestImportsAPI(t *testing.T) {
	a := newUsersAPI(t)
	file := "username;email;display_name\nada;ada@example.com;Ada\nbob;not-an-email;Bob\ncyd;;Cyd\n"

	status, dry := a.upload(t, a.admin, "dry_run=true&source=hr", file, true)
	if status != 202 || dry["dry_run"] != true || dry["file_name"] != "people.csv" || dry["rows_total"] != float64(3) {
		t.Fatalf("POST dry run = %d %v", status, dry)
	}
	dry = a.awaitImport(t, a.admin, dry["id"].(string))
	counts := dry["counts"].(map[string]any)
	if dry["status"] != "done" || counts["created"] != float64(2) || counts["failed"] != float64(1) || dry["rows_done"] != float64(3) {
		t.Fatalf("dry run ended %v", dry)
	}
	errs := dry["errors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["row"] != float64(2) || errs[0].(map[string]any)["column"] != "email" {
		t.Errorf("dry run errors = %v", errs)
	}
	if _, _, l := a.apiCall(t, "GET", "/api/v1/users", a.admin, ""); l["total_count"] != float64(0) {
		t.Errorf("the dry run created users: %v", l)
	}

	status, applied := a.upload(t, a.admin, "source=hr", file, false)
	if status != 202 {
		t.Fatalf("POST import = %d %v", status, applied)
	}
	id := applied["id"].(string)
	applied = a.awaitImport(t, a.admin, id)
	if c := applied["counts"].(map[string]any); applied["status"] != "done" || c["created"] != float64(2) || c["failed"] != float64(1) {
		t.Fatalf("import ended %v", applied)
	}
	req, _ := http.NewRequest("GET", a.srv.URL+"/api/v1/imports/"+id+"/errors", nil)
	req.Header.Set("Authorization", "Bearer "+a.viewer)
	resp, err := contractClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	report, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := "row,column,username,message\n2,email,bob,Enter an email address like name@example.com.\n"
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || string(report) != want {
		t.Errorf("error report = %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), report)
	}

	if status, body := a.upload(t, a.viewer, "", file, false); status != 403 {
		t.Errorf("viewer import = %d %v", status, body)
	}
	if status, _, _ := a.apiCall(t, "GET", "/api/v1/imports/"+id, a.other, ""); status != 404 {
		t.Errorf("other tenant GET import = %d", status)
	}
	if status, body := a.upload(t, a.admin, "", "email\nx@example.com\n", false); status != 422 || !strings.Contains(errorString(body), "no username column") {
		t.Errorf("headerless file = %d %v", status, body)
	}
	if status, body := a.upload(t, a.admin, "sync=maybe", file, false); status != 400 {
		t.Errorf("sync=maybe = %d %v", status, body)
	}
}

func errorString(body map[string]any) string {
	_, msg, field := errorOf(body)
	return field + ": " + msg
}

// An option the import does not know, misspelt in the query or sent as a
// form field, is refused with 400 naming it, and nothing is imported.
func TestImportsAPIRefusesUnknownParameters(t *testing.T) {
	a := newUsersAPI(t)
	file := "username,email\nada,ada@example.com\n"
	if status, body := a.upload(t, a.admin, "source=hr&dryrun=true", file, false); status != 400 || !strings.HasPrefix(errorString(body), "dryrun: ") {
		t.Errorf("query dryrun = %d %v", status, body)
	}

	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", "people.csv")
	fw.Write([]byte(file))
	mw.WriteField("create_org_unit", "true")
	mw.Close()
	req, _ := http.NewRequest("POST", a.srv.URL+"/api/v1/imports", &b)
	req.Header.Set("Authorization", "Bearer "+a.admin)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := contractClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.HasPrefix(errorString(body), "create_org_unit: ") {
		t.Errorf("form field create_org_unit = %d %v", resp.StatusCode, body)
	}

	if _, _, l := a.apiCall(t, "GET", "/api/v1/users", a.admin, ""); l["total_count"] != float64(0) {
		t.Errorf("a refused import created users: %v", l)
	}
	if status, body := a.upload(t, a.admin, "source=hr&dry_run=true&sync=false&create_org_units=false&file_name=p.csv", file, false); status != 202 {
		t.Errorf("every known option = %d %v", status, body)
	}
}
