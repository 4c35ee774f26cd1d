package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"roster/store"
)

// keyFileFlag adds --secret-key-file, the server key that seals AccessKey
// secrets, to the commands that open AccessKeys.
func keyFileFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("secret-key-file", getenv("ROSTER_SECRET_KEY_FILE"),
		"file holding the server key that seals AccessKey secrets (ROSTER_SECRET_KEY_FILE; default: roster.key beside a SQLite database, "+
			"created on first use; on PostgreSQL required for AccessKeys, the same file on every replica)")
}

// sealer returns the Sealer of the server key in path. With no path, a
// SQLite database keeps its key in roster.key beside it, created on first
// use (a backup of the database alone then holds no usable secret); on
// PostgreSQL every replica must share one key, which Roster cannot
// create for them, so there is none and AccessKeys are refused, saying so.
func sealer(path, dsn string) (*store.Sealer, error) {
	if path == "" {
		if store.IsPostgres(dsn) {
			return nil, nil
		}
		path = filepath.Join(filepath.Dir(strings.TrimPrefix(dsn, "sqlite:")), "roster.key")
		if err := createKeyFile(path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("server key: %w", err)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("server key %s: readable by others (mode %v); chmod 600 it", path, info.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != store.ServerKeySize {
		return nil, fmt.Errorf("server key %s: want %d random bytes in base64 (head -c %d /dev/urandom | base64 > %s)",
			path, store.ServerKeySize, store.ServerKeySize, path)
	}
	return store.NewSealer(key)
}

// createKeyFile writes a new random server key to path, only if no file is
// there: a key replaced would leave every sealed secret unopenable.
func createKeyFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	key := make([]byte, store.ServerKeySize)
	_, _ = rand.Read(key) // crypto/rand.Read never fails on supported platforms
	if _, err := fmt.Fprintln(f, base64.StdEncoding.EncodeToString(key)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
