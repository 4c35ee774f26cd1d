package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ChangePassword is the signed-in end user's change: current must match
// unless the user is completing a forced change right after signing in.
func (s *Store) ChangePassword(ctx context.Context, tenant, user int64, current, password string, forced bool) (User, error) {
	old, err := getUser(ctx, s.rd, tenant, user)
	if err != nil {
		return User{}, err
	}
	if !forced {
		hash, err := s.passwordHash(ctx, user)
		if err != nil {
			return User{}, err
		}
		if !s.verifyPassword(hash, current) {
			return User{}, FieldErrors{"current_password": "This is not your current password."}
		}
	}
	return s.replacePassword(ctx, old, password, false)
}

// SetUserPassword is an administrator setting a user's password. It meets
// the tenant's policy and history like any new password and has the same
// consequences (see setPassword): among them, the user's sessions begun
// under the old password end. requireChange makes the user choose their
// own at their next sign-in. The audit event never holds the password.
func (s *Store) SetUserPassword(ctx context.Context, tenant, user int64, password string, requireChange bool) (User, error) {
	old, err := getUser(ctx, s.rd, tenant, user)
	if err != nil {
		return User{}, err
	}
	u, err := s.replacePassword(ctx, old, password, requireChange)
	if err != nil {
		return User{}, err
	}
	return s.withProperties(ctx, u)
}

// replacePassword checks and hashes password for u, then stores it.
func (s *Store) replacePassword(ctx context.Context, u User, password string, requireChange bool) (User, error) {
	np, err := s.newPassword(ctx, u, password)
	if err != nil {
		return User{}, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := getUser(ctx, s.in(tx), u.TenantID, u.ID)
		if err != nil {
			return err
		}
		u, err = s.setPassword(ctx, tx, old, np, requireChange)
		return err
	})
	return u, err
}

func (s *Store) passwordHash(ctx context.Context, user int64) (sql.NullString, error) {
	var hash sql.NullString
	if err := s.rd.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, user).Scan(&hash); err != nil {
		return hash, fmt.Errorf("store: password: %w", err)
	}
	return hash, nil
}

// newPasswordHash is a user's next password, checked and hashed before the
// write transaction that stores it; replaces is the hash it was checked
// against, which must still be current when it is stored.
type newPasswordHash struct {
	hash     string
	replaces sql.NullString
}

// newPassword checks password against the tenant's policy and the user's
// history and hashes it. The bcrypt work (a comparison per remembered
// password, then the hash) happens here, outside any write transaction.
func (s *Store) newPassword(ctx context.Context, u User, password string) (newPasswordHash, error) {
	p, err := passwordPolicy(ctx, s.rd, u.TenantID)
	if err != nil {
		return newPasswordHash{}, err
	}
	if msg := p.Check(password, u.Username, u.Email); msg != "" {
		return newPasswordHash{}, FieldErrors{"password": msg}
	}
	current, err := s.passwordHash(ctx, u.ID)
	if err != nil {
		return newPasswordHash{}, err
	}
	if p.History > 0 {
		hashes := []string{}
		if current.Valid {
			hashes = append(hashes, current.String)
		}
		rows, err := s.rd.QueryContext(ctx, `SELECT hash FROM password_history WHERE user_id = ? ORDER BY created_at DESC LIMIT ?`, u.ID, p.History)
		if err != nil {
			return newPasswordHash{}, fmt.Errorf("store: password history: %w", err)
		}
		old, err := collect(rows, func(sc rowScanner) (string, error) {
			var h string
			return h, sc.Scan(&h)
		})
		if err != nil {
			return newPasswordHash{}, err
		}
		hashes = append(hashes, old...)
		for _, h := range hashes[:min(len(hashes), p.History)] {
			if s.verifyPassword(sql.NullString{String: h, Valid: true}, password) {
				return newPasswordHash{}, FieldErrors{"password": fmt.Sprintf("Choose a password you have not used for your last %d passwords.", p.History)}
			}
		}
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return newPasswordHash{}, err
	}
	return newPasswordHash{hash: hash, replaces: current}, nil
}

