package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// GetUser returns a user of tenant by id, or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, tenant, id int64) (User, error) {
	u, err := getUser(ctx, s.rd, tenant, id)
	if err != nil {
		return User{}, err
	}
	return s.withProperties(ctx, u)
}

func getUser(ctx context.Context, q rowQuerier, tenant, id int64) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.tenant_id = ? AND u.id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("store: user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: get user: %w", err)
	}
	return u, nil
}

// apply copies the non-nil fields of upd onto u.
func (upd UserUpdate) apply(u *User) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&u.Username, upd.Username)
	set(&u.DisplayName, upd.DisplayName)
	set(&u.Description, upd.Description)
	set(&u.PhoneRegion, upd.PhoneRegion)
	set(&u.PhoneNumber, upd.PhoneNumber)
	set(&u.UserType, upd.UserType)
	set(&u.SourceType, upd.SourceType)
	set(&u.SourceID, upd.SourceID)
	set(&u.ExternalID, upd.ExternalID)
	set(&u.Language, upd.Language)
	set(&u.Timezone, upd.Timezone)
	set(&u.OwnerType, upd.OwnerType)
	if upd.Email != nil && !strings.EqualFold(strings.TrimSpace(*upd.Email), u.Email) {
		// A new address is unproven until verified again.
		u.Email, u.EmailVerified = *upd.Email, false
	}
	if upd.EmailVerified != nil {
		u.EmailVerified = *upd.EmailVerified
	}
	if upd.PhoneVerified != nil {
		u.PhoneVerified = *upd.PhoneVerified
	}
	if upd.AccountExpiresAt != nil {
		u.AccountExpiresAt = *upd.AccountExpiresAt
	}
	if upd.PasswordExpiresAt != nil {
		u.PasswordExpiresAt = *upd.PasswordExpiresAt
	}
	if upd.LockAt != nil {
		u.LockAt = *upd.LockAt
	}
	if upd.RequiredActions != nil {
		u.RequiredActions = *upd.RequiredActions
	}
	if upd.Tags != nil {
		u.Tags = *upd.Tags
		if u.Tags == nil {
			u.Tags = map[string]string{}
		}
	}
	if upd.OrgUnitID != nil {
		u.OrgUnitID = *upd.OrgUnitID
	}
}

