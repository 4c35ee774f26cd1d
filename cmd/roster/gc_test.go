package main

import (
	"runtime/debug"
	"testing"
)

// The server's soft memory limit is lower on SQLite, whose page caches
// live beside Go's heap in the process, than on PostgreSQL, whose are the
// database server's; GOMEMLIMIT and GOGC, when set, are left to Go.
func TestGCTunedForTheEngine(t *testing.T) {
	limit, percent := debug.SetMemoryLimit(-1), debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	t.Cleanup(func() { debug.SetMemoryLimit(limit); debug.SetGCPercent(percent) })
	unset := func(string) string { return "" }
	for _, tt := range []struct {
		postgres bool
		want     int64
	}{{false, 56 << 20}, {true, 96 << 20}} {
		tuneGC(unset, tt.postgres)
		if got := debug.SetMemoryLimit(-1); got != tt.want {
			t.Errorf("postgres=%v: soft limit %d MiB, want %d", tt.postgres, got>>20, tt.want>>20)
		}
		if got := debug.SetGCPercent(400); got != 400 {
			t.Errorf("postgres=%v: GOGC %d, want 400", tt.postgres, got)
		}
	}
	debug.SetMemoryLimit(1 << 40)
	tuneGC(func(k string) string { return map[string]string{"GOMEMLIMIT": "1GiB"}[k] }, true)
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("with GOMEMLIMIT set, the limit became %d", got)
	}
}
