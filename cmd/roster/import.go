package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"roster/store"
	"roster/store/jobs"
)

// importErrorsPrinted is how many of an import's errors the command
// prints; the API's error report has them all.
const importErrorsPrinted = 20

// importCmd imports a users' file into a tenant as an import job, run by
// this process (or by a server on the same database, which may take it
// first), and shows its progress until it ends.
func importCmd(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	db := dbFlag(fs, getenv)
	tenant := fs.String("tenant", "default", "alias of the tenant to import into")
	var o store.ImportOptions
	fs.BoolVar(&o.DryRun, "dry-run", false, "say what each row would do, changing nothing")
	fs.BoolVar(&o.Sync, "sync", false, "disable the users of --source that the file does not hold")
	fs.StringVar(&o.Source, "source", "", "the source the file comes from: its users are matched by external id within it")
	fs.BoolVar(&o.CreateOrgUnits, "create-org-units", false, "create the org units of paths that do not exist")
	resume := fs.String("resume", "", "go on with an import (its id, imp_…) whose job ended before it did, instead of a FILE")
	// Flags may follow the file: parse what is after it too.
	if err := fs.Parse(args); err != nil {
		return err
	}
	var file string
	if fs.NArg() > 0 {
		file = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return err
		}
	}
	if (file == "") == (*resume == "") || fs.NArg() > 0 {
		return errors.New("import takes one FILE (CSV or JSON Lines), or --resume with an import's id; see roster import -h")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx = store.WithActor(ctx, store.Actor{Type: store.ActorSystem, Name: "roster import"})
	t, err := tenantByAlias(ctx, st, *tenant)
	if err != nil {
		return err
	}
	var imp store.Import
	if *resume != "" {
		id, ok := store.ParseID(store.PrefixImport, *resume)
		if !ok {
			return fmt.Errorf("--resume takes an import's id, such as imp_12")
		}
		imp, err = st.ResumeImport(ctx, t.ID, id)
	} else {
		imp, err = importFile(ctx, st, t.ID, o, file)
	}
	if err != nil {
		return err
	}
	// This process runs its own job and no other; a server on the same
	// database may have taken it first, and then runs it while this
	// watches. The job ends (interrupted, if this is stopped) before the
	// command returns.
	ran := make(chan error, 1)
	go func() {
		_, err := jobs.RunOne(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil)), imp.JobID)
		ran <- err
	}()
	err = watchImport(ctx, st, imp, out)
	return errors.Join(err, <-ran)
}

func importFile(ctx context.Context, st *store.Store, tenant int64, o store.ImportOptions, path string) (store.Import, error) {
	f, err := os.Open(path)
	if err != nil {
		return store.Import{}, err
	}
	defer f.Close()
	return jobs.CreateImport(ctx, st, tenant, o, filepath.Base(path), f)
}

// watchImport redraws an import's progress on a terminal until its job
// ends, then prints its outcome and first errors.
func watchImport(ctx context.Context, st *store.Store, imp store.Import, out io.Writer) error {
	tty := isTerminal(out)
	start, from := time.Now(), imp.RowsDone
	var j store.Job
	for {
		// The job first: once it has ended, the import read after it has
		// its final counts.
		var err error
		if j, err = st.GetJob(ctx, imp.TenantID, imp.JobID); err != nil {
			return err
		}
		if imp, err = st.GetImport(ctx, imp.TenantID, imp.ID); err != nil {
			return err
		}
		if tty {
			fmt.Fprintf(out, "\r%s   ", progressLine(int64(imp.RowsDone-from), int64(imp.TotalRows-from), "rows", time.Since(start)))
		}
		if !j.Active() {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	if tty {
		fmt.Fprintln(out)
	}
	what := "imported"
	if imp.DryRun {
		what = "dry run of"
	}
	el := time.Since(start)
	fmt.Fprintf(out, "%s %s (%s): %d created, %d updated, %d unchanged, %d disabled, %d failed of %d rows in %s (%.0f rows/s)\n",
		what, imp.FileName, imp.PublicID(), imp.Created, imp.Updated, imp.Unchanged, imp.Disabled, imp.Failed, imp.TotalRows,
		el.Round(time.Millisecond), float64(imp.RowsDone-from)/max(el.Seconds(), 1e-9))
	rows, err := st.ImportRows(ctx, imp.TenantID, imp.ID, 0, importErrorsPrinted, true)
	if err != nil {
		return err
	}
	for _, r := range rows {
		col := ""
		if r.Column != "" {
			col = ", column " + r.Column
		}
		fmt.Fprintf(out, "  row %d%s (%s): %s\n", r.Row, col, r.Username, r.Message)
	}
	if imp.Failed > len(rows) {
		fmt.Fprintf(out, "  … the full report: GET /api/v1/imports/%s/errors\n", imp.PublicID())
	}
	if j.Status != store.JobDone {
		msg := j.Error
		if msg == "" {
			msg = j.Status
		}
		return fmt.Errorf("the import stopped: %s, %d of %d rows applied (roster import --resume %s applies the rest)", msg, imp.RowsDone, imp.TotalRows, imp.PublicID())
	}
	return nil
}
