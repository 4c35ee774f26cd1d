package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// load sends requests from conns goroutines for d and measures them;
// seen, when not nil, is shown each answer (from any of the goroutines).
// The loops end by themselves at the deadline.
func load(c *http.Client, req func() *http.Request, conns int, d time.Duration, seen func(*http.Response)) result {
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
				if seen != nil {
					seen(resp)
				}
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
// along; script, when given, is wrk's Lua script and its arguments.
func wrk(r *http.Request, c *http.Client, conns int, d time.Duration, script ...string) (result, error) {
	path, err := exec.LookPath("wrk")
	if err != nil {
		return result{}, errors.New("wrk is not installed: make bench and make test install it (apt-get install wrk)")
	}
	args := []string{"-t", strconv.Itoa(wrkThreads(conns)), "-c", strconv.Itoa(conns),
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
	if len(script) > 0 {
		args = append(args, "-s", script[0])
	}
	args = append(args, r.URL.String())
	if len(script) > 1 {
		args = append(append(args, "--"), script[1:]...)
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	return parseWrk(string(out))
}

// bodyScript writes a wrk script sending r's method and body, and returns
// its path as wrk's script arguments.
func bodyScript(dir string, r *http.Request) ([]string, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(body, []byte("]==]")) {
		return nil, fmt.Errorf("%s: a body wrk's script cannot quote", r.URL.Path)
	}
	path := filepath.Join(dir, "body.lua")
	script := fmt.Sprintf("wrk.method = %q\nwrk.body = [==[%s]==]\n", r.Method, body)
	return []string{path}, os.WriteFile(path, []byte(script), 0o600)
}

// wrkThreads is how many threads wrk runs for conns connections: one a
// core.
func wrkThreads(conns int) int { return min(conns, 2) }

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
	// The HTTP plumbing above the handler (the middleware) is hidden: it is
	// on every stack and would fill the top of a cumulative listing. What
	// it costs is the split's plumbing (split.go).
	out, err := exec.Command("go", "tool", "pprof", "-top", "-cum", "-nodecount=18",
		`-hide=^(net/http\.|github\.com/labstack/|roster/handlers\.\(\*Handler\)\.(routes|limitBody|securityHeaders)|`+
			`roster/handlers/request\.(AssignID|Benchmarking)|roster/handlers/acs\.Route|roster/handlers/api\.\(\*Handler\)\.auth)`,
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
