package store

import (
	"context"
	"database/sql"
	"fmt"
)

// insertUsersPostgres writes c's users and, for those written, their
// events ev in one statement, and returns the ids written. With ON
// CONFLICT DO NOTHING a row whose username or external id is taken is
// left out instead of aborting the transaction.
func (s *Store) insertUsersPostgres(ctx context.Context, tx *sql.Tx, tenant, now int64, c *userRows, ev *events) (map[int64]bool, error) {
	a := actorOf(ctx)
	rid, _ := ctx.Value(requestIDKey{}).(string)
	cl, _ := ctx.Value(clientKey{}).(Client)
	// The user rows in item order, then their events in item order, for the
	// rows written.
	rows, err := tx.QueryContext(ctx, `
		WITH written AS (
		    INSERT INTO users (id, tenant_id, username, display_name, description, email, email_verified,
		        phone_region, phone_number, status, account_expires_at, password_expires_at,
		        password_hash, password_changed_at, required_actions, user_type, source_type, source_id,
		        external_id, language, timezone, tags, org_unit_id, registered_at, created_at, updated_at, lock_at,
		        owner_type, manager_id)
		    SELECT r.id, $1, r.username, r.display_name, r.description, r.email, r.email_verified,
		        r.phone_region, r.phone_number, r.status, r.account_expires_at, r.password_expires_at,
		        r.password_hash, r.password_changed_at, r.required_actions, r.user_type, r.source_type, r.source_id,
		        r.external_id, r.language, r.timezone, r.tags, r.org_unit_id, r.registered_at, $2, $2, r.lock_at, r.owner_type, r.manager_id
		    FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[],
		        $9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[],
		        $14::text[], $15::bigint[], $16::text[], $17::text[], $18::text[], $19::text[],
		        $20::text[], $21::text[], $22::text[], $23::text[], $24::bigint[], $25::bigint[], $38::bigint[],
		        $39::text[], $40::bigint[])
		        WITH ORDINALITY AS r(id, username, display_name, description, email, email_verified,
		        phone_region, phone_number, status, account_expires_at, password_expires_at,
		        password_hash, password_changed_at, required_actions, user_type, source_type, source_id,
		        external_id, language, timezone, tags, org_unit_id, registered_at, lock_at, owner_type, manager_id, ord)
		    ORDER BY r.ord
		    ON CONFLICT DO NOTHING
		    RETURNING id
		), events AS (
		    INSERT INTO audit_events (tenant_id, actor_type, actor_id, actor_name, action,
		                              target_type, target_id, target_name, changes, request_id,
		                              client_address, user_agent, created_at)
		    SELECT $1, $26, $27, $28, e.action, e.target_type, e.target_id, e.target_name, e.changes, $29, $30, $31, $2
		    FROM unnest($32::bigint[], $33::text[], $34::text[], $35::text[], $36::text[], $37::text[])
		        WITH ORDINALITY AS e(user_id, action, target_type, target_id, target_name, changes, ord)
		    WHERE e.user_id IN (SELECT id FROM written)
		    ORDER BY e.ord
		)
		SELECT id FROM written`,
		tenant, now, c.ids, c.usernames, c.displayNames, c.descriptions, c.emails, c.emailVerified,
		c.phoneRegions, c.phoneNumbers, c.statuses, c.accountExpires, c.passwordExpires,
		c.passwordHashes, c.passwordChanged, c.requiredActions, c.userTypes, c.sourceTypes, c.sourceIDs,
		c.externalIDs, c.languages, c.timezones, c.tags, c.orgUnits, c.registered,
		a.Type, a.ID, a.Name, rid, cl.Address, cl.UserAgent,
		ev.users, ev.actions, ev.targetTypes, ev.targetIDs, ev.targetNames, ev.changes, c.lockAt,
		c.ownerTypes, c.managers)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	written := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		written[id] = true
	}
	return written, rows.Err()
}

