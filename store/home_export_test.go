package store

import "context"

// OverviewPlans returns SQLite's plan of each of Overview's own queries
// (UserStats reads the counters), by name.
func (s *Store) OverviewPlans(ctx context.Context, tenant int64) (map[string]string, error) {
	now := s.nowMillis()
	queries := map[string]struct {
		q    string
		args []any
	}{
		"locked":         {overviewLockedQuery, []any{tenant, now, now}},
		"outbox":         {overviewOutboxQuery, []any{tenant}},
		"expiring count": {overviewExpiringCountQuery, []any{tenant, now, now + 1}},
		"expiring":       {overviewExpiringQuery, []any{tenant, now, now + 1, 10}},
		"recent":         {overviewRecentQuery, []any{tenant, 10}},
	}
	out := map[string]string{}
	for name, q := range queries {
		plan, err := s.Plan(ctx, q.q, q.args...)
		if err != nil {
			return nil, err
		}
		out[name] = plan
	}
	return out, nil
}
