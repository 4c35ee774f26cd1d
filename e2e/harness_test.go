// Package e2e drives the real roster binary in Debian's Chromium through
// playwright-go, as an administrator or end user would, using roles and
// labels. Run `make e2e-setup` once (make test does it).
package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
)

var (
	binary   string             // the roster binary built for this run
	browser  playwright.Browser // one Chromium for every test; each test gets its own context
	axeJS    string             // axe-core, injected into every page a test visits
	skipWhy  string             // set when e2e cannot run outside make test
	required = os.Getenv("ROSTER_E2E_REQUIRED") == "1"
)

const setupHint = "run `make e2e-setup` (installs Debian's chromium and the Playwright driver) and use `make test`"

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	cleanup, err := setup()
	defer cleanup()
	if err != nil {
		if required {
			fmt.Fprintf(os.Stderr, "e2e: FAIL: %v\n%s\n", err, setupHint)
			return 1
		}
		skipWhy = fmt.Sprintf("e2e skipped outside make test (ROSTER_E2E_REQUIRED unset, where this fails instead): %v (%s)", err, setupHint)
	}
	return m.Run()
}

// setup builds the binary, starts the Playwright driver and Chromium.
func setup() (func(), error) {
	var undo []func()
	cleanup := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	driver := os.Getenv("PLAYWRIGHT_DRIVER_PATH")
	if driver == "" {
		driver = filepath.Join("..", ".cache", "pwdriver")
	}
	driver, _ = filepath.Abs(driver)
	if _, err := os.Stat(filepath.Join(driver, "package", "cli.js")); err != nil {
		return cleanup, fmt.Errorf("Playwright driver not found in %s", driver)
	}
	chromium := os.Getenv("CHROMIUM_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		return cleanup, fmt.Errorf("chromium not found at %s", chromium)
	}
	axe, err := os.ReadFile(filepath.Join(driver, "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		return cleanup, fmt.Errorf("axe-core not found in the driver folder: %v", err)
	}
	axeJS = string(axe)

	dir, err := os.MkdirTemp("", "roster-e2e-")
	if err != nil {
		return cleanup, err
	}
	undo = append(undo, func() { os.RemoveAll(dir) })
	binary = filepath.Join(dir, "roster")
	build := exec.Command("go", "build", "-o", binary, "../cmd/roster")
	if out, err := build.CombinedOutput(); err != nil {
		return cleanup, fmt.Errorf("building roster: %v\n%s", err, out)
	}

	pw, err := playwright.Run(&playwright.RunOptions{DriverDirectory: driver, SkipInstallBrowsers: true,
		Stdout: os.Stderr})
	if err != nil {
		return cleanup, fmt.Errorf("starting the Playwright driver: %v", err)
	}
	undo = append(undo, func() { _ = pw.Stop() })
	browser, err = pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath: playwright.String(chromium),
		Headless:       playwright.Bool(true),
		// The machine has no network: keep Chromium from trying to phone home.
		Args: []string{"--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync"},
	})
	if err != nil {
		return cleanup, fmt.Errorf("launching chromium: %v", err)
	}
	undo = append(undo, func() { _ = browser.Close() })
	return cleanup, nil
}

// app is a running roster server.
type app struct {
	URL           string
	DB            string
	OwnerPassword string // printed once at first start
}

var (
	listenRE = regexp.MustCompile(`msg="roster listening" addr=(\S+)`)
	ownerRE  = regexp.MustCompile(`first owner: username=admin password=(\S+?)"`)
)

// startRoster runs the binary on a free loopback port with a fresh database
// (and any extra serve flags) and waits until it serves; it is stopped with
// SIGTERM when the test ends.
func startRoster(t *testing.T, flags ...string) *app {
	t.Helper()
	return launchRoster(t, filepath.Join(t.TempDir(), "roster.db"), flags...).wait(t)
}

