// Command rosterbench is Roster's end-to-end benchmark: it seeds (or reuses)
// a database, starts the real roster binary on loopback and drives each
// scenario at a fixed number of connections, next to a bare
// net/http floor serving the same number of bytes. It prints a Markdown
// table for BENCHMARKS.md. It measures SQLite, PostgreSQL or both; with
// both, the two servers run side by side and take turns scenario by
// scenario, so the box's drift over a run reaches both alike.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
}

// scenario is one kind of request, measured on each engine.
type scenario struct {
	name   string
	req    func() *http.Request
	c      *http.Client // nil: a client of its own with conns connections
	target float64      // requests/s; 0 when there is none
	list   bool
	// presigned: each request may be sent once (a signed nonce), so wrk
	// sends requests made beforehand, each once.
	presigned bool
	// versus names the scenario of /api/v1 asking the same of the
	// directory, which the result is compared with.
	versus string
	// read: a request with a body that changes nothing, which wrk sends
	// again and again like a GET.
	read bool
	// once measures the scenario in one go instead of by requests (an
	// import of a file): its rate stands for requests/s.
	once func() (result, error)
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
	srv, err := start(o.roster, db, "--secret-key-file", keyFile)
	if err != nil {
		return b, err
	}
	b.srv = srv
	b.closers = append(b.closers, srv.stop)
	time.Sleep(500 * time.Millisecond)
	b.idle = srv.rss()
	b.peak = b.idle

	api := func(path string) *http.Request {
		r, _ := http.NewRequest("GET", srv.url+"/api/v1"+path, nil)
		r.Header.Set("Authorization", "Bearer "+key)
		return r
	}
	// A cursor deep in the list: the page after a user near the end of the
	// alphabet (cursors carry the sort, not the filter).
	var deep struct {
		NextToken string `json:"next_token"`
		Items     []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := getJSON(api("/users?username_prefix=whitfield.&max_results=1"), &deep); err != nil || deep.NextToken == "" || len(deep.Items) == 0 {
		return b, fmt.Errorf("deep cursor: %v", err)
	}
	dir, err := directoryTargets(api)
	if err != nil {
		return b, err
	}
	jar, _ := cookiejar.New(nil)
	console := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if err := signIn(console, srv.url, "bench", pw); err != nil {
		return b, err
	}
	pair, err := newACSClient(o.roster, db, keyFile, srv.url)
	if err != nil {
		return b, err
	}
	var batchN atomic.Int64
	// target is the target requests/s (0: none); batch create's 10,000
	// users/s is 20 requests of 500.
	b.scenarios = []scenario{
		{name: "users first page (JSON)", req: func() *http.Request { return api("/users") }, target: 10000, list: true},
		{name: "deep page by cursor", req: func() *http.Request { return api("/users?next_token=" + url.QueryEscape(deep.NextToken)) }, target: 10000, list: true},
		{name: "username prefix", req: func() *http.Request { return api("/users?username_prefix=grace.hop") }, target: 8000, list: true},
		{name: "keyword substring, 3 letters", req: func() *http.Request { return api("/users?q=ath") }, target: 1000, list: true},
		// About 1,000 matches: too many to be cheap, too few to stop
		// sorting them (the keyword search's worst case).
		{name: "keyword substring, ~1,000 matches", req: func() *http.Request { return api("/users?q=grace.hop") }, target: 1000, list: true},
		{name: "keyword substring, 8 letters, every user matches", req: func() *http.Request { return api("/users?q=example.") }, target: 1000, list: true},
		{name: "status filter", req: func() *http.Request { return api("/users?status=disabled") }, target: 10000, list: true},
		{name: "org subtree, largest division", req: func() *http.Request {
			return api("/users?include_descendants=true&org_unit_id=" + dir.division)
		}, target: 10000, list: true},
		{name: "group members, largest group", req: func() *http.Request { return api("/groups/" + dir.group + "/members") }, target: 10000, list: true},
		{name: "property value filter", req: func() *http.Request { return api("/users?property=" + url.QueryEscape(dir.property)) }, target: 10000, list: true},
		{name: "eds-user DescribeUsers, first page of 20", req: func() *http.Request {
			return pair.get("DescribeUsers", "2021-03-08", url.Values{"MaxResults": {"20"}})
		}, presigned: true, versus: "users first page (JSON)"},
		{name: "eds-user DescribeUsers, Filter of ~1,000 matches", req: func() *http.Request {
			return pair.get("DescribeUsers", "2021-03-08", url.Values{"Filter": {"grace.hop*"}, "MaxResults": {"20"}})
		}, presigned: true, versus: "keyword substring, ~1,000 matches"},
		{name: "eds-user FilterUsers, first page of 20", req: func() *http.Request {
			return pair.get("FilterUsers", "2021-03-08", url.Values{"MaxResults": {"20"}})
		}, presigned: true, versus: "users first page (JSON)"},
		{name: "EIAM ListUsers, first page of 20", req: func() *http.Request {
			return pair.get("ListUsers", "2021-12-01", url.Values{"InstanceId": {"default"}, "PageSize": {"20"}})
		}, presigned: true, versus: "users first page (JSON)"},
		{name: "SpaceONE user/list, first page of 20", req: func() *http.Request {
			r, _ := http.NewRequest("POST", srv.url+"/identity/v1/user/list", strings.NewReader(
				`{"domain_id":"default","query":{"sort":{"key":"user_id"},"page":{"start":1,"limit":20}}}`))
			r.Header.Set("Authorization", "Bearer "+key)
			r.Header.Set("Content-Type", "application/json")
			return r
		}, read: true, versus: "users first page (JSON)"},
		{name: "org tree layer (root's children)", req: func() *http.Request { return api("/org-units/" + dir.root + "/children") }},
		{name: "user page (JSON)", req: func() *http.Request { return api("/users/" + deep.Items[0].ID) }},
		{name: "users list as an HTML page", req: func() *http.Request {
			r, _ := http.NewRequest("GET", srv.url+"/users", nil)
			return r
		}, c: console, target: 8000, list: true},
		{name: "export every user as CSV (users/s)", once: func() (result, error) {
			return b.export(o, api("/users/export?format=csv"))
		}, target: 100000},
		{name: "batch create, 500 users a request", req: func() *http.Request {
			n := batchN.Add(1)
			var body bytes.Buffer
			body.WriteString(`{"users":[`)
			for i := range 500 {
				if i > 0 {
					body.WriteByte(',')
				}
				fmt.Fprintf(&body, `{"username":"bench-%d-%d-%d","email":"b%d@bench.example"}`, os.Getpid(), n, i, i)
			}
			body.WriteString(`]}`)
			r, _ := http.NewRequest("POST", srv.url+"/api/v1/users/batch", &body)
			r.Header.Set("Authorization", "Bearer "+key)
			r.Header.Set("Content-Type", "application/json")
			return r
		}, target: 20},
		{name: "import, a CSV of new users (rows/s)", once: func() (result, error) {
			return measureImport(srv.url, key, importRows(o.users))
		}, target: 10000},
	}
	b.scenarios = append(b.scenarios, bulkScenarios(srv.url, key, bulkUsers(o.users))...)
	b.scenarios = selected(o.run, b.scenarios)
	b.warm(o)
	return b, nil
}

// selected keeps the scenarios run matches and those they are compared
// with, in their order.
func selected(run *regexp.Regexp, all []scenario) []scenario {
	if run == nil {
		return all
	}
	keep := map[string]bool{}
	for _, sc := range all {
		if run.MatchString(sc.name) {
			keep[sc.name], keep[sc.versus] = true, true
		}
	}
	return slices.DeleteFunc(all, func(sc scenario) bool { return !keep[sc.name] })
}

// warm sends a few requests of each GET scenario on every connection
// before anything is measured: PostgreSQL prepares and plans a statement
// on each connection of the server's pool on first use, and measured cold,
// the first scenario's p99 was ten times the next ones'.
func (b *bench) warm(o options) {
	for _, sc := range b.scenarios {
		if sc.once != nil || sc.req().Method != http.MethodGet {
			continue
		}
		c := sc.c
		if c == nil {
			c = client(o.conns)
		}
		var wg sync.WaitGroup
		for range o.conns {
			wg.Go(func() {
				for range 3 {
					if resp, err := c.Do(sc.req()); err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
			})
		}
		wg.Wait()
	}
}

// measure runs one scenario against the bench's server, then the floor
// for a body of the same size.
func (b *bench) measure(o options, sc scenario) (result, error) {
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
	if res.floor, err = floor(size, o.conns, o.duration); err != nil {
		return result{}, err
	}
	if strings.HasPrefix(sc.name, "batch") {
		res.note = fmt.Sprintf("%.0f users/s", res.rps*500)
	}
	fmt.Fprintf(os.Stderr, "%-10s %-50s %8.0f req/s  p50 %-9s p99 %-9s floor %.0f req/s  errors %d\n", engineNames[b.engine],
		res.name, res.rps, res.p50.Round(time.Microsecond), res.p99.Round(time.Microsecond), res.floor, res.errors)
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
	return load(c, sc.req, o.conns, o.duration), nil
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

// targets are the directory objects the directory scenarios read.
type targets struct {
	root, division, group, property string
}

// directoryTargets finds, through the API, the root unit, its division
// with the most users, the largest group and the first value of the first
// select property.
func directoryTargets(api func(string) *http.Request) (targets, error) {
	var t targets
	var users struct {
		Items []struct {
			OrgUnitID string `json:"org_unit_id"`
		} `json:"items"`
	}
	if err := getJSON(api("/users?max_results=1"), &users); err != nil || len(users.Items) == 0 {
		return t, fmt.Errorf("a user: %v", err)
	}
	var unit struct {
		Path []struct {
			ID string `json:"id"`
		} `json:"path"`
	}
	if err := getJSON(api("/org-units/"+users.Items[0].OrgUnitID), &unit); err != nil || len(unit.Path) == 0 {
		return t, fmt.Errorf("the root unit: %v", err)
	}
	t.root = unit.Path[0].ID
	var layer struct {
		Items []struct {
			ID      string `json:"id"`
			Subtree int    `json:"subtree_user_count"`
		} `json:"items"`
	}
	if err := getJSON(api("/org-units/"+t.root+"/children?max_results=100"), &layer); err != nil || len(layer.Items) == 0 {
		return t, fmt.Errorf("the divisions: %v (seed with --org-units)", err)
	}
	best := 0
	for i, it := range layer.Items {
		if it.Subtree > layer.Items[best].Subtree {
			best = i
		}
	}
	t.division = layer.Items[best].ID
	var groups struct {
		Items []struct {
			ID      string `json:"id"`
			Members int    `json:"member_count"`
		} `json:"items"`
	}
	if err := getJSON(api("/groups?max_results=100"), &groups); err != nil || len(groups.Items) == 0 {
		return t, fmt.Errorf("the groups: %v (seed with --groups)", err)
	}
	best = 0
	for i, g := range groups.Items {
		if g.Members > groups.Items[best].Members {
			best = i
		}
	}
	t.group = groups.Items[best].ID
	var props struct {
		Items []struct {
			Key    string `json:"key"`
			Type   string `json:"type"`
			Values []struct {
				Value string `json:"value"`
			} `json:"values"`
		} `json:"items"`
	}
	if err := getJSON(api("/properties"), &props); err != nil {
		return t, fmt.Errorf("the properties: %v", err)
	}
	for _, p := range props.Items {
		if p.Type == "select" && len(p.Values) > 0 {
			t.property = p.Key + ":" + p.Values[0].Value
			break
		}
	}
	if t.property == "" {
		return t, errors.New("no select property (seed with --properties)")
	}
	return t, nil
}

func cli(bin string, args ...string) (string, error) {
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("roster %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
