// Command rosterbench is Roster's end-to-end benchmark: it seeds (or reuses)
// a database, starts the real roster binary on loopback and drives each
// scenario of issue 6 at a fixed number of connections, next to a bare
// net/http floor serving the same number of bytes. It prints a Markdown
// table for BENCHMARKS.md.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type options struct {
	roster   string
	users    int
	units    int // org units
	groups   int
	props    int // custom properties
	seed     uint64
	cache    string
	duration time.Duration
	conns    int
	out      io.Writer
}

func main() {
	var o options
	flag.StringVar(&o.roster, "roster", "bin/roster", "the roster binary to measure")
	flag.IntVar(&o.users, "users", 1_000_000, "users in the benchmark tenant")
	flag.IntVar(&o.units, "org-units", 10_000, "org units in the benchmark tenant")
	flag.IntVar(&o.groups, "groups", 1_000, "groups in the benchmark tenant")
	flag.IntVar(&o.props, "properties", 20, "custom properties in the benchmark tenant")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the generated users")
	flag.StringVar(&o.cache, "cache", ".cache/bench", "folder for seeded databases, reused while their parameters match")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each scenario runs")
	flag.IntVar(&o.conns, "conns", 8, "concurrent connections")
	flag.Parse()
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
	profile  string  // top of the server's CPU profile, when the target is missed
}

