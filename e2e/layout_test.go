package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// sizes are the two windows console pages are checked at: a laptop and
// a phone.
var sizes = []struct {
	name string
	w, h int
}{{"desktop", 1280, 900}, {"phone", 390, 844}}

// mustFitTheScreen fails the test when the page is wider than its window,
// naming the first elements that stick out. What scrolls inside its own
// box, such as a wide table in .table-wrap, does not count.
func mustFitTheScreen(t *testing.T, page playwright.Page, what string) {
	t.Helper()
	out, err := page.Evaluate(`() => {
		const w = window.innerWidth;
		if (document.documentElement.scrollWidth <= w) return "";
		const clipped = e => {
			for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
				if (getComputedStyle(p).overflowX !== "visible") return true;
			}
			return false;
		};
		const wide = [...document.body.querySelectorAll("*")].filter(e => e.getBoundingClientRect().right > w + 1 && !clipped(e));
		return document.documentElement.scrollWidth + " px wide in a " + w + " px window: " + wide.slice(0, 5).map(e =>
			e.tagName.toLowerCase() + (typeof e.className === "string" && e.className ? "." + e.className.trim().replace(/\s+/g, ".") : "") +
			" (" + Math.round(e.getBoundingClientRect().right) + " px)").join(", ");
	}`)
	if err != nil {
		t.Fatalf("measuring %s: %v", what, err)
	}
	if out != "" {
		t.Errorf("%s (%s) is %v", what, page.URL(), out)
	}
}

// screenshotHeight is how much of a long page a screenshot keeps: a few
// screens show how it looks, and the API reference's 16,000 pixels took
// seconds to capture and encode, four times over in the page survey.
const screenshotHeight = 4000

// screenshot keeps a picture of page from its top, up to
// screenshotHeight pixels of it, for people to look at, as
// e2e/artifacts/<test>/<name>.png.
func screenshot(t *testing.T, page playwright.Page, name string) {
	t.Helper()
	dir := filepath.Join("artifacts", strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	size, err := page.Evaluate(`() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]`)
	if err != nil {
		t.Fatalf("measuring %s for its screenshot: %v", name, err)
	}
	wh, _ := size.([]any)
	if len(wh) != 2 {
		t.Fatalf("measuring %s for its screenshot: got %v", name, size)
	}
	w, h := toFloat(wh[0]), min(toFloat(wh[1]), screenshotHeight)
	if _, err := page.Screenshot(playwright.PageScreenshotOptions{
		Path: playwright.String(filepath.Join(dir, name+".png")), FullPage: playwright.Bool(true),
		Clip: &playwright.Rect{Width: w, Height: h}}); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
}

// toFloat reads a number Evaluate returned (an int or a float64).
func toFloat(v any) float64 {
	switch n := v.(type) {
	case int:
		return float64(n)
	case float64:
		return n
	}
	return 0
}

// screenshotAs is screenshot in the given colour scheme.
func screenshotAs(t *testing.T, page playwright.Page, name string, scheme *playwright.ColorScheme) {
	t.Helper()
	if err := page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: scheme}); err != nil {
		t.Fatal(err)
	}
	screenshot(t, page, name)
}
