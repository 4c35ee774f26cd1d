package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"roster/store"
	"roster/store/storetest"
)

// roster import runs an import job to its end and says what it did, with
// the rows it could not apply; flags may come before or after the file. It
// runs its own job and no other: a job a server queued stays the server's.
func TestImportCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	if storetest.Engine() == "postgres" {
		db = storetest.DSN(t)
	}
	if _, err := cli(t, db, "tenant", "create", "--name", "Acme", "--alias", "acme"); err != nil {
		t.Fatal(err)
	}
	serversJob := queueUsersJob(t, db, "acme")
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
	if j := getJob(t, db, serversJob); j.Status != store.JobQueued {
		t.Errorf("the server's job after two imports: %s, want still queued", j.Status)
	}
	if _, err := cli(t, db, "import", "--tenant", "acme", "--resume", "imp_2"); err == nil || !strings.Contains(err.Error(), "nothing to resume") {
		t.Errorf("resume of a finished import = %v", err)
	}
	if _, err := cli(t, db, "import", "--tenant", "acme", "--sync", file); err == nil || !strings.Contains(err.Error(), "needs a source") {
		t.Errorf("sync without a source = %v", err)
	}
}

// queueUsersJob queues a job over every user of the tenant alias, as a
// server's console does, and returns it.
func queueUsersJob(t *testing.T, db, alias string) store.Job {
	t.Helper()
	st, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tn, err := st.GetTenantByAlias(t.Context(), alias)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(t.Context(), tn.ID, store.NewUser{Username: "grace"}); err != nil {
		t.Fatal(err)
	}
	j, err := st.CreateUsersJob(t.Context(), tn.ID, store.NewJob{Kind: "users.bulk", Title: "Lock users", Link: "/users",
		Params: map[string]string{"action": "lock"}}, store.UserFilter{}, -1)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func getJob(t *testing.T, db string, j store.Job) store.Job {
	t.Helper()
	st, err := store.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.GetJob(t.Context(), j.TenantID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
