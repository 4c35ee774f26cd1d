// Command roster is the Roster user directory: the web console, the JSON
// API and the command-line tools, in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// the VCS revision Go records is used.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "roster:", err)
		}
		os.Exit(1)
	}
}

const usage = `Usage: roster <command> [flags]

Commands:
  serve            run the console and API (the default)
  migrate          apply database migrations and exit
  version          print the version
  tenant create    create a tenant (--name, --alias)
  tenant list      list tenants
  admin create     create an administrator (--username, --email, [--password], [--tenant, --role])
  admin password   set an administrator's password (--username, [--password])
  apikey create    create an API key (--role, --name, [--tenant]); prints the key once
  accesskey create create an AccessKey pair for the Alibaba Cloud protocols (--role, --name, [--tenant]); prints the secret once
  accesskey list   list a tenant's AccessKey pairs ([--tenant])
  accesskey revoke revoke an AccessKey pair (--id, [--tenant])
  seed             add generated users to a tenant (--users, --seed, [--tenant]) for benchmarks
  import           import a users' file, CSV or JSON Lines (FILE, [--dry-run], [--sync], [--source], [--create-org-units], [--tenant])
  export           write a tenant's users, or those filters keep, to a CSV or JSON Lines file (--out, [--format, --tenant, --status, --q, …])
  optimize         merge the keyword search index into one segment (after large imports)
  backup           write a consistent copy of the database to a new file (--to), even while serving
  copy             copy a SQLite database into a new, empty PostgreSQL one (--from FILE, --to postgres://…)

Run "roster <command> -h" for a command's flags.
`

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, rest := "serve", args
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, rest = args[0], args[1:]
	}
	sub := func() (string, []string, error) {
		if len(rest) == 0 || rest[0] == "" || rest[0][0] == '-' {
			return "", nil, fmt.Errorf("%s needs a subcommand; see roster help", cmd)
		}
		return rest[0], rest[1:], nil
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stderr)
	case "migrate":
		return migrateCmd(ctx, rest, getenv, stdout)
	case "seed":
		return seedCmd(ctx, rest, getenv, stdout)
	case "import":
		return importCmd(ctx, rest, getenv, stdout)
	case "export":
		return exportCmd(ctx, rest, getenv, stdout)
	case "optimize":
		return optimizeCmd(ctx, rest, getenv, stdout)
	case "backup":
		return backupCmd(ctx, rest, getenv, stdout)
	case "copy":
		return copyCmd(ctx, rest, stdout)
	case "version":
		fmt.Fprintln(stdout, "roster", buildVersion())
		return nil
	case "tenant", "admin", "apikey", "accesskey":
		s, a, err := sub()
		if err != nil {
			return err
		}
		return tool(ctx, cmd+" "+s, a, getenv, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return version
}
