package main

import (
	"bytes"
	"fmt"
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
		t.Skip("skipped under -short only: the smoke benchmark takes about a minute, two with PostgreSQL; make test always runs it")
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
		"SpaceONE user/list", "export every user as CSV", "bulk lock", "bulk add to group", "server RSS +", "% of users first page (JSON)", "SQLite: server RSS", "top of the server's CPU profile", "flat%") {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	// Every list, the JSON ones and the HTML page, has its row of the
	// split, with the query and encoding the server timed.
	_, split, _ := strings.Cut(report, "### Where a list's time goes")
	split, _, _ = strings.Cut(split, "\n\n### ")
	for _, want := range []string{"| users first page (JSON) |", "| deep page by cursor |", "| group members, largest group |",
		"| users list as an HTML page |", "query µs"} {
		if !strings.Contains(split, want) {
			t.Errorf("the split lacks %q:\n%s", want, split)
		}
	}
	if strings.Contains(split, "| — |") || strings.Contains(split, "eds-user") {
		t.Errorf("a list without Server-Timing, or a scenario that is no list, in the split:\n%s", split)
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

// Each list's row of the split says where its time goes, in µs a request
// that add up to the list's: the floor, the plumbing up to the constant
// answer, and the rest, split between query and encoding as the server's
// Server-Timing was. Scenarios measured without a constant answer have
// no row; with both engines, each engine has its row.
func TestReportSplit(t *testing.T) {
	list := result{name: "users first page (JSON)", rps: 2000, floor: 10000, fixed: 5000, // 500, 100 and 200 µs
		query: 3 * time.Millisecond, encode: time.Millisecond, timed: 400, p50: time.Millisecond, p99: 2 * time.Millisecond, list: true, target: 10000}
	untimed := result{name: "status filter", rps: 4000, floor: 8000, fixed: 5000, list: true, target: 10000}
	other := result{name: "user page (JSON)", rps: 3000, floor: 9000}
	lite := &bench{engine: sqlite, results: []result{list, untimed, other}}
	o := options{users: 1000, conns: 8, duration: time.Second}

	var out bytes.Buffer
	o.out = &out
	report(o, []*bench{lite})
	for _, want := range []string{
		"| scenario | requests/s | share of floor | p50 | p99 | target | met | note |",
		"### Where a list's time goes",
		"| scenario | floor: requests/s | constant answer: requests/s | list: requests/s | floor µs | plumbing µs | query + encoding µs | query µs | encoding µs |",
		"| users first page (JSON) | 10000 | 5000 | 2000 | 100 | 100 | 300 | 225 | 75 |",
		"| status filter | 8000 | 5000 | 4000 | 125 | 75 | 50 | — | — |",
		"at 8 connections",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "| user page (JSON) | 9000 |") {
		t.Errorf("a scenario without a constant answer has a row of the split:\n%s", out.String())
	}

	pgList := list
	pgList.rps, pgList.fixed, pgList.query, pgList.encode = 1000, 4000, 9*time.Millisecond, time.Millisecond // 1000 and 250 µs
	pg := &bench{engine: postgres, results: []result{pgList, untimed, other}}
	out.Reset()
	report(o, []*bench{lite, pg})
	for _, want := range []string{
		"| PostgreSQL: requests/s |",
		"| scenario | engine | floor: requests/s | constant answer: requests/s |",
		"| users first page (JSON) | SQLite | 10000 | 5000 | 2000 | 100 | 100 | 300 | 225 | 75 |\n" +
			"| users first page (JSON) | PostgreSQL | 10000 | 4000 | 1000 | 100 | 150 | 750 | 675 | 75 |\n" +
			"| status filter | SQLite |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report of both engines lacks %q:\n%s", want, out.String())
		}
	}
}

// A directory filled through the API is cached apart from the seeded one,
// which keeps the name it had before --fill.
func TestFillNamesItsCache(t *testing.T) {
	o := options{users: 1000, units: 10, groups: 2, props: 3, seed: 1, cache: "c", fill: fillSeed}
	api := o
	api.fill = fillAPI
	for _, tt := range []struct{ seeded, filled, want string }{
		{sqliteCache(o), sqliteCache(api), filepath.Join("c", fmt.Sprintf("v%d-users-1000-units-10-groups-2-props-3-seed-1.db", seedVersion))},
		{postgresCache(o), postgresCache(api), fmt.Sprintf("rosterbench_v%d_u1000_o10_g2_p3_s1", seedVersion)},
	} {
		if tt.seeded != tt.want {
			t.Errorf("seeded cache = %q, want %q", tt.seeded, tt.want)
		}
		if tt.filled == tt.seeded || !strings.Contains(tt.filled, "api") {
			t.Errorf("cache filled through the API = %q, want a name of its own (seeded: %q)", tt.filled, tt.seeded)
		}
	}
}
