package handlers_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// uploadImport posts a users' file to the console's import form, as a
// browser does (the CSRF token among the form's fields).
func (b *browser) uploadImport(file string) response {
	b.t.Helper()
	b.get("/users/import")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", b.csrf)
	mw.WriteField("source", "hr")
	fw, _ := mw.CreateFormFile("file", "people.csv")
	fw.Write([]byte(file))
	mw.Close()
	req, _ := http.NewRequest("POST", b.app.srv.URL+"/users/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return response{resp, string(raw)}
}

// awaitImportPage reads an import's page until its job has ended.
func (b *browser) awaitImportPage(path string) response {
	b.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r := b.get(path)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.body, "hx-trigger=\"every 1s\"") || time.Now().After(deadline) {
			return r
		}
	}
}

// The console imports a file with a dry run first: its page lists the row
// that would fail, with column and why, and Apply imports the file.
func TestConsoleImportDryRunThenApply(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	r := b.uploadImport("username,email\nada,ada@example.com\nbob,nope\n")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/imports/imp_") {
		t.Fatalf("upload = %d %s\n%s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	dryPath := r.Header.Get("Location")
	page := b.awaitImportPage(dryPath)
	for _, want := range []string{"Finished, 1 failed", "A dry run: nothing is changed.", "Would be created", "Enter an email address like name@example.com.", ">Apply</button>"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("dry run page lacks %q", want)
		}
	}
	r = b.post(dryPath+"/apply", nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") == dryPath {
		t.Fatalf("apply = %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	page = b.awaitImportPage(r.Header.Get("Location"))
	if !strings.Contains(page.body, "Finished, 1 failed") || strings.Contains(page.body, ">Apply</button>") {
		t.Errorf("applied import's page:\n%s", page.body)
	}
	if u := a.userNamed(t, "ada"); u.SourceID != "hr" {
		t.Errorf("ada = %+v", u)
	}

	other := a.browser(t)
	other.mustSignIn("owner-other")
	if r := other.get(dryPath); r.StatusCode != http.StatusNotFound {
		t.Errorf("the other tenant's owner reads acme's import: %d", r.StatusCode)
	}
}
