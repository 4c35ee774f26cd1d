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
// found is false when they never set it.
func (s *Store) AdminPreference(ctx context.Context, admin, tenant int64, name string) (value string, found bool, err error) {
	err = s.rd.QueryRowContext(ctx, `SELECT value FROM admin_preferences
		WHERE admin_id = ? AND tenant_id = ? AND name = ?`, admin, tenant, name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: admin preference %s: %w", name, err)
	}
	return value, true, nil
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