// takenPostgres reads which of the usernames, external ids (source type,
// source id, external id) and org units of todo's items are taken, or for
// units exist, in one statement, so with one snapshot: a username and an
// external id another transaction commits meanwhile are seen together,
// and the item is refused for its username, whichever check came first.
// Each external id is looked up on its own (the LIMIT keeps the subquery
// from being flattened into a join): planned as a join from statistics
// that counted no external ids yet (a directory before its first import),
// it could read every external id of the source into a hash table.
func (s *Store) takenPostgres(ctx context.Context, tx *sql.Tx, tenant int64, out []created, todo []int) (taken, error) {
	names := make([]string, len(todo))
	units := make([]int64, len(todo))
	var srcTypes, srcIDs, externals []string
	for k, i := range todo {
		u := out[i].user
		names[k], units[k] = u.Username, u.OrgUnitID
		if u.ExternalID != "" {
			srcTypes, srcIDs, externals = append(srcTypes, u.SourceType), append(srcIDs, u.SourceID), append(externals, u.ExternalID)
		}
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT 'username', username, '', '', 0 FROM users WHERE tenant_id = $1 AND username = ANY($2::text[])
		UNION ALL
		SELECT 'external_id', u.source_type, u.source_id, u.external_id, 0
		FROM unnest($3::text[], $4::text[], $5::text[]) AS r(source_type, source_id, external_id)
		CROSS JOIN LATERAL (SELECT source_type, source_id, external_id FROM users
		    WHERE tenant_id = $1 AND source_type = r.source_type AND source_id = r.source_id
		      AND external_id = r.external_id LIMIT 1) u
		UNION ALL
		SELECT 'org_unit_id', '', '', '', id FROM org_units WHERE tenant_id = $1 AND id = ANY($6::bigint[])`,
		tenant, names, srcTypes, srcIDs, externals, units)
	if err != nil {
		return taken{}, fmt.Errorf("store: check new users: %w", err)
	}
	defer rows.Close()
	tk := newTaken()
	for rows.Next() {
		var kind, a, b, c string
		var unit int64
		if err := rows.Scan(&kind, &a, &b, &c, &unit); err != nil {
			return taken{}, fmt.Errorf("store: check new users: %w", err)
		}
		switch kind {
		case "username":
			tk.usernames[a] = true
		case "external_id":
			tk.externals[[3]string{a, b, c}] = true
		default:
			tk.units[unit] = true
		}
	}
	if err := rows.Err(); err != nil {
		return taken{}, fmt.Errorf("store: check new users: %w", err)
	}
	return tk, nil
}

// writeInitialPostgres is writeInitialBatch on PostgreSQL: each kind of
// row as one array parameter a column.
func (s *Store) writeInitialPostgres(ctx context.Context, tx *sql.Tx, m memberRows, v valueRows, now int64) error {
	if len(m.groups) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id, joined_at, username)
			SELECT r.group_id, r.user_id, $1, r.username
			FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS r(group_id, user_id, username)`,
			now, m.groups, m.users, m.names); err != nil {
			return fmt.Errorf("store: add new users to groups: %w", err)
		}
	}
	if len(v.props) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_property_values (property_id, option_id, value, user_id, username)
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[])`,
			v.props, v.opts, v.texts, v.users, v.names); err != nil {
			return fmt.Errorf("store: set new users' properties: %w", err)
		}
	}
	return nil
}

// newUserIDsPostgres takes n ids from the users' sequence, named once:
// pg_get_serial_sequence in the select list was looked up again for each
// id, a percent of an import's time in the server.
func newUserIDsPostgres(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT nextval('users_id_seq'::regclass) FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, fmt.Errorf("store: new user ids: %w", err)
	}
	defer rows.Close()
	ids := make([]int64, 0, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: new user ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: new user ids: %w", err)
	}
	if len(ids) != n {
		return nil, fmt.Errorf("store: new user ids: %d of %d", len(ids), n)
	}
	return ids, nil
}
