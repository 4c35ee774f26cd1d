package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/store"
	"roster/store/seed"
)

// A backup taken while users are being created is a snapshot: it opens as
// a Roster database, passes SQLite's integrity check, and holds exactly the
// users created up to some moment, which is no earlier than its start.
func TestBackupWhileUsersAreBeingCreated(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	// Enough rows that the copy takes a while, for writes to go on meanwhile.
	const seeded = 1000
	if err := seed.Users(ctx, s, tn.ID, seed.Options{Users: seeded, Seed: 5, OrgUnits: 20, Groups: 3, Properties: 4}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var created []string // usernames whose CreateUser has returned, in order
	createdSoFar := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(created)
	}
	writeCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		for i := 0; writeCtx.Err() == nil; i++ {
			u, err := s.CreateUser(writeCtx, tn.ID, store.NewUser{Username: fmt.Sprintf("writer%06d", i)})
			if err != nil {
				done <- err
				return
			}
			mu.Lock()
			created = append(created, u.Username)
			mu.Unlock()
		}
		done <- nil
	}()
	for len(createdSoFar()) < 20 {
		time.Sleep(time.Millisecond)
	}

	to := filepath.Join(t.TempDir(), "backup.db")
	before := createdSoFar()
	start := time.Now()
	err := s.Backup(ctx, to)
	took := time.Since(start)
	during := len(createdSoFar()) - len(before)
	stop()
	if werr := <-done; werr != nil && !errors.Is(werr, context.Canceled) {
		t.Fatalf("CreateUser beside the backup = %v", werr)
	}
	if err != nil {
		t.Fatalf("Backup(%s) = %v", to, err)
	}
	t.Logf("backup took %s; %d users were created meanwhile", took, during)
	if during == 0 {
		t.Errorf("Backup took %s and no user was created meanwhile: it held up the writer", took)
	}
	after := createdSoFar()

	db, err := sql.Open("sqlite", "file:"+to)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("PRAGMA integrity_check on the backup = %q, %v; want ok", check, err)
	}
	b, err := store.Open(ctx, to)
	if err != nil {
		t.Fatalf("store.Open(backup) = %v", err)
	}
	defer b.Close()
	var held []string
	rows, err := db.QueryContext(ctx, `SELECT username FROM users WHERE username LIKE 'writer%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		held = append(held, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(held) < len(before) || len(held) > len(after) || !slices.Equal(held, after[:len(held)]) {
		t.Fatalf("the backup holds %d writers' users, not the first %d to %d created:\n%v", len(held), len(before), len(after), held)
	}
	all, err := b.ListUsers(ctx, tn.ID, store.UserFilter{})
	if err != nil || all.Total != seeded+len(held) {
		t.Fatalf("users in the backup = %d, %v; want %d", all.Total, err, seeded+len(held))
	}
	if err := b.CheckSearchIndex(ctx); err != nil {
		t.Errorf("keyword index of the backup: %v", err)
	}
	if n, err := b.StalePropertyCopies(ctx); n != 0 || err != nil {
		t.Errorf("%d stale property copies in the backup (%v)", n, err)
	}
}

// A backup never replaces a file, and one that fails leaves nothing behind:
// no file under its name, no temporary file beside it.
func TestBackupRefusesAnExistingFileAndLeavesNothingWhenItFails(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	dir := t.TempDir()
	to := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(to, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := s.Backup(t.Context(), to)
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), to) {
		t.Fatalf("Backup over an existing file = %v, want fs.ErrExist naming %s", err, to)
	}
	if b, _ := os.ReadFile(to); string(b) != "keep me" {
		t.Fatalf("the existing file now holds %q", b)
	}

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	other := filepath.Join(dir, "other.db")
	if err := s.Backup(cancelled, other); err == nil {
		t.Fatal("Backup with a cancelled context succeeded")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"backup.db"}) {
		t.Fatalf("files after a failed backup = %v, want only the untouched backup.db", names)
	}
}
