package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The smoke run of make bench: a small tenant, a second per scenario, every
// scenario answered without errors. It keeps the benchmark from rotting.
func TestSmokeBenchmark(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short only: the smoke benchmark takes about 30 s; make test always runs it")
	}
	bin := filepath.Join(t.TempDir(), "roster")
	if out, err := exec.Command("go", "build", "-o", bin, "../roster").CombinedOutput(); err != nil {
		t.Fatalf("building roster: %v\n%s", err, out)
	}
	var out bytes.Buffer
	err := run(t.Context(), options{roster: bin, users: 10_000, units: 100, groups: 20, props: 8, seed: 1, cache: t.TempDir(),
		duration: time.Second, conns: 4, out: &out})
	if err != nil {
		t.Fatal(err)
	}
	report := out.String()
	for _, want := range []string{"users first page (JSON)", "deep page by cursor", "keyword substring, 8 letters",
		"users list as an HTML page", "batch create, 500 users a request", "org subtree", "group members",
		"property value filter", "org tree layer", "Server RSS:", "| target | met |", "top of the server's CPU profile", "flat%"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}
