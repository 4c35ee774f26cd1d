package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Token kinds and lifetimes.
const (
	TokenReset  = "reset"
	TokenInvite = "invite"
	TokenVerify = "verify"

	ResetTTL  = time.Hour
	InviteTTL = 72 * time.Hour
	VerifyTTL = 24 * time.Hour
)

// Sign-in lockout, of end users and administrators alike.
const (
	MaxFailedLogins = 5
	FailedLoginLock = 15 * time.Minute
	maxCodeTries    = 5
)

var (
	// ErrAccountUnavailable means the credentials were right but the account
	// cannot sign in (disabled, pending, locked or expired). It says no more.
	ErrAccountUnavailable = errors.New("account unavailable")
)

// TokenError is a link or code that cannot be used; Reason is for the
// person holding it.
type TokenError struct{ Reason string }

func (e TokenError) Error() string { return "token: " + e.Reason }

var (
	tokenUnknown = TokenError{"This link is not valid. Check that you opened the whole link from the email, or ask for a new one."}
	tokenUsed    = TokenError{"This link has already been used. Ask for a new one if you still need it."}
	tokenExpired = TokenError{"This link has expired. Ask for a new one."}
)

// EmailData is what an email's text is made from; Store.Compose turns it
// into an Email.
type EmailData struct {
	Kind        string // password_reset, invitation, verify_email
	Tenant      Tenant
	User        User
	Path        string // the link's path, e.g. /account/acme/reset?token=…
	Code        string // the 6-digit code of a verification
	ValidFor    time.Duration
	RequestedBy string // "you" or "an administrator"
}

func hashToken(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return h[:]
}

// codeHashOf hashes a verification code with its token's hash, which is
// stored: a code is only worth anything with its own token.
func codeHashOf(tokenHash []byte, code string) []byte {
	h := sha256.Sum256(append(append([]byte{}, tokenHash...), ":"+code...))
	return h[:]
}

// issueToken creates a token for user and returns it; withCode adds a
// 6-digit code (verification). Earlier unused tokens of the same kind end.
func (s *Store) issueToken(ctx context.Context, tx *sql.Tx, u User, kind string, ttl time.Duration, withCode bool) (token, code string, err error) {
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	token = base64.RawURLEncoding.EncodeToString(raw)
	var codeHash []byte
	if withCode {
		n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
		code = fmt.Sprintf("%06d", n.Int64())
		codeHash = codeHashOf(hashToken(token), code)
	}
	now := s.nowMillis()
	if _, err := s.exec(ctx, tx, `DELETE FROM user_tokens WHERE user_id = ? AND kind = ? AND used_at IS NULL`, u.ID, kind); err != nil {
		return "", "", fmt.Errorf("store: token: %w", err)
	}
	_, err = s.exec(ctx, tx, `INSERT INTO user_tokens (tenant_id, user_id, kind, token_hash, code_hash, email, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.TenantID, u.ID, kind, hashToken(token), codeHash, u.Email, now+ttl.Milliseconds(), now)
	if err != nil {
		return "", "", fmt.Errorf("store: token: %w", err)
	}
	return token, code, nil
}

// userToken is a stored token found by its text.
type userToken struct {
	id    int64
	user  User
	kind  string
	email string
}

// findToken looks a token up in tenant among kinds; it is refused when
// unknown (or another tenant's), used or expired.
func (s *Store) findToken(ctx context.Context, q querier, tenant int64, token string, kinds ...string) (userToken, error) {
	var t userToken
	var uid, expires int64
	var used sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT id, user_id, kind, email, expires_at, used_at FROM user_tokens
		WHERE token_hash = ? AND tenant_id = ?`, hashToken(token), tenant).Scan(&t.id, &uid, &t.kind, &t.email, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !slices.Contains(kinds, t.kind)) {
		return t, tokenUnknown
	}
	if err != nil {
		return t, fmt.Errorf("store: token: %w", err)
	}
	if used.Valid {
		return t, tokenUsed
	}
	if expires <= s.nowMillis() {
		return t, tokenExpired
	}
	t.user, err = getUser(ctx, q, tenant, uid)
	if errors.Is(err, ErrNotFound) {
		return t, tokenUnknown
	}
	return t, err
}

// CheckResetToken returns the user a reset or invitation link is for, or
// a TokenError, without using it.
func (s *Store) CheckResetToken(ctx context.Context, tenant int64, token string) (User, error) {
	t, err := s.findToken(ctx, s.rd, tenant, token, TokenReset, TokenInvite)
	return t.user, err
}

