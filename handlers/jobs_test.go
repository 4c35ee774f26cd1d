package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"roster/store"
)

// mustCreateUsers adds n users named prefix-1 … prefix-n with a source type.
func mustCreateUsers(t *testing.T, st *store.Store, tenant int64, prefix, source string, n int) {
	t.Helper()
	for start := 0; start < n; start += store.MaxBatch {
		var batch []store.NewUser
		for i := start; i < min(start+store.MaxBatch, n); i++ {
			batch = append(batch, store.NewUser{Username: fmt.Sprintf("%s-%d", prefix, i+1), SourceType: source})
		}
		if res, err := st.CreateUsers(t.Context(), tenant, batch); err != nil || len(res.Failed) > 0 {
			t.Fatalf("CreateUsers(%s) = %v, %v", prefix, res.Failed, err)
		}
	}
}

func countUsers(t *testing.T, st *store.Store, tenant int64, f store.UserFilter) int {
	t.Helper()
	n, err := st.CountUsers(t.Context(), tenant, f)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitForJob polls a job's page until the job has ended.
func waitForJob(t *testing.T, b *browser, path string) response {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r := b.get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", path, r.StatusCode)
		}
		if !strings.Contains(r.body, `hx-trigger="every 1s"`) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job at %s did not end within 30 s", path)
		}
	}
}

// "Select all 2,000 matching" then Lock: the confirmation names the number
// and the filter, a stale number is refused, and the job it starts locks
// exactly the 2,000 users the filter matched, none of the tenant's others
// and nobody in another tenant, each audited as the administrator's.
func TestBulkActionOnAllMatchingUsersRunsAsAJob(t *testing.T) {
	a := newTestApp(t)
	mustCreateUsers(t, a.st, a.acme.ID, "hr", "hr", 2000)
	mustCreateUsers(t, a.st, a.acme.ID, "ldap", "ldap", 120)
	mustCreateUsers(t, a.st, a.other.ID, "hr", "hr", 30)
	b := a.browser(t)
	b.mustSignIn("owner-acme")

	wantPage(t, b.get("/users?source_type=hr"), http.StatusOK, "Select all 2,000 users matching this filter")
	form := url.Values{"action": {"lock"}, "return": {"?source_type=hr"}, "all_matching": {"true"}, "user_ids": {"u_1"}}
	wantPage(t, b.post("/users/bulk/confirm", form), http.StatusOK,
		"Lock all 2,000 users matching this filter?", "Filter: <strong>source type “hr”</strong>",
		`name="expect" value="2000"`)

	form.Set("expect", "1999")
	r := b.post("/users/bulk", form)
	wantPage(t, r, http.StatusUnprocessableEntity, "changed to 2000")
	if n := countUsers(t, a.st, a.acme.ID, store.UserFilter{Locked: ptr(true)}); n != 0 {
		t.Fatalf("a refused confirmation locked %d users", n)
	}

	form.Set("expect", "2000")
	r = b.post("/users/bulk", form)
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/jobs/job_") {
		t.Fatalf("POST /users/bulk (all matching) = %d to %q, want 303 to the job's page", r.StatusCode, r.Header.Get("Location"))
	}
	jobPath := r.Header.Get("Location")
	r = waitForJob(t, b, jobPath)
	wantPage(t, r, http.StatusOK, "Lock users matching source type “hr”", "Finished",
		`<progress id="job-bar" aria-labelledby="job-bar-label" value="2000" max="2000">`, "2,000 of 2,000 users", "<dd>2,000</dd>",
		`href="/users?source_type=hr"`)

	if n := countUsers(t, a.st, a.acme.ID, store.UserFilter{SourceType: "hr", Locked: ptr(true)}); n != 2000 {
		t.Errorf("%d hr users locked, want 2000", n)
	}
	if n := countUsers(t, a.st, a.acme.ID, store.UserFilter{SourceType: "ldap", Locked: ptr(true)}); n != 0 {
		t.Errorf("%d ldap users locked, want none", n)
	}
	if n := countUsers(t, a.st, a.other.ID, store.UserFilter{Locked: ptr(true)}); n != 0 {
		t.Errorf("%d users of the other tenant locked, want none", n)
	}
	ev, err := a.st.ListAuditEvents(t.Context(), a.acme.ID, store.AuditFilter{Action: "user.lock", Actor: "owner-acme"})
	if err != nil || ev.Total != 2000 {
		t.Errorf("lock events by owner-acme = %d (%v), want 2000", ev.Total, err)
	}

	// Polling an ended job gets its summary and no request to poll again.
	r = b.do("GET", jobPath, nil, map[string]string{"HX-Request": "true", "HX-Target": "job-progress"})
	wantPage(t, r, http.StatusOK, `id="job-progress"`, `<div id="job-cancel" hx-swap-oob="true"></div>`)
	if strings.Contains(r.body, "<html") || strings.Contains(r.body, "hx-trigger") {
		t.Errorf("the polled progress of an ended job is not a fragment that stops polling: %.500s", r.body)
	}
	wantPage(t, b.get("/jobs"), http.StatusOK, jobPath, "2,000 of 2,000")
	wantPage(t, b.post(jobPath+"/cancel", nil), http.StatusSeeOther)
	wantPage(t, b.get(jobPath), http.StatusOK, "The job had already ended.")

	other := a.browser(t)
	other.mustSignIn("owner-other")
	wantPage(t, other.get(jobPath), http.StatusNotFound)
	wantPage(t, other.post(jobPath+"/cancel", nil), http.StatusNotFound)
	if r := other.get("/jobs"); strings.Contains(r.body, jobPath) {
		t.Errorf("the other tenant's jobs list shows acme's job")
	}
}

// Removing every user matching asks for their number typed, as removing
// the ticked ones does; moving them asks for the unit.
func TestBulkJobConfirmationAsksWhatItNeeds(t *testing.T) {
	a := newTestApp(t)
	mustCreateUsers(t, a.st, a.acme.ID, "hr", "hr", 30)
	b := a.browser(t)
	b.mustSignIn("owner-acme")

	form := url.Values{"action": {"delete"}, "return": {"?source_type=hr"}, "all_matching": {"true"}, "expect": {"30"}, "confirm_count": {"3"}}
	wantPage(t, b.post("/users/bulk", form), http.StatusUnprocessableEntity, "Type 30, the number of users to remove.")
	form = url.Values{"action": {"move"}, "return": {"?source_type=hr"}, "all_matching": {"true"}, "expect": {"30"}}
	wantPage(t, b.post("/users/bulk", form), http.StatusUnprocessableEntity, "Choose the org unit to move them to.")
	form = url.Values{"action": {"lock"}, "return": {"?source_type=nobody"}, "all_matching": {"true"}}
	wantPage(t, b.post("/users/bulk/confirm", form), http.StatusOK, "No users match this filter")
	if l, _ := a.st.ListJobs(t.Context(), a.acme.ID, store.JobFilter{}); l.Total != 0 {
		t.Errorf("refused confirmations created %d jobs", l.Total)
	}

	form = url.Values{"action": {"delete"}, "return": {"?source_type=hr"}, "all_matching": {"true"}, "expect": {"30"}, "confirm_count": {"30"}}
	r := b.post("/users/bulk", form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /users/bulk (remove all matching) = %d, want 303: %.500s", r.StatusCode, r.body)
	}
	waitForJob(t, b, r.Header.Get("Location"))
	if n := countUsers(t, a.st, a.acme.ID, store.UserFilter{}); n != 0 {
		t.Errorf("%d users left, want none", n)
	}
}

func ptr[T any](v T) *T { return &v }
