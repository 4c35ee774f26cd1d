package main

import (
	"fmt"
	"io"
	"time"
)

// PostgreSQL's goal for each list of users: at least half of SQLite's
// requests/s for the same scenario in the same run, and a p99 under 25 ms.
const (
	postgresShare = 0.5
	postgresP99   = 25 * time.Millisecond
)

// report prints the results as a Markdown table: one engine's in the
// columns BENCHMARKS.md has always had, or both engines side by side.
func report(o options, benches []*bench) {
	w := o.out
	if len(benches) == 1 {
		reportOne(w, benches[0])
	} else {
		reportBoth(w, benches[0], benches[1])
	}
	how := ""
	if o.fill == fillAPI {
		how = " (one seeded with the structure, the others created through the API, 500 a request)"
	}
	fmt.Fprintf(w, "\n%d users%s, %d org units, %d groups, %d properties; %d connections, %s per scenario.", o.users, how, o.units, o.groups,
		o.props, o.conns, o.duration)
	for _, b := range benches {
		fmt.Fprintf(w, " %s: server RSS %.0f MiB idle, %.0f MiB peak.", engineNames[b.engine], b.idle, b.peak)
	}
	if len(benches) > 1 || benches[0].engine == postgres {
		fmt.Fprint(w, " (Roster's own memory: PostgreSQL's processes are not counted.)")
	}
	fmt.Fprintln(w)
	reportSplit(w, o, benches)
	for _, b := range benches {
		for _, r := range b.results {
			if r.profile != "" {
				fmt.Fprintf(w, "\n### %s, %s: top of the server's CPU profile\n\n```\n%s```\n", engineNames[b.engine], r.name, r.profile)
			}
		}
	}
}

func reportOne(w io.Writer, b *bench) {
	fmt.Fprintf(w, "%s\n\n| scenario | requests/s | share of floor | p50 | p99 | target | met | note |\n|---|---:|---:|---:|---:|---:|---|---|\n",
		engineNames[b.engine])
	for _, r := range b.results {
		target, met := "—", "—"
		if r.target > 0 {
			target, met = fmt.Sprintf("%.0f", r.target), yesNo(r.rps >= r.target)
		}
		fmt.Fprintf(w, "| %s | %.0f | %.0f %% | %s | %s | %s | %s | %s |\n", r.name, r.rps, share(r),
			r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), target, met, r.note)
	}
}

// reportBoth prints SQLite's and PostgreSQL's results for each scenario
// on one row, each against the floor measured next to it, and whether
// PostgreSQL's lists meet their goal against SQLite's.
func reportBoth(w io.Writer, lite, pg *bench) {
	fmt.Fprintf(w, "| scenario | SQLite: requests/s | share of floor | p50 | p99 "+
		"| PostgreSQL: requests/s | share of floor | p50 | p99 | PostgreSQL / SQLite | target | met (SQLite, PostgreSQL) "+
		"| PostgreSQL ≥ %.0f %% of SQLite, p99 < %s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n",
		100*postgresShare, postgresP99)
	for i, a := range lite.results {
		b := pg.results[i]
		target, met, goal := "—", "—", "—"
		if a.target > 0 {
			target, met = fmt.Sprintf("%.0f", a.target), yesNo(a.rps >= a.target)+", "+yesNo(b.rps >= b.target)
		}
		if a.list {
			goal = yesNo(b.rps >= postgresShare*a.rps && b.p99 < postgresP99)
		}
		ratio := "—"
		if a.rps > 0 {
			ratio = fmt.Sprintf("%.0f %%", 100*b.rps/a.rps)
		}
		fmt.Fprintf(w, "| %s | %s | %.0f %% | %s | %s | %s | %.0f %% | %s | %s | %s | %s | %s | %s |\n", a.name,
			rate(a), share(a), a.p50.Round(time.Microsecond), a.p99.Round(time.Microsecond),
			rate(b), share(b), b.p50.Round(time.Microsecond), b.p99.Round(time.Microsecond),
			ratio, target, met, goal)
	}
}

// rate is a result's requests/s, with its note (batch create's users/s).
func rate(r result) string {
	if r.note != "" {
		return fmt.Sprintf("%.0f (%s)", r.rps, r.note)
	}
	return fmt.Sprintf("%.0f", r.rps)
}

func share(r result) float64 {
	if r.floor <= 0 {
		return 0
	}
	return 100 * r.rps / r.floor
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// reportSplit prints, for each list measured next to its constant answer,
// where its time goes (split.go): a row a list, and with both engines a
// row an engine, the engines' rows together.
func reportSplit(w io.Writer, o options, benches []*bench) {
	engine, sep := "", ""
	if len(benches) > 1 {
		engine, sep = " engine |", "---|"
	}
	header := false
	for i := range benches[0].results {
		for _, b := range benches {
			r := b.results[i]
			if r.fixed <= 0 || r.floor <= 0 || r.rps <= 0 {
				continue
			}
			if !header {
				fmt.Fprintf(w, "\n### Where a list's time goes\n\n| scenario |%s floor: requests/s | constant answer: requests/s | list: requests/s "+
					"| floor µs | plumbing µs | query + encoding µs | query µs | encoding µs |\n|---|%s---:|---:|---:|---:|---:|---:|---:|---:|\n", engine, sep)
				header = true
			}
			c := r.costs()
			name := r.name
			if engine != "" {
				name += " | " + engineNames[b.engine]
			}
			query, encoding := "—", "—"
			if c.ok {
				query, encoding = fmt.Sprintf("%.0f", c.query), fmt.Sprintf("%.0f", c.encoding)
			}
			fmt.Fprintf(w, "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %s | %s |\n", name, r.floor, r.fixed, r.rps,
				c.floor, c.plumbing, c.work, query, encoding)
		}
	}
	if header {
		fmt.Fprintf(w, "\nµs are 1,000,000 / requests/s at %d connections: the machine's time per request, not a latency, so a row's "+
			"parts add up to the list's. Floor: a bare net/http handler sending the list's bytes. Plumbing: the constant answer "+
			"of the same size through Roster's whole chain (routing, middleware, the API key or the console's session; roster "+
			"serve --bench), less the floor. Query + encoding: the list less the constant answer, split in the proportion of "+
			"the list's mean Server-Timing (query: the store's list call; encoding: the rest of the handler until the headers, "+
			"for the HTML page its other reads and its rendering too).\n", o.conns)
	}
}