// UpdateUser changes the given fields of a user. Returns ErrNotFound,
// FieldErrors for invalid values, or a conflict for a taken username or
// external id. Changing the email clears email_verified.
func (s *Store) UpdateUser(ctx context.Context, tenant, id int64, upd UserUpdate) (User, error) {
	mgr, err := s.updateManager(ctx, upd)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.inTx(ctx, func(tx *sql.Tx) (err error) {
		u, err = s.updateUser(ctx, tx, tenant, id, upd, mgr)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return s.withProperties(ctx, u)
}

// updateManager is the administrator an update making the user's owner
// the manager makes their manager, read before the update's transaction.
func (s *Store) updateManager(ctx context.Context, upd UserUpdate) (manager, error) {
	if upd.OwnerType != nil && *upd.OwnerType == OwnerManager {
		return s.managerOf(ctx)
	}
	return manager{}, nil
}

// updateUser is UpdateUser inside tx, with the manager updateManager read.
func (s *Store) updateUser(ctx context.Context, tx *sql.Tx, tenant, id int64, upd UserUpdate, mgr manager) (User, error) {
	old, err := getUser(ctx, s.in(tx), tenant, id)
	if err != nil {
		return User{}, err
	}
	u := old
	upd.apply(&u)
	u.normalize()
	fe := u.validate()
	if upd.LockAt != nil {
		if msg := checkLockAt(u.LockAt, s.now()); msg != "" {
			fe["auto_lock_at"] = msg
		}
	}
	switch {
	case u.OwnerType == old.OwnerType:
	case u.OwnerType == OwnerManager:
		if msg := mgr.check(); msg != "" {
			fe["owner_type"] = msg
		}
		u.ManagerID = mgr.id
	default:
		u.ManagerID = 0
	}
	if len(fe) > 0 {
		return User{}, fe
	}
	ch := userChanges(old, u)
	if len(ch) == 0 {
		return u, nil
	}
	if u.OrgUnitID != old.OrgUnitID {
		var ok int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM org_units WHERE tenant_id = ? AND id = ?`, tenant, u.OrgUnitID).Scan(&ok)
		if errors.Is(err, sql.ErrNoRows) {
			return User{}, FieldErrors{"org_unit_id": "No such org unit in this tenant."}
		}
		if err != nil {
			return User{}, fmt.Errorf("store: org unit: %w", err)
		}
	}
	if err := s.writeUser(ctx, tx, old, &u); err != nil {
		return User{}, err
	}
	return u, s.audit(ctx, tx, tenant, "user.update", "user", u.PublicID(), ch)
}

// writeUser writes a changed user u over its old version inside tx (the
// caller has validated it and audits it), stamping its update time.
func (s *Store) writeUser(ctx context.Context, tx *sql.Tx, old User, u *User) error {
	u.UpdatedAt = fromMillis(s.nowMillis())
	tags, _ := json.Marshal(u.Tags)
	_, err := s.exec(ctx, tx, `
		UPDATE users SET username = ?, status = ?, display_name = ?, description = ?, email = ?, email_verified = ?,
		    phone_region = ?, phone_number = ?, phone_verified = ?, account_expires_at = ?,
		    password_expires_at = ?, required_actions = ?, user_type = ?, source_type = ?, source_id = ?,
		    external_id = ?, language = ?, timezone = ?, tags = ?, org_unit_id = ?, lock_at = ?,
		    owner_type = ?, manager_id = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ?`,
		u.Username, u.Status, u.DisplayName, u.Description, u.Email, u.EmailVerified,
		u.PhoneRegion, u.PhoneNumber, u.PhoneVerified, toNullMillis(u.AccountExpiresAt),
		toNullMillis(u.PasswordExpiresAt), strings.Join(u.RequiredActions, ","), u.UserType, u.SourceType, u.SourceID,
		nullIfEmpty(u.ExternalID), u.Language, u.Timezone, string(tags), u.OrgUnitID, toNullMillis(u.LockAt),
		u.OwnerType, sql.NullInt64{Int64: u.ManagerID, Valid: u.ManagerID != 0}, u.UpdatedAt.UnixMilli(), u.TenantID, u.ID)
	if isUniqueViolation(err) {
		return uniqueUserError(err)
	}
	if err != nil {
		return fmt.Errorf("store: update user: %w", err)
	}
	if old.OrgUnitID != u.OrgUnitID {
		moves := unitMoves{}
		moves.move(old.OrgUnitID, u.OrgUnitID, 1)
		if err := s.countUnitMoves(ctx, tx, moves); err != nil {
			return err
		}
	}
	if !strings.EqualFold(old.Email, u.Email) {
		// Verification links were for the old address.
		if _, err := s.exec(ctx, tx, `DELETE FROM user_tokens WHERE user_id = ? AND kind = 'verify' AND used_at IS NULL`, u.ID); err != nil {
			return fmt.Errorf("store: update user: %w", err)
		}
	}
	return nil
}

// User actions applied in batches.
const (
	ActionLock    = "lock"
	ActionUnlock  = "unlock"
	ActionEnable  = "enable"
	ActionDisable = "disable"
	ActionDelete  = "delete"
)

// UserAction is one batch action with its options.
type UserAction struct {
	Kind  string     // one of the Action* constants
	Until *time.Time // lock: when the lock ends; nil locks until unlocked
	// LockAt is unlock's: when the user is locked again (in the future);
	// nil clears any scheduled lock.
	LockAt *time.Time
}

// ApplyUserAction applies an action to up to MaxBatch users given by public
// id, each changed user with its audit event, in one transaction and a few
// statements for the whole batch (see userActions); an unknown id (or one
// of another tenant) is a failed item, not an error.
func (s *Store) ApplyUserAction(ctx context.Context, tenant int64, act UserAction, ids []string) (BatchResult, error) {
	switch act.Kind {
	case ActionLock, ActionUnlock, ActionEnable, ActionDisable, ActionDelete:
	default:
		return BatchResult{}, fmt.Errorf("store: unknown user action %q", act.Kind)
	}
	if len(ids) > MaxBatch {
		return BatchResult{}, FieldErrors{"user_ids": fmt.Sprintf("A batch takes at most %d users; this one has %d.", MaxBatch, len(ids))}
	}
	if act.Kind == ActionLock && act.Until != nil && !act.Until.After(s.now()) {
		return BatchResult{}, FieldErrors{"until": "The lock must end in the future; leave it empty to lock until unlocked."}
	}
	if act.Kind == ActionUnlock {
		if msg := checkLockAt(act.LockAt, s.now()); msg != "" {
			return BatchResult{}, FieldErrors{"auto_lock_at": msg}
		}
	}
	var res BatchResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = BatchResult{}
		return eachUserSet(ids, &res, func(ids []int64) (map[int64]bool, error) {
			return s.userActions(ctx, tx, tenant, ids, act)
		})
	})
	return res, err
}

// userAction is userActions for one user: ErrNotFound when tenant has no
// user id.
func (s *Store) userAction(ctx context.Context, tx *sql.Tx, tenant, id int64, act UserAction) error {
	missing, err := s.userActions(ctx, tx, tenant, []int64{id}, act)
	if err != nil {
		return err
	}
	if missing[id] {
		return fmt.Errorf("store: user %d: %w", id, ErrNotFound)
	}
	return nil
}

// SetRequiredActions replaces a user's required actions.
func (s *Store) SetRequiredActions(ctx context.Context, tenant, id int64, actions []string) (User, error) {
	return s.UpdateUser(ctx, tenant, id, UserUpdate{RequiredActions: &actions})
}

// userChanges lists the fields that differ between two versions of a user,
// for the audit trail. Passwords never appear.
func userChanges(a, b User) Changes {
	c := Changes{}
	c.set("username", a.Username, b.Username)
	c.set("display_name", a.DisplayName, b.DisplayName)
	c.set("description", a.Description, b.Description)
	c.set("email", a.Email, b.Email)
	c.set("email_verified", a.EmailVerified, b.EmailVerified)
	c.set("phone_region", a.PhoneRegion, b.PhoneRegion)
	c.set("phone_number", a.PhoneNumber, b.PhoneNumber)
	c.set("phone_verified", a.PhoneVerified, b.PhoneVerified)
	c.set("status", a.Status, b.Status)
	c.set("account_expires_at", timeText(a.AccountExpiresAt), timeText(b.AccountExpiresAt))
	c.set("password_expires_at", timeText(a.PasswordExpiresAt), timeText(b.PasswordExpiresAt))
	c.set("auto_lock_at", timeText(a.LockAt), timeText(b.LockAt))
	c.set("owner_type", a.OwnerType, b.OwnerType)
	c.set("required_actions", strings.Join(a.RequiredActions, ","), strings.Join(b.RequiredActions, ","))
	c.set("user_type", a.UserType, b.UserType)
	c.set("source_type", a.SourceType, b.SourceType)
	c.set("source_id", a.SourceID, b.SourceID)
	c.set("external_id", a.ExternalID, b.ExternalID)
	c.set("language", a.Language, b.Language)
	c.set("timezone", a.Timezone, b.Timezone)
	ta, _ := json.Marshal(a.Tags)
	tb, _ := json.Marshal(b.Tags)
	c.set("tags", string(ta), string(tb))
	c.set("org_unit_id", orgUnitText(a.OrgUnitID), orgUnitText(b.OrgUnitID))
	for k, ch := range c {
		if ch.Before == "" || ch.Before == false || ch.Before == "{}" {
			ch.Before = nil
			c[k] = ch
		}
	}
	return c
}

func orgUnitText(id int64) string {
	if id == 0 {
		return ""
	}
	return PublicID(PrefixOrgUnit, id)
}

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
