package request

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

const timingKey = "timing"

// timing is how long a request spent in the store calls Timed measured,
// and when the last of them ended.
type timing struct {
	query time.Duration
	end   time.Time
}

// Benchmarking is the middleware of a server in bench mode (make bench):
// an answer whose handler timed its store calls with Timed says, in a
// Server-Timing header, how long they took (query) and how long the
// handler took after the last of them until the answer's headers went out
// (encode: for a JSON list, turning its rows into the body; for a page,
// the rest of the page's work and its rendering). The benchmark averages
// them to split a list's cost between its query and its encoding, which
// only the server can tell apart.
func Benchmarking(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		t := &timing{}
		c.Set(timingKey, t)
		c.Response().Before(func() {
			if t.end.IsZero() {
				return
			}
			ms := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds()*1000, 'f', 3, 64) }
			c.Response().Header().Set("Server-Timing", "query;dur="+ms(t.query)+", encode;dur="+ms(time.Since(t.end)))
		})
		return next(c)
	}
}

// Timed starts timing a store call made to answer c; the function it
// returns ends it. Outside bench mode (no Benchmarking) it measures
// nothing.
func Timed(c echo.Context) func() {
	t, _ := c.Get(timingKey).(*timing)
	if t == nil {
		return func() {}
	}
	start := time.Now()
	return func() {
		t.end = time.Now()
		t.query += t.end.Sub(start)
	}
}
