package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
)

// consoleWatch collects what a page reports as broken while a test drives
// it: console errors (where Chromium also logs what the CSP refuses and
// every load that failed) and uncaught exceptions. newPage fails the test
// on them when it ends: a style the CSP blocks or a script that throws
// changes what a person sees even when the text a test looks for is there.
type consoleWatch struct {
	page playwright.Page
	mu   sync.Mutex
	seen []seenError
	// answered counts, by "status url", the 4xx responses the console
	// may log as failed loads although Roster meant them (see expected).
	answered map[string]int
}

// seenError is one problem, in the order the page reported it. A failed
// load also carries its "status url", to be matched at the end against
// the responses: the response may reach the test before or after it.
type seenError struct {
	problem, load string
}

var failedLoadRE = regexp.MustCompile(`^Failed to load resource: the server responded with a status of (\d{3})\b`)

// watchConsole starts watching page; call it before the first navigation.
func watchConsole(page playwright.Page) *consoleWatch {
	w := &consoleWatch{page: page, answered: map[string]int{}}
	page.OnConsole(func(m playwright.ConsoleMessage) {
		if m.Type() != "error" {
			return
		}
		at := ""
		if loc := m.Location(); loc != nil && loc.URL != "" {
			at = fmt.Sprintf(" (at %s:%d)", loc.URL, loc.LineNumber+1)
		}
		e := seenError{problem: fmt.Sprintf("console error on %s: %s%s", page.URL(), m.Text(), at)}
		if s := failedLoadRE.FindStringSubmatch(m.Text()); s != nil && m.Location() != nil {
			e.load = s[1] + " " + m.Location().URL
		}
		w.add(e)
	})
	page.OnPageError(func(err error) {
		w.add(seenError{problem: fmt.Sprintf("uncaught exception on %s: %v", page.URL(), err)})
	})
	page.OnResponse(func(r playwright.Response) {
		if w.expected(r) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.answered[fmt.Sprintf("%d %s", r.Status(), r.URL())]++
		}
	})
	return w
}

// expected tells the 4xx answers Roster gives on purpose, which Chromium
// still logs as "Failed to load resource":
//   - a page the browser navigated to, answering 4xx: a wrong password
//     (401), a form with errors (422), a used link (410). The person sees
//     the page the server meant, and the test checks what it says.
//   - htmx's request answering 422: the htmx-config swaps 422 so a form
//     re-renders with its errors in place.
//
// Nothing else is: a stylesheet, script or icon that fails to load, or an
// htmx request answering any other error (htmx does not swap those, so the
// page silently stays as it was), is a defect.
func (w *consoleWatch) expected(r playwright.Response) bool {
	req := r.Request()
	switch status := r.Status(); {
	case status < 400 || status > 499:
		return false
	case req.IsNavigationRequest():
		return req.Frame() != nil && req.Frame() == w.page.MainFrame()
	case status == 422:
		return req.Headers()["hx-request"] == "true"
	}
	return false
}

func (w *consoleWatch) add(e seenError) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, e)
}

// count is how many console errors and exceptions the page reported.
func (w *consoleWatch) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seen)
}

// unexpected returns every problem seen so far, in order, leaving out the
// failed loads that match an expected answer (status and URL, once for
// each answer).
func (w *consoleWatch) unexpected() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	left := make(map[string]int, len(w.answered))
	for k, n := range w.answered {
		left[k] = n
	}
	var problems []string
	for _, e := range w.seen {
		if e.load != "" && left[e.load] > 0 {
			left[e.load]--
			continue
		}
		problems = append(problems, e.problem)
	}
	return problems
}

// report fails the test with every unexpected problem.
func (w *consoleWatch) report(t *testing.T) {
	t.Helper()
	for _, p := range w.unexpected() {
		t.Error(p)
	}
}

// The watch every test runs under notices what the CSP refuses, a
// stylesheet that fails to load and an uncaught exception, and lets pass
// the 4xx pages Roster answers by design.
func TestEveryPageIsWatchedForConsoleErrors(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	ctx, err := browser.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ctx.Close() })
	page, err := ctx.NewPage()
	if err != nil {
		t.Fatal(err)
	}
	w := watchConsole(page)
	// Console messages reach the test a moment after the page logs them.
	waitFor := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); w.count() < n; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the page reported %d console errors, want %d", w.count(), n)
			}
		}
	}

	// A wrong password answers 401 with the sign-in page: Chromium logs it
	// as a failed load, and the watch knows the page was meant.
	if _, err := page.Goto(a.URL + "/login"); err != nil {
		t.Fatal(err)
	}
	fill(t, page.GetByLabel("Username"), "admin")
	fill(t, page.GetByLabel("Password"), "not the password")
	click(t, role(page, "button", "Sign in"))
	mustSee(t, page.GetByText("Invalid username or password."), "the refusal")
	waitFor(1)
	if got := w.unexpected(); len(got) != 0 {
		t.Fatalf("after a refused sign-in, problems = %q, want none", got)
	}

	cases := []struct {
		name, script, want string
	}{
		{"inline style", `document.body.setAttribute("style", "color: red")`, "Content Security Policy"},
		{"missing stylesheet", `document.head.insertAdjacentHTML("beforeend", '<link rel="stylesheet" href="/static/css/missing.css">')`,
			"missing.css"},
		{"uncaught exception", `setTimeout(() => { throw new Error("boom") })`, "uncaught exception"},
	}
	for _, c := range cases {
		before, seen := len(w.unexpected()), w.count()
		if _, err := page.Evaluate(c.script); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		waitFor(seen + 1)
		got := w.unexpected()[before:]
		if len(got) == 0 || !strings.Contains(got[0], c.want) {
			t.Errorf("%s: new problems = %q, want one containing %q", c.name, got, c.want)
		}
	}
}
