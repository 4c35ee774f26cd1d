package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"roster/store/storetest"
)

// roster import runs an import job to its end and says what it did, with
// the rows it could not apply; flags may come before or after the file.
func TestImportCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	if storetest.Engine() == "postgres" {
		db = storetest.DSN(t)
	}
	if _, err := cli(t, db, "tenant", "create", "--name", "Acme", "--alias", "acme"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(file, []byte("username,email\nada,ada@example.com\nbob,nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := cli(t, db, "import", "--tenant", "acme", file, "--dry-run", "--source", "hr")
	if err != nil || !strings.Contains(out, "dry run of people.csv (imp_1): 1 created, 0 updated, 0 unchanged, 0 disabled, 1 failed of 2 rows") ||
		!strings.Contains(out, "row 2, column email (bob): Enter an email address") {
		t.Fatalf("import --dry-run = %q, %v", out, err)
	}
	out, err = cli(t, db, "import", "--tenant", "acme", "--source", "hr", file)
	if err != nil || !strings.Contains(out, "imported people.csv (imp_2): 1 created") {
		t.Fatalf("import = %q, %v", out, err)
	}
	if _, err := cli(t, db, "import", "--tenant", "acme", "--resume", "imp_2"); err == nil || !strings.Contains(err.Error(), "nothing to resume") {
		t.Errorf("resume of a finished import = %v", err)
	}
	if _, err := cli(t, db, "import", "--tenant", "acme", "--sync", file); err == nil || !strings.Contains(err.Error(), "needs a source") {
		t.Errorf("sync without a source = %v", err)
	}
}