// launched is a roster process started and not yet known to serve.
type launched struct {
	a     *app
	ready chan struct{}
	mu    *sync.Mutex
	log   *strings.Builder
}

// launchRoster starts the binary on db (a file or a postgres:// URL)
// without waiting for it, so that several can start together.
func launchRoster(t *testing.T, db string, flags ...string) launched {
	t.Helper()
	if skipWhy != "" {
		t.Skip(skipWhy)
	}
	a := &app{DB: db}
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", a.DB}, flags...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting roster: %v", err)
	}
	l := launched{a: a, ready: make(chan struct{}), mu: &sync.Mutex{}, log: &strings.Builder{}}
	go func() {
		sc := bufio.NewScanner(stderr)
		closed := false
		for sc.Scan() {
			line := sc.Text()
			l.mu.Lock()
			l.log.WriteString(line + "\n")
			if m := ownerRE.FindStringSubmatch(line); m != nil {
				a.OwnerPassword = m[1]
			}
			if m := listenRE.FindStringSubmatch(line); m != nil && !closed {
				a.URL = m[1]
				closed = true
				close(l.ready)
			}
			l.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("roster did not exit cleanly: %v", err)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("roster did not stop within 10s of SIGTERM")
		}
		if t.Failed() {
			l.mu.Lock()
			t.Logf("roster log (%s):\n%s", a.URL, l.log.String())
			l.mu.Unlock()
		}
	})
	return l
}

// wait returns the app once it serves.
func (l launched) wait(t *testing.T) *app {
	t.Helper()
	select {
	case <-l.ready:
	case <-time.After(20 * time.Second):
		l.mu.Lock()
		defer l.mu.Unlock()
		t.Fatalf("roster did not start:\n%s", l.log.String())
	}
	if resp, err := http.Get(l.a.URL + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %v", err)
	}
	return l.a
}

// newPage opens a page in a fresh browser context (its own cookies). The
// test fails on any console error, CSP violation or uncaught exception on
// the page (see consoleWatch). On failure a screenshot and the page's HTML
// are saved under e2e/artifacts.
func newPage(t *testing.T) playwright.Page {
	t.Helper()
	return newPageWith(t, playwright.BrowserNewContextOptions{})
}

// newPageWith is newPage in a context with opts: a viewport, a colour
// scheme. Locale and time zone default to newPage's, so dates read alike.
func newPageWith(t *testing.T, opts playwright.BrowserNewContextOptions) playwright.Page {
	t.Helper()
	if opts.Locale == nil {
		opts.Locale = playwright.String("en-GB")
	}
	if opts.TimezoneId == nil {
		opts.TimezoneId = playwright.String("UTC")
	}
	// Reduced motion: Pico then drops its transitions, which a screenshot
	// or axe's contrast check would catch halfway between two colours.
	if opts.ReducedMotion == nil {
		opts.ReducedMotion = playwright.ReducedMotionReduce
	}
	ctx, err := browser.NewContext(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx.SetDefaultTimeout(10000)
	page, err := ctx.NewPage()
	if err != nil {
		t.Fatal(err)
	}
	watch := watchConsole(page)
	t.Cleanup(func() {
		watch.report(t)
		if t.Failed() {
			saveArtifacts(t, page)
		}
		_ = ctx.Close()
	})
	return page
}

func saveArtifacts(t *testing.T, page playwright.Page) {
	dir := filepath.Join("artifacts", strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("artifacts: %v", err)
		return
	}
	if _, err := page.Screenshot(playwright.PageScreenshotOptions{
		Path: playwright.String(filepath.Join(dir, "page.png")), FullPage: playwright.Bool(true)}); err != nil {
		t.Logf("screenshot: %v", err)
	}
	if html, err := page.Content(); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "page.html"), []byte(html), 0o644)
	}
	abs, _ := filepath.Abs(dir)
	t.Logf("screenshot and HTML of the failing page saved in %s (url %s)", abs, page.URL())
}

