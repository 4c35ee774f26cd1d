package store

import (
	"context"
	"fmt"
)

// CounterDrift lists each of tenant's kept counters that differs from a
// count of the rows it counts: user_counts, the org units' user counts,
// the groups' member counts and the properties' and options' user counts.
// Empty when every counter is exact.
func (s *Store) CounterDrift(ctx context.Context, tenant int64) ([]string, error) {
	month := `strftime('%Y-%m', created_at / 1000, 'unixepoch')`
	if s.pg {
		month = `to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM')`
	}
	checks := []string{
		`SELECT 'user_counts ' || coalesce(k.dim, c.dim) || '/' || coalesce(k.key, c.key) || ': kept ' ||
		        coalesce(k.n, 0) || ', counted ' || coalesce(c.n, 0)
		 FROM (SELECT dim, key, n FROM user_counts WHERE tenant_id = ?1 AND n <> 0) k
		 FULL JOIN (
		     SELECT 'all' AS dim, '' AS key, count(*) AS n FROM users WHERE tenant_id = ?1
		     UNION ALL SELECT 'status', status, count(*) FROM users WHERE tenant_id = ?1 GROUP BY status
		     UNION ALL SELECT 'source_type', source_type, count(*) FROM users WHERE tenant_id = ?1 GROUP BY source_type
		     UNION ALL SELECT 'created_month', ` + month + `, count(*) FROM users WHERE tenant_id = ?1 GROUP BY 2
		 ) c ON k.dim = c.dim AND k.key = c.key
		 WHERE coalesce(k.n, 0) <> coalesce(c.n, 0)`,
		`SELECT 'org unit ' || o.name || ': kept ' || o.user_count || ' and ' || o.subtree_user_count || ' in its subtree, counted ' ||
		        (SELECT count(*) FROM users u WHERE u.org_unit_id = o.id) || ' and ' ||
		        (SELECT count(*) FROM users u JOIN org_closure c ON c.descendant = u.org_unit_id WHERE c.ancestor = o.id)
		 FROM org_units o WHERE o.tenant_id = ?1
		   AND (o.user_count <> (SELECT count(*) FROM users u WHERE u.org_unit_id = o.id)
		     OR o.subtree_user_count <> (SELECT count(*) FROM users u JOIN org_closure c ON c.descendant = u.org_unit_id WHERE c.ancestor = o.id))`,
		`SELECT 'group ' || g.name || ': kept ' || g.member_count || ', counted ' || (SELECT count(*) FROM group_members m WHERE m.group_id = g.id)
		 FROM user_groups g WHERE g.tenant_id = ?1
		   AND g.member_count <> (SELECT count(*) FROM group_members m WHERE m.group_id = g.id)`,
		`SELECT 'property ' || p.key || ': kept ' || p.user_count || ', counted ' ||
		        (SELECT count(DISTINCT v.user_id) FROM user_property_values v WHERE v.property_id = p.id)
		 FROM properties p WHERE p.tenant_id = ?1
		   AND p.user_count <> (SELECT count(DISTINCT v.user_id) FROM user_property_values v WHERE v.property_id = p.id)`,
		`SELECT 'option ' || p.key || '=' || o.value || ': kept ' || o.user_count || ', counted ' ||
		        (SELECT count(*) FROM user_property_values v WHERE v.option_id = o.id)
		 FROM properties p JOIN property_options o ON o.property_id = p.id WHERE p.tenant_id = ?1
		   AND o.user_count <> (SELECT count(*) FROM user_property_values v WHERE v.option_id = o.id)`,
	}
	var drift []string
	for _, q := range checks {
		rows, err := s.r.QueryContext(ctx, q, tenant)
		if err != nil {
			return nil, fmt.Errorf("counter drift: %w", err)
		}
		for rows.Next() {
			var d string
			if err := rows.Scan(&d); err != nil {
				rows.Close()
				return nil, err
			}
			drift = append(drift, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return drift, nil
}

// EventsByTarget counts tenant's audit events of action by target id.
func (s *Store) EventsByTarget(ctx context.Context, tenant int64, action string) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT target_id, count(*) FROM audit_events
		WHERE tenant_id = ? AND action = ? GROUP BY target_id`, tenant, action)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// ExecRaw runs one write statement q outside any store method, so a test
// can make a single statement change many users at once in ways no
// method does (the counters' triggers must keep up with any statement).
func (s *Store) ExecRaw(ctx context.Context, q string, args ...any) error {
	_, err := s.w.ExecContext(ctx, q, args...)
	return err
}