func run(ctx context.Context, o options) error {
	db, err := seeded(ctx, o)
	if err != nil {
		return err
	}
	// Work on a copy: the batch scenario adds users, and the cache must stay
	// as seeded.
	work := filepath.Join(os.TempDir(), fmt.Sprintf("rosterbench-%d.db", os.Getpid()))
	if err := copyFile(db, work); err != nil {
		return err
	}
	defer os.Remove(work)
	defer os.Remove(work + "-wal")
	defer os.Remove(work + "-shm")

	adminKey, err := cli(o.roster, "apikey", "create", "--db", work, "--role", "admin", "--name", "bench")
	if err != nil {
		return err
	}
	key := regexp.MustCompile(`(?m)^(rst_\S+)$`).FindStringSubmatch(adminKey)
	if key == nil {
		return fmt.Errorf("no key in %q", adminKey)
	}
	const pw = "bench-password-123"
	if _, err := cli(o.roster, "admin", "create", "--db", work, "--username", "bench", "--password", pw, "--role", "owner"); err != nil {
		return err
	}

	srv, err := start(o.roster, work)
	if err != nil {
		return err
	}
	defer srv.stop()
	time.Sleep(500 * time.Millisecond)
	idle := srv.rss()

	api := func(path string) *http.Request {
		r, _ := http.NewRequest("GET", srv.url+"/api/v1"+path, nil)
		r.Header.Set("Authorization", "Bearer "+key[1])
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
		return fmt.Errorf("deep cursor: %v", err)
	}
	dir, err := directoryTargets(api)
	if err != nil {
		return err
	}
	jar, _ := cookiejar.New(nil)
	console := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if err := signIn(console, srv.url, "bench", pw); err != nil {
		return err
	}
	var batchN atomic.Int64
	// target is the target requests/s (0: none); batch create's 10,000
	// users/s is 20 requests of 500.
	scenarios := []struct {
		name   string
		req    func() *http.Request
		c      *http.Client
		target float64
	}{
		{"users first page (JSON)", func() *http.Request { return api("/users") }, nil, 10000},
		{"deep page by cursor", func() *http.Request { return api("/users?next_token=" + url.QueryEscape(deep.NextToken)) }, nil, 10000},
		{"username prefix", func() *http.Request { return api("/users?username_prefix=grace.hop") }, nil, 8000},
		{"keyword substring, 3 letters", func() *http.Request { return api("/users?q=ath") }, nil, 1000},
		{"keyword substring, 8 letters, every user matches", func() *http.Request { return api("/users?q=example.") }, nil, 1000},
		{"status filter", func() *http.Request { return api("/users?status=disabled") }, nil, 10000},
		{"org subtree, largest division", func() *http.Request {
			return api("/users?include_descendants=true&org_unit_id=" + dir.division)
		}, nil, 10000},
		{"group members, largest group", func() *http.Request { return api("/groups/" + dir.group + "/members") }, nil, 10000},
		{"property value filter", func() *http.Request { return api("/users?property=" + url.QueryEscape(dir.property)) }, nil, 10000},
		{"org tree layer (root's children)", func() *http.Request { return api("/org-units/" + dir.root + "/children") }, nil, 0},
		{"user page (JSON)", func() *http.Request { return api("/users/" + deep.Items[0].ID) }, nil, 0},
		{"users list as an HTML page", func() *http.Request {
			r, _ := http.NewRequest("GET", srv.url+"/users", nil)
			return r
		}, console, 8000},
		{"batch create, 500 users a request", func() *http.Request {
			n := batchN.Add(1)
			var b bytes.Buffer
			b.WriteString(`{"users":[`)
			for i := range 500 {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"username":"bench-%d-%d-%d","email":"b%d@bench.example"}`, os.Getpid(), n, i, i)
			}
			b.WriteString(`]}`)
			r, _ := http.NewRequest("POST", srv.url+"/api/v1/users/batch", &b)
			r.Header.Set("Authorization", "Bearer "+key[1])
			r.Header.Set("Content-Type", "application/json")
			return r
		}, nil, 20},
	}
	var results []result
	peak := idle
	for _, sc := range scenarios {
		c := sc.c
		if c == nil {
			c = client(o.conns)
		}
		size, err := responseSize(c, sc.req())
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		// A CPU profile of the server while the scenario runs; kept when the
		// scenario misses its target.
		prof := make(chan []byte, 1)
		go func() { prof <- cpuProfile(srv.debug, o.duration) }()
		var res result
		if r := sc.req(); r.Method == http.MethodGet {
			if res, err = wrk(r, c, o.conns, o.duration); err != nil {
				<-prof
				return fmt.Errorf("%s: %w", sc.name, err)
			}
		} else {
			res = load(c, sc.req, o.conns, o.duration)
		}
		res.name, res.target = sc.name, sc.target
		if p := <-prof; res.target > 0 && res.rps < res.target && p != nil {
			res.profile = topOfProfile(o, sc.name, p)
		}
		peak = max(peak, srv.rss())
		if res.floor, err = floor(size, o.conns, o.duration); err != nil {
			return err
		}
		if strings.HasPrefix(sc.name, "batch") {
			res.note = fmt.Sprintf("%.0f users/s", res.rps*500)
		}
		results = append(results, res)
		fmt.Fprintf(os.Stderr, "%-50s %8.0f req/s  p50 %-9s p99 %-9s floor %.0f req/s  errors %d\n",
			res.name, res.rps, res.p50.Round(time.Microsecond), res.p99.Round(time.Microsecond), res.floor, res.errors)
	}
	peak = max(peak, srv.hwm())
	report(o, results, idle, peak)
	for _, r := range results {
		if r.errors > 0 {
			return fmt.Errorf("%s: %d failed requests", r.name, r.errors)
		}
	}
	return nil
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

// seedVersion names cached databases: one seeded before a migration would
// migrate on every run (the copy is thrown away), and one seeded by an
// older roster seed is not what it writes now; either change bumps it.
const seedVersion = 9

// seeded returns the cached database for these parameters, seeding it with
// the roster binary itself when missing.
func seeded(ctx context.Context, o options) (string, error) {
	if err := os.MkdirAll(o.cache, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(o.cache, fmt.Sprintf("v%d-users-%d-units-%d-groups-%d-props-%d-seed-%d.db",
		seedVersion, o.users, o.units, o.groups, o.props, o.seed))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp := path + ".building"
	for _, s := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + s)
	}
	fmt.Fprintf(os.Stderr, "seeding %d users into %s (kept for later runs)\n", o.users, path)
	cmd := exec.CommandContext(ctx, o.roster, "seed", "--db", tmp, "--users", strconv.Itoa(o.users),
		"--org-units", strconv.Itoa(o.units), "--groups", strconv.Itoa(o.groups), "--properties", strconv.Itoa(o.props),
		"--seed", strconv.FormatUint(o.seed, 10))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("seeding: %w", err)
	}
	// Fold the WAL into the file so the cache is one file.
	if _, err := cli(o.roster, "migrate", "--db", tmp); err != nil {
		return "", err
	}
	for _, s := range []string{"-wal", "-shm"} {
		os.Remove(tmp + s)
	}
	return path, os.Rename(tmp, path)
}

func cli(bin string, args ...string) (string, error) {
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("roster %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// load sends requests from conns goroutines for d and measures them. The
// loops end by themselves at the deadline.
func load(c *http.Client, req func() *http.Request, conns int, d time.Duration) result {
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var all []time.Duration
	var failed int
	var wg sync.WaitGroup
	begin := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			bad := 0
			for time.Now().Before(deadline) {
				r := req()
				t0 := time.Now()
				resp, err := c.Do(r)
				if err != nil {
					bad++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode >= 300 {
					bad++
				}
			}
			mu.Lock()
			all = append(all, lat...)
			failed += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(begin)
	slices.Sort(all)
	res := result{requests: len(all), errors: failed, rps: float64(len(all)) / el.Seconds()}
	if len(all) > 0 {
		res.p50, res.p99 = all[len(all)/2], all[len(all)*99/100]
	}
	return res
}

// floor measures a bare net/http handler serving size bytes, on loopback
// with the same load generator: what this machine can do at best.
func floor(size, conns int, d time.Duration) (float64, error) {
	body := bytes.Repeat([]byte("x"), size)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	r, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/", nil)
	res, err := wrk(r, http.DefaultClient, conns, d)
	return res.rps, err
}

// wrk drives GET r with wrk (C, from Debian), as the targets were
// measured: a Go load generator on the same two cores took a third of them
// from the server. The request's headers and the client's cookies are sent
// along.
func wrk(r *http.Request, c *http.Client, conns int, d time.Duration) (result, error) {
	path, err := exec.LookPath("wrk")
	if err != nil {
		return result{}, errors.New("wrk is not installed: make bench and make test install it (apt-get install wrk)")
	}
	args := []string{"-t", strconv.Itoa(min(conns, 2)), "-c", strconv.Itoa(conns),
		"-d", fmt.Sprintf("%ds", max(1, int(d.Round(time.Second).Seconds()))), "--latency"}
	for k, vs := range r.Header {
		for _, v := range vs {
			args = append(args, "-H", k+": "+v)
		}
	}
	if c.Jar != nil {
		var cookies []string
		for _, ck := range c.Jar.Cookies(r.URL) {
			cookies = append(cookies, ck.Name+"="+ck.Value)
		}
		if len(cookies) > 0 {
			args = append(args, "-H", "Cookie: "+strings.Join(cookies, "; "))
		}
	}
	out, err := exec.Command(path, append(args, r.URL.String())...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	return parseWrk(string(out))
}

// parseWrk reads the figures of wrk --latency's report.
func parseWrk(out string) (result, error) {
	var res result
	field := func(re string) []string { return regexp.MustCompile(re).FindStringSubmatch(out) }
	m := field(`Requests/sec:\s+([0-9.]+)`)
	n := field(`(\d+) requests in`)
	p50, p99 := field(`\s50%\s+([0-9.]+[a-z]+)`), field(`\s99%\s+([0-9.]+[a-z]+)`)
	if m == nil || n == nil || p50 == nil || p99 == nil {
		return res, fmt.Errorf("unexpected wrk output:\n%s", out)
	}
	res.rps, _ = strconv.ParseFloat(m[1], 64)
	res.requests, _ = strconv.Atoi(n[1])
	res.p50, _ = time.ParseDuration(p50[1])
	res.p99, _ = time.ParseDuration(p99[1])
	if e := field(`Non-2xx or 3xx responses: (\d+)`); e != nil {
		res.errors, _ = strconv.Atoi(e[1])
	}
	if e := field(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`); e != nil {
		for _, v := range e[1:] {
			k, _ := strconv.Atoi(v)
			res.errors += k
		}
	}
	return res, nil
}