var expect = playwright.NewPlaywrightAssertions(10000)

// checkA11y runs axe-core on the page and fails the test on serious or
// critical violations.
func checkA11y(t *testing.T, page playwright.Page) {
	t.Helper()
	if err := page.WaitForLoadState(); err != nil {
		t.Fatal(err)
	}
	// The source is evaluated as a plain expression through the DevTools
	// protocol, which the page's CSP does not govern (no eval in the page).
	if has, err := page.Evaluate("() => !!window.axe"); err != nil {
		t.Fatalf("checking for axe-core on %s: %v", page.URL(), err)
	} else if has != true {
		if _, err := page.Evaluate(axeJS); err != nil {
			t.Fatalf("injecting axe-core into %s: %v", page.URL(), err)
		}
	}
	res, err := page.Evaluate(`async () => {
		const r = await axe.run(document, {resultTypes: ["violations"]});
		return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => v.impact + " " + v.id + ": " + v.help + " at " + v.nodes.map(n => n.target.join(" ")).join(", "));
	}`)
	if err != nil {
		t.Fatalf("running axe-core on %s: %v", page.URL(), err)
	}
	if vs, _ := res.([]any); len(vs) > 0 {
		t.Errorf("accessibility violations on %s:", page.URL())
		for _, v := range vs {
			t.Errorf("  %v", v)
		}
	}
}

// visit opens path, waits for it and checks its accessibility.
func visit(t *testing.T, page playwright.Page, a *app, path string) {
	t.Helper()
	goToUnchecked(t, page, a, path)
	checkA11y(t, page)
}

// goToUnchecked opens path without visit's accessibility check, for a page that
// visit has checked elsewhere in the same test.
func goToUnchecked(t *testing.T, page playwright.Page, a *app, path string) {
	t.Helper()
	if _, err := page.Goto(a.URL + path); err != nil {
		t.Fatalf("goto %s: %v", path, err)
	}
}

func role(page playwright.Page, r playwright.AriaRole, name string) playwright.Locator {
	return page.GetByRole(r, playwright.PageGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
}

func click(t *testing.T, l playwright.Locator) {
	t.Helper()
	if err := l.Click(); err != nil {
		t.Fatalf("click: %v", err)
	}
}

func fill(t *testing.T, l playwright.Locator, v string) {
	t.Helper()
	if err := l.Fill(v); err != nil {
		t.Fatalf("fill: %v", err)
	}
}

func mustSee(t *testing.T, l playwright.Locator, what string) {
	t.Helper()
	if err := expect.Locator(l).ToBeVisible(); err != nil {
		t.Fatalf("%s: not visible: %v", what, err)
	}
}

// signIn signs in on the console's sign-in page and lands on a console page.
func signIn(t *testing.T, page playwright.Page, a *app, username, password string) {
	t.Helper()
	visit(t, page, a, "/login")
	fill(t, page.GetByLabel("Username"), username)
	fill(t, page.GetByLabel("Password"), password)
	click(t, role(page, "button", "Sign in"))
	waitLoaded(t, page)
	openMenu(t, page)
	mustSee(t, role(page, "button", "Sign out"), "sign-out button after signing in")
	checkA11y(t, page)
}

// openMenu opens the header's menu, which folds the navigation and the
// account bar away on a phone; on a wider screen there is none.
func openMenu(t *testing.T, page playwright.Page) {
	t.Helper()
	if menu := role(page, "button", "Menu"); visible(menu) {
		if open, _ := menu.GetAttribute("aria-expanded"); open != "true" {
			click(t, menu)
		}
	}
}

// signOut signs out of the console from its header.
func signOut(t *testing.T, page playwright.Page) {
	t.Helper()
	openMenu(t, page)
	click(t, role(page, "button", "Sign out"))
}

// visible says whether l is on screen now, without waiting for it.
func visible(l playwright.Locator) bool {
	v, err := l.IsVisible()
	return err == nil && v
}