// sendLink issues a token of kind for u and queues its email, inside tx.
func (s *Store) sendLink(ctx context.Context, tx *sql.Tx, t Tenant, u User, kind string, requestedBy string) error {
	if s.Compose == nil {
		return errors.New("store: no email composer")
	}
	var ttl time.Duration
	var path, mail string
	switch kind {
	case TokenReset:
		ttl, path, mail = ResetTTL, "/reset", "password_reset"
	case TokenInvite:
		ttl, path, mail = InviteTTL, "/reset", "invitation"
	case TokenVerify:
		ttl, path, mail = VerifyTTL, "/verify", "verify_email"
	}
	// A verification is for the user's own address; the other links go to
	// whoever receives the user's notices.
	to := u.Email
	if kind != TokenVerify {
		var err error
		if to, err = noticeAddress(ctx, tx, u); err != nil {
			return err
		}
	}
	if to == "" {
		return noAddress(u)
	}
	token, code, err := s.issueToken(ctx, tx, u, kind, ttl, kind == TokenVerify)
	if err != nil {
		return err
	}
	e := s.Compose(EmailData{Kind: mail, Tenant: t, User: u, Path: "/account/" + t.Alias + path + "?token=" + token,
		Code: code, ValidFor: ttl, RequestedBy: requestedBy})
	e.Kind, e.To = mail, to
	return s.enqueue(ctx, tx, t.ID, u.ID, e)
}

// SendPasswordResets emails a reset link to up to MaxBatch users (public
// ids); requireChange also asks them to change their password at next
// sign-in. Users without an email address are failed items.
func (s *Store) SendPasswordResets(ctx context.Context, tenant int64, ids []string, requireChange bool) (BatchResult, error) {
	if len(ids) > MaxBatch {
		return BatchResult{}, FieldErrors{"user_ids": fmt.Sprintf("A batch takes at most %d users; this one has %d.", MaxBatch, len(ids))}
	}
	t, err := s.GetTenant(ctx, tenant)
	if err != nil {
		return BatchResult{}, err
	}
	var res BatchResult
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res = BatchResult{}
		return eachUser(ids, &res, func(id int64) error {
			u, err := getUser(ctx, s.in(tx), tenant, id)
			if err != nil {
				return err
			}
			if to, err := noticeAddress(ctx, tx, u); err != nil {
				return err
			} else if to == "" {
				return noAddress(u)
			}
			if requireChange && !slices.Contains(u.RequiredActions, "update_password") {
				acts := append(slices.Clone(u.RequiredActions), "update_password")
				slices.Sort(acts)
				if _, err := s.exec(ctx, tx, `UPDATE users SET required_actions = ?, updated_at = ? WHERE id = ?`,
					strings.Join(acts, ","), s.nowMillis(), id); err != nil {
					return fmt.Errorf("store: reset: %w", err)
				}
			}
			if err := s.sendLink(ctx, tx, t, u, TokenReset, "an administrator"); err != nil {
				return err
			}
			return s.audit(ctx, tx, tenant, "user.reset_password", "user", u.PublicID(), Changes{
				"require_password_change": {After: requireChange}})
		})
	})
	return res, err
}

// RequestPasswordReset is the end user's "forgot password": login is a
// username or email address. It answers nil whether or not an account
// matched, so the answer reveals nothing; a matching user with an email
// gets a reset link.
func (s *Store) RequestPasswordReset(ctx context.Context, tenant int64, login string) error {
	t, err := s.GetTenant(ctx, tenant)
	if err != nil {
		return err
	}
	u, err := s.userByLogin(ctx, s.rd, tenant, login)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Status == StatusDisabled) {
		return nil
	}
	if err != nil {
		return err
	}
	if to, err := noticeAddress(ctx, s.rd, u); err != nil || to == "" {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.sendLink(ctx, tx, t, u, TokenReset, "you"); err != nil {
			return err
		}
		return s.audit(WithActor(ctx, Actor{Type: ActorUser, ID: u.PublicID(), Name: u.Username}), tx, tenant,
			"user.forgot_password", "user", u.PublicID(), nil)
	})
}

