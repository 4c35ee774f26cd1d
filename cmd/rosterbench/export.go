package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// exportRSSTarget is the most an export of every user may grow the
// server's resident memory by, in MiB: the export is streamed a page at a
// time, never held whole.
const exportRSSTarget = 50

// measureExport downloads one export of every user (sc.req) and reports
// users/s in place of requests/s, and how much the server's resident
// memory grew while it ran, sampled every 10 ms.
func (b *bench) measureExport(o options, sc scenario) (result, error) {
	prof := make(chan []byte, 1)
	go func() { prof <- cpuProfile(b.srv.debug, o.duration) }()
	before := b.srv.rss()
	peak := before
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
				peak = max(peak, b.srv.rss())
			}
		}
	})
	begin := time.Now()
	lines, status, err := countLines(sc.req())
	el := time.Since(begin)
	close(done)
	wg.Wait()
	p := <-prof
	if err != nil {
		return result{}, err
	}
	users := lines - 1 // the header row
	res := result{name: sc.name, requests: 1, rps: float64(users) / el.Seconds(), p50: el, p99: el, target: sc.target}
	if status != http.StatusOK || users < o.users {
		res.errors = 1
	}
	growth := peak - before
	res.note = fmt.Sprintf("%d users in %s, server RSS +%.0f MiB (target < %d MiB: %s)", users, el.Round(time.Millisecond),
		growth, exportRSSTarget, yesNo(growth < exportRSSTarget))
	if p != nil && (res.rps < res.target || growth >= exportRSSTarget) {
		res.profile = topOfProfile(o, b.engine+" "+sc.name, p)
	}
	b.peak = max(b.peak, peak)
	fmt.Fprintf(os.Stderr, "%-10s %-50s %8.0f users/s  %s\n", engineNames[b.engine], res.name, res.rps, res.note)
	return res, nil
}

// countLines sends r and counts the lines of its body as it arrives.
func countLines(r *http.Request) (int, int, error) {
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	buf := make([]byte, 256<<10)
	n := 0
	for {
		k, err := resp.Body.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n, resp.StatusCode, nil
		}
		if err != nil {
			return n, resp.StatusCode, fmt.Errorf("export cut short after %d lines: %w", n, err)
		}
	}
}
