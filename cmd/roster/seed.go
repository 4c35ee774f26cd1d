package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"roster/store"
	"roster/store/seed"
)

// seedCmd fills a tenant with generated users for benchmarks and demos.
func seedCmd(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	db := dbFlag(fs, getenv)
	tenant := fs.String("tenant", "default", "alias of the tenant to fill (created if missing)")
	users := fs.Int("users", 1_000_000, "how many users to add")
	units := fs.Int("org-units", 0, "org units to add under the root (depth up to 8)")
	groups := fs.Int("groups", 0, "groups to add, of 1 to 50,000 members")
	props := fs.Int("properties", 0, "custom properties to add, with values for 2-40 % of the users")
	rngSeed := fs.Uint64("seed", 1, "random seed: the same seed gives the same users")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *users < 1 {
		return fmt.Errorf("--users must be at least 1")
	}
	if *units < 0 || *groups < 0 || *props < 0 {
		return fmt.Errorf("--org-units, --groups and --properties cannot be negative")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx = store.WithActor(ctx, store.Actor{Type: store.ActorSystem, Name: "roster seed"})
	t, err := st.GetTenantByAlias(ctx, *tenant)
	if err != nil {
		if t, err = st.CreateTenant(ctx, "Tenant "+*tenant, *tenant); err != nil {
			return err
		}
	}
	start := time.Now()
	tty := isTerminal(out)
	var rowsIn time.Duration // when the user rows were written
	progress := func(done int) {
		if done == *users {
			rowsIn = time.Since(start)
		}
		if !tty {
			return
		}
		fmt.Fprintf(out, "\r%s   ", progressLine(int64(done), int64(*users), "users", time.Since(start)))
		if done == *users {
			// Index building is most of the work and reports no progress.
			fmt.Fprint(out, "\nbuilding indexes and the search index…")
		}
	}
	if err := seed.Users(ctx, st, t.ID, seed.Options{Users: *users, OrgUnits: *units, Groups: *groups,
		Properties: *props, Seed: *rngSeed, Progress: progress}); err != nil {
		return err
	}
	el := time.Since(start)
	if tty {
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "seeded %d users, %d org units, %d groups and %d properties into %s in %s (%.0f users/s, indexes included); "+
		"the user rows took %s (%.0f users/s), the memberships, values, indexes and search index the rest\n",
		*users, *units, *groups, *props, t.Alias, el.Round(time.Millisecond), float64(*users)/el.Seconds(),
		rowsIn.Round(time.Millisecond), float64(*users)/max(rowsIn.Seconds(), 1e-9))
	return nil
}

// isTerminal reports whether w is a character device, where a progress
// bar that rewrites its line makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
