package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// settle waits, before a write scenario, until the box is quiet: the CPU
// at most 10 % busy over two half-seconds in a row, or 30 s at most. The
// engines take turns scenario by scenario, and a write leaves work behind
// (SQLite's checkpoints copying its write-ahead log back, PostgreSQL's
// background writer and autovacuum): measured at once, the next engine's
// write shared the two cores with it, and PostgreSQL's import read 7,000
// rows/s in a full run against 10,000-11,500 in runs of its own. It
// returns how long it waited.
func settle() time.Duration {
	start := time.Now()
	prev, ok := cpuTicks()
	if !ok {
		return 0
	}
	for quiet := 0; quiet < 2 && time.Since(start) < 30*time.Second; {
		time.Sleep(500 * time.Millisecond)
		cur, _ := cpuTicks()
		busy, total := cur[0]-prev[0], cur[1]-prev[1]
		if total > 0 && busy*10 <= total {
			quiet++
		} else {
			quiet = 0
		}
		prev = cur
	}
	return time.Since(start)
}

// cpuTicks reads the machine's busy and total CPU time from /proc/stat,
// in clock ticks; ok is false where there is none.
func cpuTicks() (ticks [2]uint64, ok bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return ticks, false
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return ticks, false
	}
	for i, f := range fields[1:] {
		n, _ := strconv.ParseUint(f, 10, 64)
		ticks[1] += n
		if i != 3 && i != 4 { // idle, iowait
			ticks[0] += n
		}
	}
	return ticks, true
}
