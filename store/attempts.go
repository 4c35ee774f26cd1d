package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Quota is one key counted against a limit of Max attempts per sliding
// Window. The key names what is counted (an address, an address and a
// username); the same key always comes with the same limit.
type Quota struct {
	Key    string
	Max    int
	Window time.Duration
}

// Reservation is the outcome of ReserveAttempts: OK with the attempt
// counted, or refused with how long until the quota that is used up frees
// an attempt.
type Reservation struct {
	OK   bool
	Wait time.Duration
	ids  []int64 // the attempt's rows, which ReleaseAttempts deletes
}

// attemptsPruned is how many lapsed attempts each reservation deletes: more
// than it adds, so lapsed rows never pile up, and few enough that a
// reservation stays short however many lapsed at once.
const attemptsPruned = 16

// ReserveAttempts takes one attempt from every quota, or from none: when
// any is used up the reservation is refused with the wait until the oldest
// attempt that counts against it leaves its window. Attempts are reserved
// before the work they guard (a bcrypt comparison, an email), so requests
// sent at once cannot all pass the check before any of them is counted, on
// this process or any other on the database. A reservation stays counted
// until its window passes, unless ReleaseAttempts takes it back.
func (s *Store) ReserveAttempts(ctx context.Context, qs ...Quota) (Reservation, error) {
	type keyed struct {
		Quota
		hash []byte
		lock int64
	}
	ks := make([]keyed, len(qs))
	for i, q := range qs {
		sum := sha256.Sum256([]byte(q.Key))
		ks[i] = keyed{q, sum[:], int64(binary.BigEndian.Uint64(sum[:8]))}
	}
	// Locks are taken in one order by every process, so two reservations
	// sharing keys wait for each other instead of deadlocking.
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(a.lock, b.lock) })
	var r Reservation
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r = Reservation{}
		now := s.nowMillis()
		if s.pg {
			// SQLite has one writer at a time; on PostgreSQL the count and
			// the insert below must not interleave with another
			// transaction's for the same key. The locks end with the
			// transaction, after its rows are visible.
			for _, k := range ks {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, k.lock); err != nil {
					return fmt.Errorf("store: reserve attempt: %w", err)
				}
			}
		}
		if _, err := s.exec(ctx, tx, s.pruneAttemptsSQL(), now, attemptsPruned); err != nil {
			return fmt.Errorf("store: prune attempts: %w", err)
		}
		for _, k := range ks {
			// The Max-th newest attempt within the window, if there is one,
			// is the oldest that keeps the quota used up.
			var at int64
			err := s.in(tx).QueryRowContext(ctx, `SELECT at FROM attempts WHERE key_hash = ? AND at > ?
				ORDER BY at DESC LIMIT 1 OFFSET ?`, k.hash, now-k.Window.Milliseconds(), k.Max-1).Scan(&at)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("store: count attempts: %w", err)
			}
			r.Wait = max(r.Wait, time.Duration(at+k.Window.Milliseconds()-now)*time.Millisecond)
		}
		if r.Wait > 0 {
			return nil
		}
		for _, k := range ks {
			var id int64
			if err := s.in(tx).QueryRowContext(ctx, `INSERT INTO attempts (key_hash, at, expires_at) VALUES (?, ?, ?) RETURNING id`,
				k.hash, now, now+k.Window.Milliseconds()).Scan(&id); err != nil {
				return fmt.Errorf("store: reserve attempt: %w", err)
			}
			r.ids = append(r.ids, id)
		}
		r.OK = true
		return nil
	})
	if err != nil {
		return Reservation{}, err
	}
	return r, nil
}

// pruneAttemptsSQL deletes up to ? attempts that lapsed by ?. On
// PostgreSQL rows another reservation is deleting are skipped rather than
// waited for: they go either way.
func (s *Store) pruneAttemptsSQL() string {
	q := `DELETE FROM attempts WHERE id IN (SELECT id FROM attempts WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`
	if s.pg {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	return q + `)`
}

// ReleaseAttempts takes back a reservation, as if the attempt had not been
// made: a successful sign-in does, since only failures count. A refused
// reservation has nothing to take back.
func (s *Store) ReleaseAttempts(ctx context.Context, r Reservation) error {
	if len(r.ids) == 0 {
		return nil
	}
	args := make([]any, len(r.ids))
	for i, id := range r.ids {
		args[i] = id
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// Only the placeholders are joined; the ids are bound arguments.
		if _, err := tx.ExecContext(ctx, `DELETE FROM attempts WHERE id IN (?`+strings.Repeat(", ?", len(args)-1)+`)`, args...); err != nil {
			return fmt.Errorf("store: release attempt: %w", err)
		}
		return nil
	})
}
