package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// AuthenticateAdmin checks a username and password and records the sign-in,
// or the refusal and its reason, in the audit log (see auditAdminSignIn).
// Every refusal is ErrInvalidCredentials after one bcrypt comparison, so an
// unknown username, a wrong password and a locked account look and take
// alike. MaxFailedLogins failures in a row lock the account for
// FailedLoginLock (until then even the right password is refused).
//
// The attempt is counted before the password is compared, in a write of its
// own: parallel guesses each take a number, and those past the limit are
// refused whatever their password. The comparison itself runs outside any
// write transaction.
func (s *Store) AuthenticateAdmin(ctx context.Context, username, pw string) (Admin, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	a, err := scanAdmin(s.rd.QueryRowContext(ctx, `SELECT `+adminColumns+` FROM administrators a WHERE a.username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && a.Locked(s.now())) {
		s.verifyPassword(sql.NullString{}, pw)
		id, reason := a.ID, SignInLocked
		if errors.Is(err, sql.ErrNoRows) {
			id, reason = 0, SignInUnknownUsername
		}
		return Admin{}, s.failAdminSignIn(ctx, id, username, reason)
	}
	if err != nil {
		return Admin{}, fmt.Errorf("store: authenticate: %w", err)
	}
	var hash sql.NullString
	var attempt int
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE administrators SET failed_logins = failed_logins + 1
			WHERE id = ? AND coalesce(locked_until, 0) <= ? RETURNING password_hash, failed_logins`,
			a.ID, s.nowMillis()).Scan(&hash, &attempt)
	})
	lockedMeanwhile := errors.Is(err, sql.ErrNoRows)
	if err != nil && !lockedMeanwhile {
		return Admin{}, fmt.Errorf("store: authenticate: %w", err)
	}
	if !s.verifyPassword(hash, pw) || attempt > MaxFailedLogins {
		reason := SignInWrongPassword
		if lockedMeanwhile || attempt > MaxFailedLogins {
			reason = SignInLocked
		}
		if err := s.failAdminSignIn(ctx, a.ID, a.Username, reason); !errors.Is(err, ErrInvalidCredentials) {
			return Admin{}, err
		}
		if attempt >= MaxFailedLogins {
			return Admin{}, s.lockAdmin(ctx, a)
		}
		return Admin{}, ErrInvalidCredentials
	}
	now := s.nowMillis()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE administrators SET failed_logins = 0, last_login_at = ?
			WHERE id = ? AND coalesce(locked_until, 0) <= ?`, now, a.ID, now)
		if err != nil {
			return fmt.Errorf("store: record sign-in: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrInvalidCredentials // locked by parallel failures meanwhile
		}
		return s.auditAdminSignIn(ctx, tx, a.ID, a.Username, "")
	})
	if err != nil {
		return Admin{}, err
	}
	a.LastLoginAt = new(fromMillis(now))
	return a, nil
}

// failAdminSignIn records a failed console sign-in (administrator id 0
// when the username is no one's) and answers ErrInvalidCredentials. It is
// one short write: the sign-in limiter has already refused floods.
func (s *Store) failAdminSignIn(ctx context.Context, id int64, username, reason string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return s.auditAdminSignIn(ctx, tx, id, username, reason)
	})
	if err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// lockAdmin locks a for FailedLoginLock after too many failed sign-ins,
// with an audit event in each of their tenants, and answers
// ErrInvalidCredentials: the lock is not announced to whoever guessed.
func (s *Store) lockAdmin(ctx context.Context, a Admin) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.nowMillis()
		res, err := s.exec(ctx, tx, `UPDATE administrators SET failed_logins = 0, locked_until = ?
			WHERE id = ? AND coalesce(locked_until, 0) <= ?`, now+FailedLoginLock.Milliseconds(), a.ID, now)
		if err != nil {
			return fmt.Errorf("store: lock administrator: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // a parallel failure locked it first
		}
		return s.auditAdminEverywhere(ctx, tx, a.ID, "admin.lock", Changes{
			"locked": {Before: false, After: true}, "lock_reason": {After: LockFailedLogins}})
	})
	if err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// auditAdminEverywhere records one event about administrator id in each
// tenant they belong to, by the actor of ctx (the system when none).
func (s *Store) auditAdminEverywhere(ctx context.Context, tx *sql.Tx, id int64, action string, ch Changes) error {
	rows, err := tx.QueryContext(ctx, `SELECT tenant_id FROM tenant_members WHERE admin_id = ?`, id)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	tenants, err := collect(rows, func(sc rowScanner) (int64, error) {
		var t int64
		return t, sc.Scan(&t)
	})
	if err != nil {
		return err
	}
	for _, t := range tenants {
		if err := s.audit(ctx, tx, t, action, "admin", PublicID(PrefixAdmin, id), ch); err != nil {
			return err
		}
	}
	return nil
}

// UnlockAdmin lifts a failed-sign-in lock of an administrator who is a
// member of tenant (ErrNotFound otherwise). An owner's way to let someone
// back in before the lock ends.
func (s *Store) UnlockAdmin(ctx context.Context, tenant, admin int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		m, _, err := memberInTx(ctx, tx, tenant, admin)
		if err != nil {
			return err
		}
		if !m.Locked(s.now()) {
			return nil
		}
		if _, err := s.exec(ctx, tx, `UPDATE administrators SET failed_logins = 0, locked_until = NULL WHERE id = ?`, admin); err != nil {
			return fmt.Errorf("store: unlock administrator: %w", err)
		}
		return s.audit(ctx, tx, tenant, "admin.unlock", "admin", m.PublicID(), Changes{"locked": {Before: true, After: false}})
	})
}

// SetAdminPassword replaces an administrator's password; the command line's
// way back in when the printed password is lost. It also lifts a lock, and
// ends the administrator's console sessions (they remember the password
// they began under).
func (s *Store) SetAdminPassword(ctx context.Context, username, pw string) error {
	if msg := CheckAdminPassword(pw); msg != "" {
		return FieldErrors{"password": msg}
	}
	hash, err := s.hashPassword(pw)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		// Strictly later than the previous change, even within a millisecond.
		err := tx.QueryRowContext(ctx, `UPDATE administrators SET password_hash = ?, failed_logins = 0, locked_until = NULL,
			password_changed_at = `+s.greatest()+`(?, password_changed_at + 1) WHERE username = ? RETURNING id`,
			hash, s.nowMillis(), strings.ToLower(username)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: administrator %q: %w", username, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: set password: %w", err)
		}
		return s.auditAdminEverywhere(ctx, tx, id, "admin.password_set", nil)
	})
}
