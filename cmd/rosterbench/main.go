// Command rosterbench is Roster's end-to-end benchmark: it seeds (or reuses)
// a database, starts the real roster binary on loopback and drives each
// scenario at a fixed number of connections, next to a bare net/http
// floor serving the same number of bytes, and each list next to a
// constant answer of its size through Roster's own chain (split.go). It
// prints Markdown tables for BENCHMARKS.md. It measures SQLite,
// PostgreSQL or both; with both, the two servers run side by side and
// take turns scenario by scenario, so the box's drift over a run reaches
// both alike.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"roster/store"
)

type options struct {
	roster   string
	engines  []string // sqlite, postgres or both, in that order
	postgres string   // URL of a database on the PostgreSQL server, whose user may create databases
	users    int
	units    int // org units
	groups   int
	props    int // custom properties
	seed     uint64
	fill     string // fillSeed or fillAPI
	cache    string
	duration time.Duration
	conns    int
	run      *regexp.Regexp // scenarios measured (with those they are compared with); nil: all
	out      io.Writer
}

func main() {
	var o options
	engine := flag.String("engine", sqlite, "database engine to measure: sqlite, postgres or both (one table, side by side)")
	flag.StringVar(&o.postgres, "postgres", "", "PostgreSQL server for --engine postgres or both: a postgres:// URL whose user may create databases")
	flag.StringVar(&o.roster, "roster", "bin/roster", "the roster binary to measure")
	flag.IntVar(&o.users, "users", 1_000_000, "users in the benchmark tenant")
	flag.IntVar(&o.units, "org-units", 10_000, "org units in the benchmark tenant")
	flag.IntVar(&o.groups, "groups", 1_000, "groups in the benchmark tenant")
	flag.IntVar(&o.props, "properties", 20, "custom properties in the benchmark tenant")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the generated users")
	flag.StringVar(&o.fill, "fill", fillSeed, "how the directory is built: seed (roster seed, in bulk) or api (its users created through POST /api/v1/users/batch, 500 a request on --conns connections), cached apart")
	flag.StringVar(&o.cache, "cache", ".cache/bench", "folder for seeded SQLite databases and profiles, reused while their parameters match")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each scenario runs")
	flag.IntVar(&o.conns, "conns", 8, "concurrent connections")
	pattern := flag.String("run", "", "measure only the scenarios whose names match this regular expression (and those they are compared with)")
	flag.Parse()
	if *pattern != "" {
		re, err := regexp.Compile(*pattern)
		if err != nil {
			fmt.Fprintln(os.Stderr, "rosterbench: --run:", err)
			os.Exit(2)
		}
		o.run = re
	}
	switch *engine {
	case sqlite, postgres:
		o.engines = []string{*engine}
	case "both":
		o.engines = []string{sqlite, postgres}
	default:
		fmt.Fprintf(os.Stderr, "rosterbench: --engine is sqlite, postgres or both, not %q\n", *engine)
		os.Exit(2)
	}
	if o.fill != fillSeed && o.fill != fillAPI {
		fmt.Fprintf(os.Stderr, "rosterbench: --fill is seed or api, not %q\n", o.fill)
		os.Exit(2)
	}
	o.out = os.Stdout
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "rosterbench:", err)
		os.Exit(1)
	}
}

// result is one scenario's figures.
type result struct {
	name     string
	requests int
	errors   int
	rps      float64
	p50, p99 time.Duration
	floor    float64 // requests/s of the bare handler in the same run
	note     string
	target   float64 // the target requests/s; 0 when there is none
	list     bool    // a list of users, held on PostgreSQL to half of SQLite's figure
	profile  string  // top of the server's CPU profile, when the target is missed
	cpu      []byte  // the server's CPU profile while the scenario ran
	// versusRPS is the requests/s of the scenario this one is compared
	// with, measured just before and just after it (their mean): the
	// machine's speed drifts by a tenth or more over a run, so the
	// counterpart's own figure, minutes away, made the share wander.
	versusRPS float64
	// fixed is the requests/s of bench mode's constant answer of the
	// list's size, through the list's chain, in the same run (0: not
	// measured); query and encode are the list's mean Server-Timing over
	// timed answers (see split.go).
	fixed         float64
	query, encode time.Duration
	timed         int
}

// bench is one engine's roster server under test, with its scenarios.
type bench struct {
	engine     string
	srv        *server
	idle, peak float64 // the server's RSS, MiB
	scenarios  []scenario
	results    []result
	closers    []func() // in reverse order
	work       string   // a folder of the run's own files
}

