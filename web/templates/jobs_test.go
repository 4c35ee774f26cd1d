package templates

import (
	"strings"
	"testing"
	"time"

	"roster/store"
)

func render(t *testing.T, p JobProps) string {
	t.Helper()
	var b strings.Builder
	if err := JobProgress(p).Render(t.Context(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A running job's progress asks htmx for itself again every second and
// says how far, how fast and how long is left; an ended job's says what it
// did and asks no more, and the answer to a poll drops the cancel form.
func TestJobProgressPollsOnlyWhileTheJobRuns(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 10, 0, time.UTC)
	started := now.Add(-10 * time.Second)
	running := store.Job{ID: 7, Kind: "users.bulk", Status: store.JobRunning, Total: 20000, Done: 4990, Failed: 10, StartedAt: &started}

	html := render(t, JobProps{Job: running, Now: now, Poll: true})
	for _, want := range []string{`hx-get="/jobs/job_7"`, `hx-trigger="every 1s"`, `<label for="job-bar" id="job-bar-label">Progress</label>`,
		`<progress id="job-bar" aria-labelledby="job-bar-label" value="5000" max="20000">`, "5,000 of 20,000 users", "(25 %)", "500 users a second", "about 30 seconds left"} {
		if !strings.Contains(html, want) {
			t.Errorf("running job's progress lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "job-cancel") {
		t.Errorf("a running job's progress removes the cancel form:\n%s", html)
	}

	finished := now.Add(-2 * time.Second)
	ended := running
	ended.Status, ended.Done, ended.Failed, ended.FinishedAt = store.JobDone, 19990, 10, &finished
	ended.Failures = []store.JobFailure{{Item: "u_1", Name: "ada", Message: "ada has no email address."}}
	html = render(t, JobProps{Job: ended, Now: now, Poll: true})
	for _, want := range []string{"Finished, 10 failed", "20,000 of 20,000 users", "<dd>19,990</dd>", "8 seconds",
		"ada has no email address.", "The first 1 of 10", `<div id="job-cancel" hx-swap-oob="true"></div>`} {
		if !strings.Contains(html, want) {
			t.Errorf("ended job's progress lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "hx-trigger") {
		t.Errorf("an ended job's progress still polls:\n%s", html)
	}
}

// The users page names the jobs under way and links them and the jobs
// list; with none, it says nothing.
func TestActiveJobsLinksTheJobsUnderWay(t *testing.T) {
	var b strings.Builder
	j := store.Job{ID: 7, Kind: "users.bulk", Title: "Lock users matching status enabled", Status: store.JobRunning, Total: 2000, Done: 500}
	if err := ActiveJobs([]store.Job{j}).Render(t.Context(), &b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<a href="/jobs/job_7">Lock users matching status enabled</a>`, "Running, 500 of 2,000 (25 %)", `<a href="/jobs">All jobs</a>`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the jobs under way lack %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := ActiveJobs(nil).Render(t.Context(), &b); err != nil || b.Len() != 0 {
		t.Errorf("with no job under way, ActiveJobs = %q, %v, want nothing", b.String(), err)
	}
}