// setPassword stores a password newPassword prepared, with every
// consequence of a new password: pending users are enabled, reset links
// end, "update_password" is done (or, with requireChange, asked for
// again), history is kept, and the change time moves strictly forward, so
// every session begun under the old password (which remembers that time)
// ends. A password changed since it was prepared is a conflict: the
// checks were made against the old one.
func (s *Store) setPassword(ctx context.Context, tx *sql.Tx, u User, np newPasswordHash, requireChange bool) (User, error) {
	p, err := passwordPolicy(ctx, s.in(tx), u.TenantID)
	if err != nil {
		return User{}, err
	}
	var current sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&current); err != nil {
		return User{}, fmt.Errorf("store: password: %w", err)
	}
	if current != np.replaces {
		return User{}, conflict("password", "The password was changed meanwhile; try again.")
	}
	now := s.nowMillis()
	if current.Valid {
		if _, err := s.exec(ctx, tx, `INSERT INTO password_history (user_id, hash, created_at) VALUES (?, ?, ?)`, u.ID, current.String, now); err != nil {
			return User{}, fmt.Errorf("store: password history: %w", err)
		}
	}
	acts := slices.DeleteFunc(slices.Clone(u.RequiredActions), func(a string) bool { return a == "update_password" })
	if requireChange {
		acts = append(acts, "update_password")
		slices.Sort(acts)
	}
	status := u.Status
	if status == StatusPending {
		status = StatusEnabled
	}
	var expires sql.NullInt64
	if p.ExpiryDays > 0 {
		expires = sql.NullInt64{Int64: now + int64(p.ExpiryDays)*24*time.Hour.Milliseconds(), Valid: true}
	}
	_, err = s.exec(ctx, tx, `UPDATE users SET password_hash = ?,
		password_changed_at = `+s.greatest()+`(?, coalesce(password_changed_at, 0) + 1), registered_at = coalesce(registered_at, ?),
		status = ?, required_actions = ?, password_expires_at = ?, failed_logins = 0, updated_at = ? WHERE id = ?`,
		np.hash, now, now, status, strings.Join(acts, ","), expires, now, u.ID)
	if err != nil {
		return User{}, fmt.Errorf("store: password: %w", err)
	}
	// A new password ends every reset and invitation link.
	if _, err := s.exec(ctx, tx, `DELETE FROM user_tokens WHERE user_id = ? AND kind IN ('reset', 'invite') AND used_at IS NULL`, u.ID); err != nil {
		return User{}, fmt.Errorf("store: password: %w", err)
	}
	ch := Changes{"password": {After: "changed"}}
	ch.set("status", u.Status, status)
	if requireChange {
		ch["require_password_change"] = Change{After: true}
	}
	if err := s.audit(ctx, tx, u.TenantID, "user.set_password", "user", u.PublicID(), ch); err != nil {
		return User{}, err
	}
	return getUser(ctx, s.in(tx), u.TenantID, u.ID)
}