func (b *bench) close() {
	for i := len(b.closers) - 1; i >= 0; i-- {
		b.closers[i]()
	}
}

func run(ctx context.Context, o options) error {
	if o.fill == "" {
		o.fill = fillSeed
	}
	var benches []*bench
	defer func() {
		for _, b := range benches {
			b.close()
		}
	}()
	for _, e := range o.engines {
		b, err := prepare(ctx, o, e)
		if b != nil {
			benches = append(benches, b)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", engineNames[e], err)
		}
	}
	for i := range benches[0].scenarios {
		for _, b := range benches {
			res, err := b.measure(o, b.scenarios[i])
			if err != nil {
				return fmt.Errorf("%s: %s: %w", engineNames[b.engine], b.scenarios[i].name, err)
			}
			b.results = append(b.results, res)
		}
	}
	for _, b := range benches {
		b.peak = max(b.peak, b.srv.hwm())
		b.compare(o)
	}
	report(o, benches)
	for _, b := range benches {
		for _, r := range b.results {
			if r.errors > 0 {
				return fmt.Errorf("%s: %s: %d failed requests", engineNames[b.engine], r.name, r.errors)
			}
		}
	}
	return nil
}

// compare notes, for each scenario measured against another, its share
// of the other's requests/s, with the server's profile when that share
// is under half (the seed protocols' lists are held to within 2x).
func (b *bench) compare(o options) {
	for i, sc := range b.scenarios {
		r := &b.results[i]
		if sc.versus == "" || r.versusRPS == 0 {
			continue
		}
		r.note = fmt.Sprintf("%.0f %% of %s (measured just before and after)", 100*r.rps/r.versusRPS, sc.versus)
		if r.rps < r.versusRPS/2 && r.cpu != nil {
			r.profile = topOfProfile(o, b.engine+" "+sc.name, r.cpu)
		}
	}
}

// prepare seeds (or reuses) the engine's database, copies it, starts
// roster on the copy and finds what the scenarios read. The bench it
// returns, even with an error, holds what must be closed.
func prepare(ctx context.Context, o options, engine string) (*bench, error) {
	b := &bench{engine: engine}
	db, remove, err := workDatabase(ctx, o, engine)
	if err != nil {
		return nil, err
	}
	b.closers = append(b.closers, remove)
	adminKey, err := cli(o.roster, "apikey", "create", "--db", db, "--role", "admin", "--name", "bench")
	if err != nil {
		return b, err
	}
	m := regexp.MustCompile(`(?m)^(rst_\S+)$`).FindStringSubmatch(adminKey)
	if m == nil {
		return b, fmt.Errorf("no key in %q", adminKey)
	}
	key := m[1]
	const pw = "bench-password-123"
	if _, err := cli(o.roster, "admin", "create", "--db", db, "--username", "bench", "--password", pw, "--role", "owner"); err != nil {
		return b, err
	}

	work, err := os.MkdirTemp("", "rosterbench-")
	if err != nil {
		return b, err
	}
	b.work = work
	b.closers = append(b.closers, func() { os.RemoveAll(work) })
	keyFile := filepath.Join(work, "server.key")
	serverKey := make([]byte, store.ServerKeySize)
	rand.Read(serverKey)
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(serverKey)), 0o600); err != nil {
		return b, err
	}
	// Bench mode: the constant answers and Server-Timing of split.go.
	srv, err := start(o.roster, db, "--secret-key-file", keyFile, "--bench")
	if err != nil {
		return b, err
	}
	b.srv = srv
	b.closers = append(b.closers, srv.stop)
	time.Sleep(500 * time.Millisecond)
	b.idle = srv.rss()
	b.peak = b.idle

	r := reach{url: srv.url, key: key}
	if err := r.find(); err != nil {
		return b, err
	}
	jar, _ := cookiejar.New(nil)
	r.console = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if err := signIn(r.console, srv.url, "bench", pw); err != nil {
		return b, err
	}
	if r.pair, err = newACSClient(o.roster, db, keyFile, srv.url); err != nil {
		return b, err
	}
	b.scenarios = b.allScenarios(o, r)
	b.scenarios = selected(o.run, b.scenarios)
	b.warm(o)
	return b, nil
}

