package store

import (
	"errors"
	"testing"
	"time"
)

// Requests that miss the read cache together wait for one count; one that
// finds an entry past half its life gets it and a renewal to run, once.
func TestReadCacheFlights(t *testing.T) {
	var c readCache
	t0 := time.Now()
	if _, ok, wait, run := c.lookup("k", 1, t0); ok || wait != nil || run == nil {
		t.Fatalf("empty cache: ok %v, wait %v, run %v; want a read to run", ok, wait, run)
	}
	_, _, wait, run := c.lookup("k", 1, t0.Add(time.Millisecond))
	first := c.flights["k"]
	if wait != first || run != nil {
		t.Fatalf("second miss: wait %p, run %p; want to wait for %p", wait, run, first)
	}
	// A write since the count began: its result is not this request's.
	if _, _, wait, run := c.lookup("k", 2, t0.Add(time.Millisecond)); wait != nil || run == nil || run == first {
		t.Fatalf("after a write: wait %v, run %v; want a count of its own", wait, run)
	}
	c.put("k", 7, 1, first.at)
	c.land("k", first, 7, nil)
	if wait.v != 7 || wait.err != nil {
		t.Fatalf("landed %v, %v", wait.v, wait.err)
	}
	if n, ok, _, run := c.lookup("k", 1, t0.Add(readCacheTTL/2)); !ok || n != 7 || run != nil {
		t.Fatalf("fresh entry: %v, %v, renew %v", n, ok, run)
	}
	at := t0.Add(readCacheTTL/2 + time.Millisecond)
	n, ok, _, renew := c.lookup("k", 1, at)
	if !ok || n != 7 || renew == nil {
		t.Fatalf("entry past half its life: %v, %v, renew %v; want it and a renewal", n, ok, renew)
	}
	if n, ok, _, run := c.lookup("k", 1, at); !ok || n != 7 || run != nil {
		t.Fatalf("while renewing: %v, %v, renew %v; want it and no second renewal", n, ok, run)
	}
	// Expired while the renewal runs: wait for the renewal.
	if _, ok, wait, _ := c.lookup("k", 1, t0.Add(readCacheTTL+time.Millisecond)); ok || wait != renew {
		t.Fatalf("expired during the renewal: ok %v, wait %p; want to wait for %p", ok, wait, renew)
	}
	// A count that began longer ago than an entry lives is not waited for.
	if _, ok, wait, run := c.lookup("k", 1, at.Add(readCacheTTL+time.Millisecond)); ok || wait != nil || run == nil {
		t.Fatalf("a count begun over a TTL ago: ok %v, wait %v, run %v; want a new count", ok, wait, run)
	}
	c.put("k", 8, 1, at)
	c.land("k", renew, 8, nil)
	if n, ok, _, _ := c.lookup("k", 1, at.Add(readCacheTTL/2)); !ok || n != 8 {
		t.Fatalf("renewed entry: %v, %v; want 8", n, ok)
	}
	// An older count does not replace a newer one.
	c.put("k", 9, 1, t0)
	c.put("k", 9, 0, at.Add(time.Second))
	if n, _, _, _ := c.lookup("k", 1, at.Add(readCacheTTL/2)); n != 8 {
		t.Fatalf("after older counts: %v; want 8", n)
	}
	// A failed count lands its error for those waiting.
	_, _, _, f := c.lookup("e", 1, t0)
	_, _, w, _ := c.lookup("e", 1, t0)
	c.land("e", f, 0, errors.New("canceled"))
	if w.err == nil {
		t.Fatal("the waiting request did not learn the count failed")
	}
	if _, _, wait, run := c.lookup("e", 1, t0); wait != nil || run == nil {
		t.Fatalf("after a failed count: wait %v, run %v; want a new count", wait, run)
	}
}

// A cache bounded by weight holds at most its limit: a list of matches
// weighs its length, and one heavier than the whole bound is not kept.
func TestReadCacheStaysWithinItsWeight(t *testing.T) {
	c := readCache{limit: 10}
	t0 := time.Now()
	list := func(n int) *matchList { return &matchList{ids: make([]int64, n), vals: make([]string, n)} }
	held := func(key string) bool {
		_, ok, _, _ := c.lookup(key, 1, t0)
		return ok
	}
	c.put("a", list(3), 1, t0)
	c.put("b", list(3), 1, t0)
	c.put("a", list(4), 1, t0.Add(time.Millisecond)) // replaces a's weight
	if c.used != 9 || !held("a") || !held("b") {
		t.Fatalf("two lists: used %d, a %v, b %v; want 9 and both", c.used, held("a"), held("b"))
	}
	c.put("c", 7, 1, t0) // a count weighs one
	if c.used != 10 || !held("c") {
		t.Fatalf("and a count: used %d; want 10", c.used)
	}
	c.put("d", list(0), 1, t0)
	if c.used > c.limit || !held("d") {
		t.Fatalf("past the bound: used %d of %d, d held %v", c.used, c.limit, held("d"))
	}
	c.put("e", list(10), 1, t0)
	if held("e") || c.used > c.limit {
		t.Fatalf("a list heavier than the bound: held %v, used %d", held("e"), c.used)
	}
}
