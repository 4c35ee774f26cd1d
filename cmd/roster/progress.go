package main

import (
	"fmt"
	"strings"
	"time"
)

// progressLine is the line the long commands (seed, copy) redraw on a
// terminal as they go: a bar, how many of total what are done, the rate
// since start and the time left at that rate.
func progressLine(done, total int64, what string, elapsed time.Duration) string {
	const width = 30
	filled := width
	if total > 0 {
		filled = int(min(width*done/total, width))
	}
	rate := float64(done) / max(elapsed.Seconds(), 1e-9)
	eta := "?"
	switch {
	case done >= total:
		eta = "0s"
	case rate > 0:
		eta = (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second).String()
	}
	// Slow steps (an index a few seconds) still show a rate.
	digits := 0
	if rate > 0 && rate < 10 {
		digits = 1
	}
	return fmt.Sprintf("[%s%s] %d/%d %s, %.*f/s, ETA %s",
		strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, total, what, digits, rate, eta)
}
