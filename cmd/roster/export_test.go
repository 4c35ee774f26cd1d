package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"roster/store"
	"roster/store/storetest"
)

// roster export writes the users a filter keeps to a file that appears
// only once complete; a bad filter names its flag and writes nothing.
func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "roster.db")
	if storetest.Engine() == "postgres" {
		db = storetest.DSN(t)
	}
	if _, err := cli(t, db, "tenant", "create", "--name", "Acme", "--alias", "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli(t, db, "seed", "--tenant", "acme", "--users", "1500", "--org-units", "10", "--groups", "3", "--properties", "4"); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	acme, _ := st.GetTenantByAlias(t.Context(), "acme")
	disabled, err := st.CountUsers(t.Context(), acme.ID, store.UserFilter{Status: store.StatusDisabled})
	if err != nil || disabled == 0 {
		t.Fatalf("disabled users: %d, %v", disabled, err)
	}

	all := filepath.Join(dir, "all.csv")
	out, err := cli(t, db, "export", "--tenant", "acme", "--out", all)
	if err != nil || !strings.Contains(out, "exported 1500 users of acme to "+all) {
		t.Fatalf("export = %q, %v", out, err)
	}
	f, _ := os.Open(all)
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) != 1501 || recs[0][0] != "username" {
		t.Fatalf("all.csv: %d records, %v", len(recs), err)
	}

	some := filepath.Join(dir, "disabled.jsonl")
	if _, err := cli(t, db, "export", "--tenant", "acme", "--format", "jsonl", "--status", "disabled", "--out", some); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(some)
	lines := 0
	for sc := bufio.NewScanner(bytes.NewReader(b)); sc.Scan(); lines++ {
		if !strings.Contains(sc.Text(), `"status":"disabled"`) {
			t.Fatalf("line %q", sc.Text())
		}
	}
	if lines != disabled {
		t.Errorf("%d lines, want %d", lines, disabled)
	}

	bad := filepath.Join(dir, "bad.csv")
	for _, args := range [][]string{{"--status", "gone"}, {"--group-id", "g_999999"}, {"--format", "xml"}} {
		_, err := cli(t, db, append([]string{"export", "--tenant", "acme", "--out", bad}, args...)...)
		if err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v = %v, want an error naming %s", args, err, args[0])
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "bad.csv*")); len(left) != 0 {
		t.Errorf("failed exports left %v", left)
	}
}