// measure runs one scenario against the bench's server, then, for a
// list, the constant answer of the same size through the same chain, then
// the floor for a body of the same size.
func (b *bench) measure(o options, sc scenario) (result, error) {
	if sc.once != nil || sc.req().Method != http.MethodGet {
		if waited := settle(); waited > 2*time.Second {
			fmt.Fprintf(os.Stderr, "(waited %s for the box to be quiet)\n", waited.Round(100*time.Millisecond))
		}
	}
	if sc.once != nil {
		return b.measureOnce(o, sc)
	}
	c := sc.c
	if c == nil {
		c = client(o.conns)
	}
	size, err := responseSize(c, sc.req())
	if err != nil {
		return result{}, err
	}
	// A CPU profile of the server while the scenario runs; kept when the
	// scenario misses its target.
	var prof chan []byte
	counterpart := func() (float64, error) {
		i := slices.IndexFunc(b.scenarios, func(other scenario) bool { return other.name == sc.versus })
		if sc.versus == "" || i < 0 {
			return 0, nil
		}
		r, err := b.send(o, b.scenarios[i], client(o.conns), func() {})
		return r.rps, err
	}
	before, err := counterpart()
	if err != nil {
		return result{}, err
	}
	res, err := b.send(o, sc, c, func() {
		prof = make(chan []byte, 1)
		go func() { prof <- cpuProfile(b.srv.debug, o.duration) }()
	})
	if prof != nil {
		res.cpu = <-prof
	}
	if err != nil {
		return result{}, err
	}
	after, err := counterpart()
	if err != nil {
		return result{}, err
	}
	res.versusRPS = (before + after) / 2
	res.name, res.target, res.list = sc.name, sc.target, sc.list
	if res.target > 0 && res.rps < res.target && res.cpu != nil {
		res.profile = topOfProfile(o, b.engine+" "+sc.name, res.cpu)
	}
	b.peak = max(b.peak, b.srv.rss())
	if sc.fixed != nil {
		if err := b.measureFixed(o, sc, c, size, &res); err != nil {
			return result{}, err
		}
	}
	if res.floor, err = floor(size, o.conns, o.duration); err != nil {
		return result{}, err
	}
	if strings.HasPrefix(sc.name, "batch") {
		res.note = fmt.Sprintf("%.0f users/s", res.rps*500)
	}
	fixed := ""
	if res.fixed > 0 {
		fixed = fmt.Sprintf("  constant %.0f req/s (query %s, encode %s)", res.fixed, res.query.Round(time.Microsecond), res.encode.Round(time.Microsecond))
	}
	fmt.Fprintf(os.Stderr, "%-10s %-50s %8.0f req/s  p50 %-9s p99 %-9s floor %.0f req/s%s  errors %d\n", engineNames[b.engine],
		res.name, res.rps, res.p50.Round(time.Microsecond), res.p99.Round(time.Microsecond), res.floor, fixed, res.errors)
	return res, nil
}

// send sends the scenario's requests to the bench's server for o.duration
// through c and returns their rate and latencies; started is called as
// the requests begin (after those of a presigned scenario are signed).
func (b *bench) send(o options, sc scenario, c *http.Client, started func()) (result, error) {
	var script []string
	var err error
	if sc.read {
		if script, err = bodyScript(b.work, sc.req()); err != nil {
			return result{}, err
		}
	}
	if sc.presigned {
		n := presignedPerSecond * int(max(time.Second, o.duration).Seconds())
		if script, err = presign(b.work, sc.req, n, wrkThreads(o.conns)); err != nil {
			return result{}, err
		}
	}
	started()
	if r := sc.req(); r.Method == http.MethodGet || sc.read {
		return wrk(r, c, o.conns, o.duration, script...)
	}
	return load(c, sc.req, o.conns, o.duration, nil), nil
}

// measureOnce runs a scenario measured in one go, with a CPU profile of
// the server over its first o.duration, and no floor.
func (b *bench) measureOnce(o options, sc scenario) (result, error) {
	prof := make(chan []byte, 1)
	go func() { prof <- cpuProfile(b.srv.debug, o.duration) }()
	res, err := sc.once()
	p := <-prof
	if err != nil {
		return result{}, err
	}
	res.name, res.target = sc.name, sc.target
	if res.target > 0 && res.rps < res.target && p != nil {
		res.profile = topOfProfile(o, b.engine+" "+sc.name, p)
	}
	b.peak = max(b.peak, b.srv.rss())
	fmt.Fprintf(os.Stderr, "%-10s %-50s %8.0f rows/s  (%s)\n", engineNames[b.engine], res.name, res.rps, res.note)
	return res, nil
}

func cli(bin string, args ...string) (string, error) {
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("roster %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
