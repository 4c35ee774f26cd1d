package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// UserReplace is a change of a user made whole, as a provisioning client
// sends one: fields, status, a password and custom property values.
type UserReplace struct {
	Update UserUpdate
	// Action is ActionEnable, ActionDisable or "" (the status stays).
	Action string
	// Password, when not empty, replaces the user's password under the
	// tenant's policy.
	Password string
	// Properties are values by key, as SetUserProperties takes them; nil
	// changes none.
	Properties map[string][]string
}

// ReplaceUser applies r to a user of tenant in one transaction, each part
// with its audit event as when made alone: all of it is stored or none
// (a refused property value, reported under PropertyField(key), leaves
// the fields as they were).
func (s *Store) ReplaceUser(ctx context.Context, tenant, id int64, r UserReplace) (User, error) {
	if r.Action != "" && r.Action != ActionEnable && r.Action != ActionDisable {
		return User{}, fmt.Errorf("store: replace user: action %q", r.Action)
	}
	mgr, err := s.updateManager(ctx, r.Update)
	if err != nil {
		return User{}, err
	}
	old, err := getUser(ctx, s.rd, tenant, id)
	if err != nil {
		return User{}, err
	}
	// The password is checked and hashed before the transaction (bcrypt
	// must not hold the write lock), against the user as updated.
	var np newPasswordHash
	if r.Password != "" {
		next := old
		r.Update.apply(&next)
		if np, err = s.newPassword(ctx, next, r.Password); err != nil {
			return User{}, err
		}
	}
	var u User
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if u, err = s.updateUser(ctx, tx, tenant, id, r.Update, mgr); err != nil {
			return err
		}
		if r.Action != "" && (r.Action == ActionDisable) != (u.Status == StatusDisabled) {
			if err := s.userAction(ctx, tx, tenant, id, UserAction{Kind: r.Action}); err != nil {
				return err
			}
		}
		if r.Password != "" {
			if u, err = getUser(ctx, s.in(tx), tenant, id); err != nil {
				return err
			}
			if _, err := s.setPassword(ctx, tx, u, np, false); err != nil {
				return err
			}
		}
		if r.Properties == nil {
			return nil
		}
		err := s.setUserProperties(ctx, tx, tenant, id, r.Properties)
		var fe FieldErrors
		if errors.As(err, &fe) {
			named := FieldErrors{}
			for k, msg := range fe {
				named[PropertyField(k)] = msg
			}
			return named
		}
		return err
	})
	if err != nil {
		return User{}, err
	}
	return s.GetUser(ctx, tenant, id)
}
