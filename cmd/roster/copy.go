package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"roster/store"
)

// copyCmd moves a directory from SQLite to PostgreSQL: every row of the
// SQLite file, ids unchanged, into a new, empty PostgreSQL database (see
// store.CopyDatabase), so a team that outgrows one machine keeps it all.
func copyCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("copy", flag.ContinueOnError)
	from := fs.String("from", "", "the SQLite database file to copy (required); a server may keep using it meanwhile")
	to := fs.String("to", "", "the PostgreSQL database to copy into, a postgres:// URL (required): created beforehand, and empty")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *from == "" || *to == "":
		return errors.New("copy needs --from FILE, the SQLite database, and --to postgres://…, the PostgreSQL one to fill")
	case store.IsPostgres(*from):
		return errors.New("--from is the SQLite database file to copy; roster copy moves a directory from SQLite to PostgreSQL")
	case !store.IsPostgres(*to):
		return fmt.Errorf("--to must be a postgres:// URL, not %q: roster copy moves a directory from SQLite to PostgreSQL (roster backup copies a SQLite file)", *to)
	}
	// Opening the store creates a missing database, which would copy an
	// empty directory from a mistyped path.
	if _, err := os.Stat(strings.TrimPrefix(*from, "sqlite:")); err != nil {
		return fmt.Errorf("no database to copy: %w", err)
	}
	src, err := store.Open(ctx, *from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := store.Open(ctx, *to)
	if err != nil {
		return err
	}
	defer dst.Close()

	target := store.Redacted(*to)
	fmt.Fprintf(out, "copying %s to %s: one snapshot of the file (a server using it keeps serving), in one transaction (a failure leaves the target empty)…\n",
		*from, target)
	tty := isTerminal(out)
	start := time.Now()
	var tableStart, drawn time.Time
	var rowsIn time.Duration // when the last row was written
	progress := func(table string, done, total int64) {
		now := time.Now()
		if done == 0 {
			tableStart = now
		}
		if table == store.CopyIndexes && done == 0 {
			rowsIn = now.Sub(start)
		}
		finished := done == total
		// A redraw a tenth of a second is enough to read; every call would
		// be hundreds a second.
		if tty && (finished || now.Sub(drawn) >= 100*time.Millisecond) {
			drawn = now
			fmt.Fprintf(out, "\r%s   ", progressLine(done, total, table, now.Sub(tableStart)))
		}
		if finished {
			if !tty {
				fmt.Fprint(out, progressLine(done, total, table, now.Sub(tableStart)))
			}
			fmt.Fprintln(out)
		}
	}
	copied, err := store.CopyDatabase(ctx, src, dst, progress)
	if err != nil {
		if tty {
			fmt.Fprintln(out)
		}
		return fmt.Errorf("nothing was copied to %s: %w", target, err)
	}
	el := time.Since(start)
	var rows int64
	for _, t := range copied {
		rows += t.Rows
	}
	fmt.Fprintf(out, "copied %d tables, %d rows, from %s to %s in %s (%.0f rows/s); the rows took %s (%.0f rows/s), "+
		"the indexes, foreign keys and planner statistics the rest\n",
		len(copied), rows, *from, target, el.Round(time.Millisecond), float64(rows)/max(el.Seconds(), 1e-9),
		rowsIn.Round(time.Millisecond), float64(rows)/max(rowsIn.Seconds(), 1e-9))
	fmt.Fprintln(out, "sign-in sessions were not copied: everyone signs in again once Roster runs on PostgreSQL")
	return nil
}
