package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// Where a list's time goes. The list is measured next to two answers of
// its size: the floor, a bare net/http handler (this machine's best), and
// the constant answer of roster serve --bench through the very chain the
// list passes (routing, middleware, the API key or the console's session).
// From the floor to the constant answer is the plumbing every request
// pays; from the constant answer to the list, the list's own work, which
// the server's Server-Timing (query: the store call; encode: the rest of
// the handler until the headers) splits into query and encoding.

// measureFixed measures the constant answer of size bytes through c, as
// the list was, then samples the list's Server-Timing.
func (b *bench) measureFixed(o options, sc scenario, c *http.Client, size int, res *result) error {
	got, err := responseSize(c, sc.fixed(size))
	if err != nil {
		return fmt.Errorf("the constant answer (is %s a roster with --bench?): %w", o.roster, err)
	}
	if got != size {
		return fmt.Errorf("the constant answer has %d bytes, not %d", got, size)
	}
	f, err := wrk(sc.fixed(size), c, o.conns, o.duration)
	if err != nil {
		return err
	}
	if f.errors > 0 {
		return fmt.Errorf("the constant answer: %d failed requests", f.errors)
	}
	res.fixed = f.rps
	// A fifth of the scenario's time, two seconds at most, is thousands of
	// samples of a list's timing in a full run, and keeps the smoke run
	// that make test includes short.
	res.query, res.encode, res.timed = serverTiming(c, sc.req, o.conns, min(o.duration/5, 2*time.Second))
	return nil
}

var serverTimingRE = regexp.MustCompile(`(query|encode);dur=([0-9.]+)`)

// serverTiming sends req from conns connections for d and returns the
// mean query and encode durations the answers' Server-Timing gives, and
// how many answers gave them. It runs after the list's own measurement,
// whose rate a Go client reading headers beside wrk would lower.
func serverTiming(c *http.Client, req func() *http.Request, conns int, d time.Duration) (query, encode time.Duration, n int) {
	var mu sync.Mutex
	load(c, req, conns, d, func(resp *http.Response) {
		var q, e time.Duration
		found := 0
		for _, m := range serverTimingRE.FindAllStringSubmatch(resp.Header.Get("Server-Timing"), -1) {
			ms, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				return
			}
			dur := time.Duration(ms * float64(time.Millisecond))
			if m[1] == "query" {
				q = dur
			} else {
				e = dur
			}
			found++
		}
		if found != 2 {
			return
		}
		mu.Lock()
		query, encode, n = query+q, encode+e, n+1
		mu.Unlock()
	})
	if n == 0 {
		return 0, 0, 0
	}
	return query / time.Duration(n), encode / time.Duration(n), n
}

// costs is where a request's time goes, in µs a request: 1,000,000 over
// requests/s at the run's connections, the machine's time per request
// (not a latency), so the parts add up to the list's.
type costs struct {
	floor    float64 // the bare handler's
	plumbing float64 // the constant answer's, less the floor's
	work     float64 // the list's, less the constant answer's: query and encoding
	// query and encoding split work in the proportion of the mean
	// Server-Timing; ok is false when the answers gave none.
	query, encoding float64
	ok              bool
}

func (r result) costs() costs {
	us := func(rps float64) float64 { return 1e6 / rps }
	c := costs{floor: us(r.floor), plumbing: us(r.fixed) - us(r.floor), work: us(r.rps) - us(r.fixed)}
	if t := r.query + r.encode; r.timed > 0 && t > 0 {
		c.query = c.work * float64(r.query) / float64(t)
		c.encoding, c.ok = c.work-c.query, true
	}
	return c
}