// userByLogin finds a user by username, or by email when exactly one user
// has it.
func (s *Store) userByLogin(ctx context.Context, q querier, tenant int64, login string) (User, error) {
	login = strings.TrimSpace(login)
	if login == "" {
		return User{}, fmt.Errorf("store: user: %w", ErrNotFound)
	}
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.tenant_id = ? AND u.username = ?`,
		tenant, strings.ToLower(login)))
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.tenant_id = ? AND `+s.caseless("u.email")+` = `+s.caselessArg()+` LIMIT 2`, tenant, login)
	if err != nil {
		return User{}, fmt.Errorf("store: user: %w", err)
	}
	us, err := collect(rows, scanUser)
	if err != nil {
		return User{}, err
	}
	if len(us) != 1 {
		return User{}, fmt.Errorf("store: user: %w", ErrNotFound)
	}
	return us[0], nil
}

// ResetPassword sets a new password from a reset or invitation link: the
// token is used up, the password must meet the tenant's policy, a pending
// user becomes enabled, and "update_password" is done.
func (s *Store) ResetPassword(ctx context.Context, tenant int64, token, password string) (User, error) {
	t, err := s.findToken(ctx, s.rd, tenant, token, TokenReset, TokenInvite)
	if err != nil {
		return User{}, err
	}
	np, err := s.newPassword(ctx, t.user, password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// Checked again: another request may have used the link meanwhile.
		t, err := s.findToken(ctx, s.in(tx), tenant, token, TokenReset, TokenInvite)
		if err != nil {
			return err
		}
		ctx := WithActor(ctx, Actor{Type: ActorUser, ID: t.user.PublicID(), Name: t.user.Username})
		// Used first: the new password ends every unused link.
		if _, err := s.exec(ctx, tx, `UPDATE user_tokens SET used_at = ? WHERE id = ?`, s.nowMillis(), t.id); err != nil {
			return fmt.Errorf("store: reset: %w", err)
		}
		u, err = s.setPassword(ctx, tx, t.user, np, false)
		return err
	})
	return u, err
}

// SendInvitation emails a pending user a link to choose their first
// password.
func (s *Store) SendInvitation(ctx context.Context, tenant, user int64) error {
	return s.mailUser(ctx, tenant, user, TokenInvite, "user.invite", func(u User) error {
		switch {
		case u.Status != StatusPending:
			return FieldErrors{"invite": "Only pending users (without a password yet) are invited; send a password reset instead."}
		case u.Email == "" && u.OwnerType != OwnerManager:
			return FieldErrors{"email": "An invitation needs an email address."}
		}
		return nil
	})
}

// SendVerification emails a user a verification link and code for their
// current address.
func (s *Store) SendVerification(ctx context.Context, tenant, user int64) error {
	return s.mailUser(ctx, tenant, user, TokenVerify, "user.send_verification", func(u User) error {
		if u.Email == "" {
			return FieldErrors{"email": "This user has no email address to verify."}
		}
		return nil
	})
}

// mailUser sends one user a link of kind when check allows it, with its
// audit event.
func (s *Store) mailUser(ctx context.Context, tenant, user int64, kind, action string, check func(User) error) error {
	t, err := s.GetTenant(ctx, tenant)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := getUser(ctx, s.in(tx), tenant, user)
		if err != nil {
			return err
		}
		if err := check(u); err != nil {
			return err
		}
		if err := s.sendLink(ctx, tx, t, u, kind, "an administrator"); err != nil {
			return err
		}
		return s.audit(ctx, tx, tenant, action, "user", u.PublicID(), Changes{"email": {After: u.Email}})
	})
}

// ConfirmEmail verifies the address a verification link was sent to, if
// it is still the user's address.
func (s *Store) ConfirmEmail(ctx context.Context, tenant int64, token string) (User, error) {
	var u User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		t, err := s.findToken(ctx, tx, tenant, token, TokenVerify)
		if err != nil {
			return err
		}
		u, err = s.confirm(ctx, tx, t)
		return err
	})
	return u, err
}

