package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SCIMRequest is one request an identity provider made to the tenant's
// SCIM server, as the Provisioning page lists it.
type SCIMRequest struct {
	At     time.Time
	Method string
	Path   string // with its query
	Status int
	Result string // a short account of the answer
}

// SCIMLogSize is how many of a tenant's latest SCIM requests are kept.
const SCIMLogSize = 300

// LogSCIMRequest records a SCIM request of tenant and drops the tenant's
// requests older than the latest SCIMLogSize: the drop is a range of the
// tenant's index, found by one step from its newest entry.
func (s *Store) LogSCIMRequest(ctx context.Context, tenant int64, r SCIMRequest) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO scim_requests (tenant_id, at, method, path, status, result)
			VALUES (?, ?, ?, ?, ?, ?)`, tenant, s.nowMillis(), r.Method, truncate(r.Path, 512), r.Status, truncate(r.Result, 512))
		if err != nil {
			return fmt.Errorf("store: log scim request: %w", err)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM scim_requests WHERE tenant_id = ? AND id <= (
			SELECT id FROM scim_requests WHERE tenant_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`, tenant, tenant, SCIMLogSize)
		if err != nil {
			return fmt.Errorf("store: prune scim requests: %w", err)
		}
		return nil
	})
}

// SCIMRequests returns the tenant's latest SCIM requests, newest first.
func (s *Store) SCIMRequests(ctx context.Context, tenant int64, limit int) ([]SCIMRequest, error) {
	rows, err := s.rd.QueryContext(ctx, `SELECT at, method, path, status, result FROM scim_requests
		WHERE tenant_id = ? ORDER BY id DESC LIMIT ?`, tenant, limit)
	if err != nil {
		return nil, fmt.Errorf("store: scim requests: %w", err)
	}
	return collect(rows, func(sc rowScanner) (SCIMRequest, error) {
		var r SCIMRequest
		var at int64
		err := sc.Scan(&at, &r.Method, &r.Path, &r.Status, &r.Result)
		r.At = fromMillis(at)
		return r, err
	})
}
