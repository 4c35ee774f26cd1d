package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The smoke run of make bench: a small tenant, a second per scenario, every
// scenario answered without errors. It keeps the benchmark from rotting.
// With a PostgreSQL server in ROSTER_TEST_POSTGRES (make test starts a
// throwaway one) it runs both engines side by side, as make bench does.
func TestSmokeBenchmark(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short only: the smoke benchmark takes about 40 s, 75 s with PostgreSQL; make test always runs it")
	}
	bin := filepath.Join(t.TempDir(), "roster")
	if out, err := exec.Command("go", "build", "-o", bin, "../roster").CombinedOutput(); err != nil {
		t.Fatalf("building roster: %v\n%s", err, out)
	}
	var out bytes.Buffer
	o := options{roster: bin, engines: []string{sqlite}, users: 10_000, units: 100, groups: 20, props: 8, seed: 1,
		cache: t.TempDir(), duration: time.Second, conns: 4, out: &out}
	wants := []string{"SQLite\n", "| target | met |"}
	if o.postgres = os.Getenv("ROSTER_TEST_POSTGRES"); o.postgres != "" {
		o.engines = append(o.engines, postgres)
		wants = []string{"| PostgreSQL: requests/s |", "PostgreSQL / SQLite", "| met (SQLite, PostgreSQL) |",
			"PostgreSQL: server RSS", "### PostgreSQL, "}
		t.Cleanup(func() {
			if err := dropDatabase(o.postgres, postgresCache(o)); err != nil {
				t.Error(err)
			}
		})
	}
	if err := run(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	report := out.String()
	for _, want := range append(wants, "users first page (JSON)", "deep page by cursor", "keyword substring, 8 letters",
		"users list as an HTML page", "batch create, 500 users a request", "import, a CSV of new users (rows/s)", "org subtree", "group members",
		"property value filter", "org tree layer", "eds-user DescribeUsers", "eds-user FilterUsers", "EIAM ListUsers",
		"SpaceONE user/list", "export every user as CSV", "server RSS +", "% of users first page (JSON)", "SQLite: server RSS", "top of the server's CPU profile", "flat%") {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}

func TestParseWrk(t *testing.T) {
	out := `Running 1s test @ http://127.0.0.1:8090/api/v1/users
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.92ms    2.10ms  40.00ms   80.00%
  Latency Distribution
     50%  850.00us
     75%    3.00ms
     90%    6.00ms
     99%    1.20s
  18600 requests in 10.00s, 263.89MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:   1859.75
Transfer/sec:     26.39MB
`
	r, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.rps != 1859.75 || r.requests != 18600 || r.p50 != 850*time.Microsecond || r.p99 != 1200*time.Millisecond || r.errors != 8 {
		t.Errorf("parsed %+v", r)
	}
	if _, err := parseWrk("wrk: connection refused"); err == nil {
		t.Error("no figures, no error")
	}
}
