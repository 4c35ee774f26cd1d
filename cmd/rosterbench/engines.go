package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating and copying databases

	"roster/store"
)

// Engines are measured under these names, in this order.
const (
	sqlite   = "sqlite"
	postgres = "postgres"
)

var engineNames = map[string]string{sqlite: "SQLite", postgres: "PostgreSQL"}

// seedVersion names cached databases: one seeded before a migration would
// migrate on every run (the copy is thrown away), and one seeded by an
// older roster seed is not what it writes now; either change bumps it.
const seedVersion = 9

// workDatabase returns the database roster serves during the benchmark,
// a copy of the seeded one (the batch scenario adds users, and the cache
// must stay as seeded), and a function that removes the copy.
func workDatabase(ctx context.Context, o options, engine string) (dsn string, remove func(), err error) {
	if engine == postgres {
		return postgresWork(ctx, o)
	}
	db, err := seeded(ctx, o)
	if err != nil {
		return "", nil, err
	}
	work := filepath.Join(os.TempDir(), fmt.Sprintf("rosterbench-%d.db", os.Getpid()))
	if err := copyFile(db, work); err != nil {
		return "", nil, err
	}
	return work, func() {
		for _, f := range store.SQLiteFiles(work) {
			os.Remove(f)
		}
	}, nil
}

// seeded returns the cached SQLite database for these parameters, filling
// it with the roster binary itself when missing.
func seeded(ctx context.Context, o options) (string, error) {
	if err := os.MkdirAll(o.cache, 0o755); err != nil {
		return "", err
	}
	path := sqliteCache(o)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp := path + ".building"
	for _, f := range store.SQLiteFiles(tmp) {
		os.Remove(f)
	}
	fmt.Fprintf(os.Stderr, "filling %s with %d users by %s (kept for later runs)\n", path, o.users, o.fill)
	if err := build(ctx, o, tmp); err != nil {
		return "", err
	}
	// Fold the WAL into the file so the cache is one file.
	if _, err := cli(o.roster, "migrate", "--db", tmp); err != nil {
		return "", err
	}
	for _, f := range store.SQLiteFiles(tmp)[1:] {
		os.Remove(f)
	}
	return path, os.Rename(tmp, path)
}

// rosterSeed fills the database dsn with roster seed.
func rosterSeed(ctx context.Context, o options, dsn string) error {
	cmd := exec.CommandContext(ctx, o.roster, "seed", "--db", dsn, "--users", strconv.Itoa(o.users),
		"--org-units", strconv.Itoa(o.units), "--groups", strconv.Itoa(o.groups), "--properties", strconv.Itoa(o.props),
		"--seed", strconv.FormatUint(o.seed, 10))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	return nil
}

// sqliteCache is the path of the cached SQLite database for these
// parameters.
func sqliteCache(o options) string {
	return filepath.Join(o.cache, fmt.Sprintf("v%d-%susers-%d-units-%d-groups-%d-props-%d-seed-%d.db",
		seedVersion, fillTag(o), o.users, o.units, o.groups, o.props, o.seed))
}

// postgresCache names the seeded PostgreSQL database for these parameters:
// it stays on the server, as SQLite's stays in the cache folder, and is
// reused while the parameters match.
func postgresCache(o options) string {
	return fmt.Sprintf("rosterbench_v%d_%su%d_o%d_g%d_p%d_s%d", seedVersion, strings.ReplaceAll(fillTag(o), "-", "_"), o.users, o.units, o.groups, o.props, o.seed)
}

// postgresWork seeds the cached database on the server o.postgres when it
// is missing, and copies it for the run.
func postgresWork(ctx context.Context, o options) (string, func(), error) {
	if o.postgres == "" {
		return "", nil, fmt.Errorf("--postgres names no server (make bench DB=postgres starts one)")
	}
	admin, err := sql.Open("pgx", o.postgres)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	cache := postgresCache(o)
	var found bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, cache).Scan(&found); err != nil {
		return "", nil, fmt.Errorf("postgres: %w", err)
	}
	if !found {
		// Seeded under another name and renamed once complete, so an
		// interrupted run leaves nothing that looks reusable.
		tmp := cache + "_building"
		fmt.Fprintf(os.Stderr, "filling PostgreSQL database %s with %d users by %s (kept on the server for later runs)\n", cache, o.users, o.fill)
		if err := pgExec(ctx, admin, `DROP DATABASE IF EXISTS `+tmp+` WITH (FORCE)`, `CREATE DATABASE `+tmp); err != nil {
			return "", nil, err
		}
		if err := build(ctx, o, database(o.postgres, tmp)); err != nil {
			return "", nil, err
		}
		if err := pgExec(ctx, admin, `ALTER DATABASE `+tmp+` RENAME TO `+cache); err != nil {
			return "", nil, err
		}
	}
	// A copy of the files (PostgreSQL 15 otherwise copies a template page
	// by page through its write-ahead log, several times slower for a
	// database of gigabytes).
	var version int
	if err := admin.QueryRowContext(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&version); err != nil {
		return "", nil, err
	}
	strategy := ""
	if version >= 150000 {
		strategy = " STRATEGY FILE_COPY"
	}
	work := fmt.Sprintf("rosterbench_work_%d", os.Getpid())
	if err := pgExec(ctx, admin, `DROP DATABASE IF EXISTS `+work+` WITH (FORCE)`,
		`CREATE DATABASE `+work+` TEMPLATE `+cache+strategy); err != nil {
		return "", nil, err
	}
	remove := func() {
		if err := dropDatabase(o.postgres, work); err != nil {
			fmt.Fprintf(os.Stderr, "rosterbench: %v\n", err)
		}
	}
	return database(o.postgres, work), remove, nil
}

// dropDatabase removes database name from server, also when connections
// to it are left.
func dropDatabase(server, name string) error {
	admin, err := sql.Open("pgx", server)
	if err != nil {
		return err
	}
	defer admin.Close()
	return pgExec(context.Background(), admin, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
}

// pgExec runs statements on db, in order.
func pgExec(ctx context.Context, db *sql.DB, stmts ...string) error {
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("postgres: %s: %w", q, err)
		}
	}
	return nil
}

// database is the server URL naming database name instead.
func database(server, name string) string {
	u, err := url.Parse(server)
	if err != nil {
		return server
	}
	u.Path = "/" + name
	return u.String()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
