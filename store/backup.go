package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the whole database to the new file
// to, while the store keeps serving reads and writes. Returns an error
// wrapping fs.ErrExist, naming the file, if to already exists: a backup
// never replaces a file.
//
// The copy is SQLite's VACUUM INTO: it reads one snapshot (every
// transaction committed before it began, none after), and as a reader in
// WAL mode it holds up no writer. It is written under a temporary name in
// to's folder and given its final name only once it is complete and
// synced, so a file with that name is never half a backup.
// On PostgreSQL it refuses: pg_dump is the tool there.
func (s *Store) Backup(ctx context.Context, to string) error {
	if s.pg {
		return errors.New("store: backup copies a SQLite database; back up PostgreSQL with pg_dump (pg_dump --format=custom -f FILE URL)")
	}
	if _, err := os.Lstat(to); err == nil {
		return backupExists(to)
	}
	// VACUUM INTO accepts an empty file, so CreateTemp both picks the
	// unique name and reserves it; its mode, 0600, suits a file holding
	// every secret the database holds.
	tmp, err := os.CreateTemp(filepath.Dir(to), "."+filepath.Base(to)+".*.tmp")
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName) // once renamed or linked, there is nothing to remove

	// A connection of its own: the readers are query_only, which refuses
	// VACUUM INTO (it writes the new file), and the one writer would keep
	// every write waiting for the whole copy.
	db, err := sql.Open("sqlite", dsn(s.path, false))
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmpName); err != nil {
		return fmt.Errorf("store: backup to %s: %w", to, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := syncFile(tmpName); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	// A link, unlike a rename, fails if to has appeared meanwhile. Some
	// filesystems (FAT, many network shares) have no links: there a check
	// just before the rename has to do.
	if err := os.Link(tmpName, to); errors.Is(err, fs.ErrExist) {
		return backupExists(to)
	} else if err != nil {
		if _, err := os.Lstat(to); err == nil {
			return backupExists(to)
		}
		if err := os.Rename(tmpName, to); err != nil {
			return fmt.Errorf("store: backup: %w", err)
		}
	}
	// The new name is an entry in the folder: sync it too, or a crash could
	// leave the file without its name.
	if err := syncFile(filepath.Dir(to)); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

func backupExists(to string) error {
	return fmt.Errorf("store: backup: %s: %w; a backup never replaces a file", to, fs.ErrExist)
}

// syncFile flushes the file or folder at path to stable storage.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}