// ConfirmEmailCode verifies a signed-in user's address by the 6-digit code
// of their latest verification email; five wrong codes end it.
func (s *Store) ConfirmEmailCode(ctx context.Context, tenant, user int64, code string) (User, error) {
	var u User
	var refused error
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var id, expires int64
		var tokenHash, codeHash []byte
		var tries int
		var email string
		err := tx.QueryRowContext(ctx, `SELECT id, token_hash, code_hash, code_tries, expires_at, email FROM user_tokens
			WHERE tenant_id = ? AND user_id = ? AND kind = 'verify' AND used_at IS NULL ORDER BY id DESC LIMIT 1`,
			tenant, user).Scan(&id, &tokenHash, &codeHash, &tries, &expires, &email)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && tries >= maxCodeTries) {
			refused = FieldErrors{"code": "There is no code waiting for you; send a new verification email."}
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: confirm code: %w", err)
		}
		if expires <= s.nowMillis() {
			refused = FieldErrors{"code": "This code has expired; send a new verification email."}
			return nil
		}
		if subtle.ConstantTimeCompare(codeHashOf(tokenHash, strings.TrimSpace(code)), codeHash) != 1 {
			if _, err := s.exec(ctx, tx, `UPDATE user_tokens SET code_tries = code_tries + 1 WHERE id = ?`, id); err != nil {
				return fmt.Errorf("store: confirm code: %w", err)
			}
			refused = FieldErrors{"code": "That code is not right. Check the email and try again."}
			return nil
		}
		cu, err := getUser(ctx, s.in(tx), tenant, user)
		if err != nil {
			return err
		}
		u, err = s.confirm(ctx, tx, userToken{id: id, user: cu, kind: TokenVerify, email: email})
		return err
	})
	if err == nil && refused != nil {
		return User{}, refused
	}
	return u, err
}

func (s *Store) confirm(ctx context.Context, tx *sql.Tx, t userToken) (User, error) {
	if !strings.EqualFold(t.email, t.user.Email) {
		return User{}, TokenError{"This link was for an address that is no longer yours; ask for a new one."}
	}
	if _, err := s.exec(ctx, tx, `UPDATE user_tokens SET used_at = ? WHERE id = ?`, s.nowMillis(), t.id); err != nil {
		return User{}, fmt.Errorf("store: confirm: %w", err)
	}
	acts := slices.DeleteFunc(slices.Clone(t.user.RequiredActions), func(a string) bool { return a == "verify_email" })
	if _, err := s.exec(ctx, tx, `UPDATE users SET email_verified = 1, required_actions = ?, updated_at = ? WHERE id = ?`,
		strings.Join(acts, ","), s.nowMillis(), t.user.ID); err != nil {
		return User{}, fmt.Errorf("store: confirm: %w", err)
	}
	actx := WithActor(ctx, Actor{Type: ActorUser, ID: t.user.PublicID(), Name: t.user.Username})
	if err := s.audit(actx, tx, t.user.TenantID, "user.verify_email", "user", t.user.PublicID(), Changes{
		"email_verified": {Before: t.user.EmailVerified, After: true}}); err != nil {
		return User{}, err
	}
	return getUser(ctx, s.in(tx), t.user.TenantID, t.user.ID)
}

// UpdateOwnProfile is an end user editing their display name, language and
// time zone; it completes "update_profile".
func (s *Store) UpdateOwnProfile(ctx context.Context, tenant, user int64, displayName, language, timezone string) (User, error) {
	var u User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := getUser(ctx, s.in(tx), tenant, user)
		if err != nil {
			return err
		}
		u = old
		u.DisplayName, u.Language, u.Timezone = displayName, language, timezone
		u.RequiredActions = slices.DeleteFunc(slices.Clone(u.RequiredActions), func(a string) bool { return a == "update_profile" })
		u.normalize()
		fe := u.validate()
		for k := range fe {
			if k != "display_name" && k != "language" && k != "timezone" {
				delete(fe, k) // only what the person can change is theirs to fix
			}
		}
		if len(fe) > 0 {
			return fe
		}
		ch := userChanges(old, u)
		if len(ch) == 0 {
			return nil
		}
		u.UpdatedAt = fromMillis(s.nowMillis())
		if _, err := s.exec(ctx, tx, `UPDATE users SET display_name = ?, language = ?, timezone = ?, required_actions = ?,
			updated_at = ? WHERE id = ?`, u.DisplayName, u.Language, u.Timezone, strings.Join(u.RequiredActions, ","),
			u.UpdatedAt.UnixMilli(), user); err != nil {
			return fmt.Errorf("store: profile: %w", err)
		}
		actx := WithActor(ctx, Actor{Type: ActorUser, ID: u.PublicID(), Name: u.Username})
		return s.audit(actx, tx, tenant, "user.update_profile", "user", u.PublicID(), ch)
	})
	return u, err
}
