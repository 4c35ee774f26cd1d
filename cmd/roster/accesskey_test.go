package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"roster/store"
	"roster/store/storetest"
)

// roster accesskey create prints a pair once; list shows it without its
// secret; revoke ends it. On SQLite the server key is created beside the
// database on first use, readable by its owner only; on PostgreSQL it is
// given to every command (and every replica) as a file.
func TestAccessKeyCommands(t *testing.T) {
	dir := t.TempDir()
	db, keyFile := filepath.Join(dir, "roster.db"), filepath.Join(dir, "roster.key")
	flags := []string{}
	if storetest.Engine() == "postgres" {
		db, keyFile = storetest.DSN(t), filepath.Join(dir, "shared.key")
		if err := createKeyFile(keyFile); err != nil {
			t.Fatal(err)
		}
		flags = []string{"--secret-key-file", keyFile}
	}
	if _, err := cli(t, db, "tenant", "create", "--name", "Acme", "--alias", "acme"); err != nil {
		t.Fatal(err)
	}
	out, err := cli(t, db, append([]string{"accesskey", "create", "--tenant", "acme", "--role", "admin", "--name", "eds sync"}, flags...)...)
	m := regexp.MustCompile(`AccessKeyId:\s+(RAK\S+)\nAccessKeySecret:\s+(\S+)`).FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("accesskey create = %q, %v", out, err)
	}
	info, err := os.Stat(keyFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("server key file = %v, %v; want it, mode 600", info, err)
	}
	out, err = cli(t, db, append([]string{"accesskey", "list", "--tenant", "acme"}, flags...)...)
	if err != nil || !strings.Contains(out, m[1]) || !strings.Contains(out, "eds sync") || strings.Contains(out, m[2]) {
		t.Fatalf("accesskey list = %q, %v; want the pair without its secret", out, err)
	}

	st, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Sealer, err = sealer(keyFile, db); err != nil {
		t.Fatal(err)
	}
	if _, secret, err := st.AccessKeySecret(t.Context(), m[1]); err != nil || string(secret) != m[2] {
		t.Fatalf("the printed secret is not the stored one: %q, %v", secret, err)
	}

	if out, err := cli(t, db, append([]string{"accesskey", "revoke", "--tenant", "acme", "--id", m[1]}, flags...)...); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("accesskey revoke = %q, %v", out, err)
	}
	if _, err := cli(t, db, append([]string{"accesskey", "revoke", "--tenant", "acme", "--id", m[1]}, flags...)...); err == nil ||
		!strings.Contains(err.Error(), "no active AccessKey") {
		t.Fatalf("revoking twice = %v, want no active AccessKey", err)
	}
}

// A server key file others can read, or one that is not a key, stops the
// command with the fix; on PostgreSQL without a key file, creating a pair
// says what is missing.
func TestServerKeyFileIsChecked(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "roster.db")
	loose := filepath.Join(dir, "loose.key")
	if err := createKeyFile(loose); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := sealer(loose, db); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key file readable by others = %v, want refused with chmod 600", err)
	}
	short := filepath.Join(dir, "short.key")
	if err := os.WriteFile(short, []byte("c2hvcnQ=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sealer(short, db); err == nil || !strings.Contains(err.Error(), "/dev/urandom") {
		t.Errorf("a key file of 5 bytes = %v, want refused with how to make one", err)
	}
	if s, err := sealer("", "postgres://roster@127.0.0.1:1/roster"); s != nil || err != nil {
		t.Errorf("PostgreSQL without a key file = %v, %v; want no sealer, no error", s, err)
	}
	if storetest.Engine() == "postgres" {
		pg := storetest.DSN(t)
		if _, err := cli(t, pg, "tenant", "create", "--name", "Acme", "--alias", "acme"); err != nil {
			t.Fatal(err)
		}
		if _, err := cli(t, pg, "accesskey", "create", "--tenant", "acme", "--role", "admin", "--name", "x"); err == nil ||
			!strings.Contains(err.Error(), "--secret-key-file") {
			t.Errorf("accesskey create on PostgreSQL without a key = %v, want it to name --secret-key-file", err)
		}
	}
}
