package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"roster/store"
	"time"
)

// backupCmd writes a consistent copy of the database to a new file (see
// store.Backup); it can run beside a serving Roster, whose writes go on.
func backupCmd(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	db := dbFlag(fs, getenv)
	to := fs.String("to", "", "file to write the backup to; it must not exist yet (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return fmt.Errorf("backup needs --to FILE, the new file to write")
	}
	if store.IsPostgres(*db) {
		return fmt.Errorf("roster backup copies a SQLite file; back up PostgreSQL with its own tool: pg_dump --format=custom --file=%s '%s'", *to, store.Redacted(*db))
	}
	// Opening the store creates a missing database, which would make an
	// empty backup of a mistyped path look like success.
	if _, err := os.Stat(*db); err != nil {
		return fmt.Errorf("no database to back up: %w", err)
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(out, "backing up %s to %s (the server, if running, keeps serving)…\n", *db, *to)
	start := time.Now()
	if err := st.Backup(ctx, *to); err != nil {
		return err
	}
	took := time.Since(start).Round(time.Millisecond)
	fi, err := os.Stat(*to)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "backed up %s to %s (%s) in %s\n", *db, *to, byteSize(fi.Size()), took)
	return nil
}

// byteSize writes n bytes in the largest binary unit that keeps it at 1 or more.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	v, i := float64(n)/unit, 0
	for ; v >= unit && i < 3; i++ {
		v /= unit
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGT"[i])
}
