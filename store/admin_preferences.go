package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// PrefUserColumns is the preference holding the users list's columns.
const PrefUserColumns = "users.columns"

// AdminPreference returns an administrator's preference name in tenant;
// found is false when they never set it. It is read through the read
// cache: the users page needs its columns on every load.
func (s *Store) AdminPreference(ctx context.Context, admin, tenant int64, name string) (value string, found bool, err error) {
	key := fmt.Sprintf("pref\x00%d\x00%d\x00%s", admin, tenant, name)
	pref, err := cachedRead(ctx, s, key, func(ctx context.Context) (*string, error) {
		var value string
		err := s.rd.QueryRowContext(ctx, `SELECT value FROM admin_preferences
			WHERE admin_id = ? AND tenant_id = ? AND name = ?`, admin, tenant, name).Scan(&value)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("store: admin preference %s: %w", name, err)
		}
		return &value, nil
	})
	if err != nil || pref == nil {
		return "", false, err
	}
	return *pref, true, nil
}

// SetAdminPreference stores an administrator's preference name in tenant,
// replacing the one before.
func (s *Store) SetAdminPreference(ctx context.Context, admin, tenant int64, name, value string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `INSERT INTO admin_preferences (admin_id, tenant_id, name, value) VALUES (?, ?, ?, ?)
			ON CONFLICT (admin_id, tenant_id, name) DO UPDATE SET value = excluded.value`, admin, tenant, name, value)
		if err != nil {
			return fmt.Errorf("store: set admin preference %s: %w", name, err)
		}
		return nil
	})
}