func report(o options, results []result, idle, peak float64) {
	w := o.out
	fmt.Fprintf(w, "| scenario | requests/s | share of floor | p50 | p99 | target | met | note |\n|---|---:|---:|---:|---:|---:|---|---|\n")
	for _, r := range results {
		share := 0.0
		if r.floor > 0 {
			share = 100 * r.rps / r.floor
		}
		target, met := "—", "—"
		if r.target > 0 {
			target, met = fmt.Sprintf("%.0f", r.target), "no"
			if r.rps >= r.target {
				met = "yes"
			}
		}
		fmt.Fprintf(w, "| %s | %.0f | %.0f %% | %s | %s | %s | %s | %s |\n", r.name, r.rps, share,
			r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), target, met, r.note)
	}
	fmt.Fprintf(w, "\n%d users, %d org units, %d groups, %d properties; %d connections, %s per scenario. Server RSS: %.0f MiB idle, %.0f MiB peak.\n",
		o.users, o.units, o.groups, o.props, o.conns, o.duration, idle, peak)
	for _, r := range results {
		if r.profile != "" {
			fmt.Fprintf(w, "\n### %s: top of the server's CPU profile\n\n```\n%s```\n", r.name, r.profile)
		}
	}
}

// cpuProfile records the server's CPU for about d (net/http/pprof).
func cpuProfile(debug string, d time.Duration) []byte {
	if debug == "" {
		return nil
	}
	secs := max(1, int(d.Seconds())-1)
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", debug, secs))
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil
	}
	return b
}

// topOfProfile saves a profile next to the cached databases and returns
// its top entries by cumulative time, as `go tool pprof -top` prints them.
func topOfProfile(o options, name string, p []byte) string {
	dir := filepath.Join(o.cache, "profiles")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ""
	}
	file := filepath.Join(dir, strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(name))+".pprof")
	if err := os.WriteFile(file, p, 0o644); err != nil {
		return ""
	}
	// The HTTP plumbing above the handler is hidden: it is on every stack
	// and would fill the top of a cumulative listing.
	out, err := exec.Command("go", "tool", "pprof", "-top", "-cum", "-nodecount=18",
		`-hide=^(net/http\.|github\.com/labstack/|roster/handlers\.requestID|roster/handlers\.\(\*Handler\)\.(routes|apiAuth|securityHeaders))`,
		o.roster, file).Output()
	if err != nil {
		return ""
	}
	// Keep the table, not pprof's header lines.
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		if strings.Contains(l, "flat%") {
			return strings.Join(lines[i:], "\n")
		}
	}
	return string(out)
}
