package store

import (
	"context"
	"database/sql"
)

// AuditPlan runs ListAuditEvents for f and returns SQLite's plan of its
// page query, one step a line.
func (s *Store) AuditPlan(ctx context.Context, tenant int64, f AuditFilter) (string, error) {
	var query string
	var args []any
	s.onListQuery = func(q string, a []any) { query, args = q, a }
	defer func() { s.onListQuery = nil }()
	if _, err := s.ListAuditEvents(ctx, tenant, f); err != nil {
		return "", err
	}
	return s.Plan(ctx, query, args...)
}

// SeedAuditEvents adds n events to tenant in one statement, a minute apart
// going back from now and spread over a few actors, actions and targets,
// for benchmarks at a size no test would write one event at a time.
func (s *Store) SeedAuditEvents(ctx context.Context, tenant int64, n int) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
			INSERT INTO audit_events (tenant_id, actor_type, actor_id, actor_name, action,
			                          target_type, target_id, target_name, changes, created_at)
			SELECT ?, 'admin', 'adm_' || (i % 50), 'admin' || (i % 50),
			       CASE i % 4 WHEN 0 THEN 'user.update' WHEN 1 THEN 'user.move'
			                  WHEN 2 THEN 'group.add_member' ELSE 'org_unit.update' END,
			       CASE i % 4 WHEN 2 THEN 'group' WHEN 3 THEN 'org_unit' ELSE 'user' END,
			       'u_' || (i % 10000), 'User ' || (i % 10000), '{}', ? - i * 60000
			FROM seq`, n, tenant, s.nowMillis())
		return err
	})
}
