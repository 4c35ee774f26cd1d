// Package storetest opens a fresh Roster database for a test, on the
// engine the run is for: PostgreSQL when ROSTER_TEST_POSTGRES names a
// server (make test starts a throwaway one), else a SQLite file in the
// test's temporary folder.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating databases
	"golang.org/x/crypto/bcrypt"

	"roster/store"
)

// ServerEnv names the variable holding the PostgreSQL server's URL: a
// database on it where the user may create databases.
const ServerEnv = "ROSTER_TEST_POSTGRES"

// Engine is the engine this run tests: "postgres" or "sqlite".
func Engine() string {
	if os.Getenv(ServerEnv) != "" {
		return "postgres"
	}
	return "sqlite"
}

// Open opens a fresh, migrated database closed after the test, with
// bcrypt at its lowest cost (a hash at cost 10 takes most of a second
// under the race detector).
func Open(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.PasswordCost = bcrypt.MinCost
	return s
}

// OpenTwice opens one fresh database twice: two stores on it are two Roster
// processes (replicas) sharing it, each with its own memory, locks and
// clock. On SQLite they share the file, as two processes would.
func OpenTwice(t testing.TB) (a, b *store.Store) {
	t.Helper()
	dsn := DSN(t)
	open := func() *store.Store {
		s, err := store.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		s.PasswordCost = bcrypt.MinCost
		return s
	}
	return open(), open()
}

// DSN returns the name of a fresh database for the test, migrated on
// PostgreSQL and not yet created on SQLite, removed after the test.
func DSN(t testing.TB) string {
	t.Helper()
	if os.Getenv(ServerEnv) == "" {
		return filepath.Join(t.TempDir(), "roster.db")
	}
	return PostgresDSN(t)
}

// PostgresDSN returns the URL of a fresh, migrated PostgreSQL database
// for the test, whatever engine the run is for, dropped after the test:
// for tests of both engines at once, such as copying from one to the
// other. Without a server it fails the test, saying how to get one. Such
// tests are named Test…ToPostgres, which make test runs in its
// PostgreSQL pass only (its SQLite pass has no server to give them).
func PostgresDSN(t testing.TB) string {
	t.Helper()
	server := os.Getenv(ServerEnv)
	if server == "" {
		t.Fatalf("storetest: %s needs a PostgreSQL server as well as SQLite, and %s names none. "+
			"make test starts one and runs it there; by hand: "+
			"%s=$(store/storetest/pgserver start /tmp/pg) go test -run '^%s$' %s, then store/storetest/pgserver stop /tmp/pg",
			t.Name(), ServerEnv, ServerEnv, t.Name(), packageDir())
	}
	tmpl, err := template(server)
	if err != nil {
		t.Fatalf("storetest: %v (%s=%s; make test starts a throwaway server, see the Makefile)", err, ServerEnv, server)
	}
	name := "t_" + strings.ToLower(rand.Text()[:16])
	if err := admin(server, `CREATE DATABASE `+name+` TEMPLATE `+tmpl); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := admin(server, `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
		}
	})
	return withDatabase(server, name)
}

// packageDir is the test's package as go test names it from the module's
// root (tests run in their package's folder), such as ./store.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "./PACKAGE"
	}
	for root := wd; ; root = filepath.Dir(root) {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			rel, err := filepath.Rel(root, wd)
			if err != nil {
				return "./PACKAGE"
			}
			return "./" + filepath.ToSlash(rel)
		}
		if filepath.Dir(root) == root {
			return "./PACKAGE"
		}
	}
}

var (
	tmplOnce sync.Once
	tmplName string
	tmplErr  error
)

// template returns a database migrated once for this test process, which
// each test's database copies: copying is far cheaper than migrating.
func template(server string) (string, error) {
	tmplOnce.Do(func() {
		name := "roster_tmpl_" + strings.ToLower(rand.Text()[:16])
		if tmplErr = admin(server, `CREATE DATABASE `+name); tmplErr != nil {
			return
		}
		s, err := store.Open(context.Background(), withDatabase(server, name))
		if err != nil {
			tmplErr = err
			return
		}
		tmplErr, tmplName = s.Close(), name
	})
	return tmplName, tmplErr
}

// admin runs one statement on the server's own database.
func admin(server, stmt string) error {
	db, err := sql.Open("pgx", server)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(stmt)
	return err
}

// withDatabase is the server URL naming database name instead.
func withDatabase(server, name string) string {
	u, err := url.Parse(server)
	if err != nil {
		return server
	}
	u.Path = "/" + name
	return u.String()
}
