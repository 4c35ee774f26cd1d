package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// exportRSSTarget is the most an export of every user may grow the
// server's resident memory by, in MiB: the export is streamed a page at a
// time, never held whole.
const exportRSSTarget = 50

// export downloads every user through r, measuring users/s and how much
// the server's memory grows meanwhile (sampled every 10 ms).
func (b *bench) export(o options, r *http.Request) (result, error) {
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
	lines, status, err := countLines(r)
	el := time.Since(begin)
	close(done)
	wg.Wait()
	if err != nil {
		return result{}, err
	}
	users := lines - 1 // the header row
	res := result{requests: 1, rps: float64(users) / el.Seconds(), p50: el, p99: el}
	if status != http.StatusOK || users < o.users {
		res.errors = 1
	}
	growth := peak - before
	res.note = fmt.Sprintf("%d users in %s, server RSS +%.0f MiB (target < %d MiB: %s)", users, el.Round(time.Millisecond),
		growth, exportRSSTarget, yesNo(growth < exportRSSTarget))
	b.peak = max(b.peak, peak)
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
