package store

import (
	"context"
	"fmt"
	"strings"
)

// AuditNames maps the public ids an audit page mentions (actors, targets
// and ids inside changes) to what they are called now. An id that is
// missing no longer exists, or is not the tenant's.
type AuditNames map[string]string

// auditNameQueries read the current names of one kind of object, by row id,
// within a tenant; %s is the list of placeholders.
var auditNameQueries = map[string]string{
	PrefixUser:          `SELECT id, coalesce(nullif(display_name, ''), username) FROM users WHERE tenant_id = ? AND id IN (%s)`,
	PrefixOrgUnit:       `SELECT id, name FROM org_units WHERE tenant_id = ? AND id IN (%s)`,
	PrefixGroup:         `SELECT id, name FROM user_groups WHERE tenant_id = ? AND id IN (%s)`,
	PrefixProperty:      `SELECT id, coalesce(nullif(display_name, ''), key) FROM properties WHERE tenant_id = ? AND id IN (%s)`,
	PrefixOption:        `SELECT o.id, coalesce(nullif(o.display_name, ''), o.value) FROM property_options o JOIN properties p ON p.id = o.property_id WHERE p.tenant_id = ? AND o.id IN (%s)`,
	PrefixResourceGroup: `SELECT id, name FROM resource_groups WHERE tenant_id = ? AND id IN (%s)`,
	PrefixAdmin:         `SELECT a.id, a.username FROM administrators a JOIN tenant_members m ON m.admin_id = a.id WHERE m.tenant_id = ? AND a.id IN (%s)`,
	PrefixTenant:        `SELECT id, name FROM tenants WHERE id = ? AND id IN (%s)`,
}

// IDPrefix returns the kind prefix of a public id this store made ("u" for
// "u_3f"), or "" for anything else.
func IDPrefix(s string) string {
	p, _, ok := strings.Cut(s, "_")
	if !ok {
		return ""
	}
	if _, known := auditNameQueries[p]; !known && p != PrefixMessage && p != PrefixEvent {
		return ""
	}
	if _, ok := ParseID(p, s); !ok {
		return ""
	}
	return p
}

// AuditNames resolves the ids that events of tenant mention, with one query
// per kind of object however long the page. API keys are named by the
// events themselves (their ids are not row ids).
func (s *Store) AuditNames(ctx context.Context, tenant int64, events []AuditEvent) (AuditNames, error) {
	ids := map[string][]any{} // prefix → row ids
	seen := map[string]bool{}
	add := func(v any) {
		str, ok := v.(string)
		if !ok || seen[str] {
			return
		}
		p := IDPrefix(str)
		if _, ok := auditNameQueries[p]; !ok {
			return
		}
		seen[str] = true
		id, _ := ParseID(p, str)
		ids[p] = append(ids[p], id)
	}
	for _, e := range events {
		add(e.Actor.ID)
		add(e.TargetID)
		for _, ch := range e.Changes {
			for _, v := range []any{ch.Before, ch.After} {
				if list, ok := v.([]any); ok {
					for _, item := range list {
						add(item)
					}
					continue
				}
				add(v)
			}
		}
	}
	names := AuditNames{}
	for p, rowIDs := range ids {
		q := fmt.Sprintf(auditNameQueries[p], strings.TrimSuffix(strings.Repeat("?,", len(rowIDs)), ","))
		rows, err := s.rd.QueryContext(ctx, q, append([]any{tenant}, rowIDs...)...)
		if err != nil {
			return nil, fmt.Errorf("store: audit names: %w", err)
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: audit names: %w", err)
			}
			names[PublicID(p, id)] = name
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: audit names: %w", err)
		}
	}
	return names, nil
}