// AuthenticateUser signs an end user in by username (or email) and
// password. Every refusal of the password is ErrInvalidCredentials after
// one bcrypt comparison: an unknown user, a user without a password, a
// wrong password and a locked account look and take alike. Five failures in
// a row lock the user for 15 minutes. The right password on an account
// that is disabled, pending or expired is ErrAccountUnavailable. A password
// past its expiry adds "update_password". Every attempt is in the audit
// log: user.sign_in, or user.sign_in_failed with its reason.
//
// As for administrators, the attempt is counted in a write of its own
// before the comparison, which runs outside any write transaction:
// parallel guesses past the limit are refused whatever their password.
func (s *Store) AuthenticateUser(ctx context.Context, tenant int64, login, password string) (User, error) {
	u, err := s.userByLogin(ctx, s.rd, tenant, login)
	now := s.now()
	if errors.Is(err, ErrNotFound) || (err == nil && u.Locked(now)) {
		s.verifyPassword(sql.NullString{}, password)
		known, reason := &u, SignInLocked
		if errors.Is(err, ErrNotFound) {
			known, reason = nil, SignInUnknownUsername
		}
		return User{}, s.failUserSignIn(ctx, tenant, known, login, reason)
	}
	if err != nil {
		return User{}, err
	}
	var hash sql.NullString
	var attempt int
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1
			WHERE id = ? AND (locked_at IS NULL OR lock_until <= ?) RETURNING password_hash, failed_logins`,
			u.ID, now.UnixMilli()).Scan(&hash, &attempt)
	})
	lockedMeanwhile := errors.Is(err, sql.ErrNoRows)
	if err != nil && !lockedMeanwhile {
		return User{}, fmt.Errorf("store: sign in: %w", err)
	}
	if !s.verifyPassword(hash, password) || attempt > MaxFailedLogins {
		reason := SignInWrongPassword
		if lockedMeanwhile || attempt > MaxFailedLogins {
			reason = SignInLocked
		}
		if err := s.failUserSignIn(ctx, tenant, &u, login, reason); !errors.Is(err, ErrInvalidCredentials) {
			return User{}, err
		}
		if attempt >= MaxFailedLogins {
			if err := s.lockUser(ctx, u); err != nil {
				return User{}, err
			}
		}
		return User{}, ErrInvalidCredentials
	}
	var outcome error
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		u, err = getUser(ctx, s.in(tx), tenant, u.ID)
		if err != nil {
			return err
		}
		now := s.now()
		if u.Locked(now) { // by parallel failures meanwhile
			outcome = ErrInvalidCredentials
			return s.auditUserSignInFailed(ctx, tx, tenant, &u, login, SignInLocked)
		}
		if u.Status != StatusEnabled || (u.AccountExpiresAt != nil && !u.AccountExpiresAt.After(now)) {
			outcome = ErrAccountUnavailable
			if _, err := s.exec(ctx, tx, `UPDATE users SET failed_logins = 0 WHERE id = ?`, u.ID); err != nil {
				return err
			}
			return s.auditUserSignInFailed(ctx, tx, tenant, &u, login, SignInUnavailable)
		}
		acts := u.RequiredActions
		p, err := passwordPolicy(ctx, s.in(tx), tenant)
		if err != nil {
			return err
		}
		expired := u.PasswordExpiresAt != nil && !u.PasswordExpiresAt.After(now)
		if p.ExpiryDays > 0 && u.PasswordChangedAt != nil && now.Sub(*u.PasswordChangedAt) > time.Duration(p.ExpiryDays)*24*time.Hour {
			expired = true
		}
		if expired && !slices.Contains(acts, "update_password") {
			acts = append(slices.Clone(acts), "update_password")
			slices.Sort(acts)
		}
		if _, err := s.exec(ctx, tx, `UPDATE users SET failed_logins = 0, last_login_at = ?, required_actions = ? WHERE id = ?`,
			now.UnixMilli(), strings.Join(acts, ","), u.ID); err != nil {
			return fmt.Errorf("store: sign in: %w", err)
		}
		u.RequiredActions, u.LastLoginAt = acts, &now
		actx := WithActor(ctx, Actor{Type: ActorUser, ID: u.PublicID(), Name: u.Username})
		return s.audit(actx, tx, tenant, ActionUserSignIn, "user", u.PublicID(), nil)
	})
	if err != nil {
		return User{}, err
	}
	if outcome != nil {
		return User{}, outcome
	}
	return u, nil
}

// failUserSignIn records an end user's failed sign-in (u nil when the
// login named no one) and answers ErrInvalidCredentials. It is one short
// write: the sign-in limiter has already refused floods.
func (s *Store) failUserSignIn(ctx context.Context, tenant int64, u *User, login, reason string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return s.auditUserSignInFailed(ctx, tx, tenant, u, login, reason)
	})
	if err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// lockUser locks u for FailedLoginLock after too many failed sign-ins,
// unless a lock (of any kind) is already in force.
func (s *Store) lockUser(ctx context.Context, u User) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		res, err := s.exec(ctx, tx, `UPDATE users SET failed_logins = 0, locked_at = ?, lock_until = ?, lock_reason = ?
			WHERE id = ? AND (locked_at IS NULL OR lock_until <= ?)`,
			now.UnixMilli(), now.Add(FailedLoginLock).UnixMilli(), LockFailedLogins, u.ID, now.UnixMilli())
		if err != nil {
			return fmt.Errorf("store: sign in: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		actx := WithActor(ctx, Actor{Type: ActorUser, ID: u.PublicID(), Name: u.Username})
		return s.audit(actx, tx, u.TenantID, "user.lock", "user", u.PublicID(), Changes{
			"locked": {Before: false, After: true}, "lock_reason": {After: LockFailedLogins}})
	})
}
