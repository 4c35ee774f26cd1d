package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"roster/handlers/request"
	"roster/store"
	"roster/store/userfile"
)

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// exportCmd writes a tenant's users, or those the users list's filters
// keep, to a users' file, showing progress on a terminal. The file appears
// under its name only once complete.
func exportCmd(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	db := dbFlag(fs, getenv)
	tenant := fs.String("tenant", "default", "alias of the tenant to export")
	format := fs.String("format", userfile.FormatCSV, "file format: csv or jsonl")
	dest := fs.String("out", "", "file to write (required)")
	// The users list's filters, under the API's parameter names.
	params := url.Values{}
	for _, name := range []string{"status", "q", "org_unit_id", "include_descendants", "group_id", "user_type",
		"username_prefix", "source_type", "created_from", "created_to"} {
		fs.Func(strings.ReplaceAll(name, "_", "-"), "keep the users whose "+name+" matches, as GET /api/v1/users?"+name+"=…",
			func(v string) error { params.Set(name, v); return nil })
	}
	var tags, props listFlag
	fs.Var(&tags, "tag", "keep the users with this tag, key or key=value (repeatable)")
	fs.Var(&props, "property", "keep the users with this property value, key:value (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dest == "" {
		return fmt.Errorf("--out FILE is required")
	}
	if *format != userfile.FormatCSV && *format != userfile.FormatJSONL {
		return fmt.Errorf("--format must be csv or jsonl")
	}
	params["tag"], params["property"] = tags, props
	f, fe := request.UserFilter(params)
	if len(fe) > 0 {
		return cliFilterError(fe)
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := tenantByAlias(ctx, st, *tenant)
	if err != nil {
		return err
	}
	total, err := st.CountUsers(ctx, t.ID, f)
	if err != nil {
		return cliFilterError(err)
	}
	// Written beside its destination and renamed when complete, so a
	// failed export never leaves a file that looks whole.
	tmp, err := os.CreateTemp(filepath.Dir(*dest), filepath.Base(*dest)+".*.part")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	start, tty := time.Now(), isTerminal(out)
	n, err := st.ExportUsers(ctx, t.ID, f, *format, tmp, func(done int) error {
		if tty {
			fmt.Fprintf(out, "\r%s   ", progressLine(int64(done), int64(max(total, done)), "users", time.Since(start)))
		}
		return nil
	})
	if tty {
		fmt.Fprintln(out)
	}
	if err != nil {
		return cliFilterError(err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *dest); err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(out, "exported %d users of %s to %s in %s (%.0f users/s)\n", n, t.Alias, *dest,
		el.Round(time.Millisecond), float64(n)/max(el.Seconds(), 1e-9))
	return nil
}

// cliFilterError names the flag of a filter the store refused.
func cliFilterError(err error) error {
	var fe store.FieldErrors
	if request.AsFieldErrors(err, &fe) {
		field, msg := fe.First()
		return fmt.Errorf("--%s: %s", strings.ReplaceAll(field, "_", "-"), msg)
	}
	return err
}
