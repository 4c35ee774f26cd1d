package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"
)

// createUsersPostgres writes a batch's valid users on PostgreSQL in a fixed
// number of statements, whatever its size: one read of taken usernames and
// external ids and of the org units, one for the new ids, one statement writing every user row and
// their audit events, and one each for the memberships and property values
// of the users that have them. Written a user at a time, a batch of 500
// was some 3,000 round trips to the server, and the counters' triggers ran
// once per user holding their rows' locks from the first user to the
// commit, so concurrent batches ran one after another (see migration
// 00016).
//
// It sets out[i].err for each refused item, and out[i].user's id and times
// for each created one, as insertUser does.
func (s *Store) createUsersPostgres(ctx context.Context, tx *sql.Tx, t Tenant, items []NewUser, out []created, hashes []string) error {
	var todo []int
	for i := range out {
		if out[i].err == nil {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	if err := s.refuseTaken(ctx, tx, t.ID, out, todo); err != nil {
		return err
	}
	todo = still(out, todo)
	if len(todo) == 0 {
		return nil
	}

	// Ids first, so the users' events can be written by the statement that
	// writes the users: the counters' trigger (migration 00016) runs at the
	// end of that statement and its rows stay locked until the commit, so
	// nothing else may come between it and the commit but what must (the
	// memberships and property values of the users that have them).
	n := len(todo)
	ids, err := newUserIDs(ctx, tx, n)
	if err != nil {
		return err
	}
	now := s.nowMillis()
	var c userRows
	for k, i := range todo {
		u := &out[i].user
		u.ID = ids[k]
		u.CreatedAt, u.UpdatedAt = fromMillis(now), fromMillis(now)
		if hashes[i] != "" {
			u.PasswordChangedAt, u.RegisteredAt = new(fromMillis(now)), new(fromMillis(now))
		}
		c.add(*u, hashes[i])
	}
	ev, err := createdEvents(out, todo)
	if err != nil {
		return err
	}
	a := actorOf(ctx)
	rid, _ := ctx.Value(requestIDKey{}).(string)
	cl, _ := ctx.Value(clientKey{}).(Client)
	// The user rows in item order, then their events in item order, for the
	// rows written. With ON CONFLICT DO NOTHING a row whose username or
	// external id another transaction took since the check above (or an
	// earlier item of this batch took: an external id repeated) is left
	// out, where a unique violation would abort the whole transaction.
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
		t.ID, now, c.ids, c.usernames, c.displayNames, c.descriptions, c.emails, c.emailVerified,
		c.phoneRegions, c.phoneNumbers, c.statuses, c.accountExpires, c.passwordExpires,
		c.passwordHashes, c.passwordChanged, c.requiredActions, c.userTypes, c.sourceTypes, c.sourceIDs,
		c.externalIDs, c.languages, c.timezones, c.tags, c.orgUnits, c.registered,
		a.Type, a.ID, a.Name, rid, cl.Address, cl.UserAgent,
		ev.users, ev.actions, ev.targetTypes, ev.targetIDs, ev.targetNames, ev.changes, c.lockAt,
		c.ownerTypes, c.managers)
	if err != nil {
		return fmt.Errorf("store: create users: %w", err)
	}
	written := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: create users: %w", err)
		}
		written[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: create users: %w", err)
	}
	if len(written) < len(todo) {
		// Left out by ON CONFLICT: checked again, the username or the
		// external id is now taken.
		var skipped []int
		for _, i := range todo {
			if !written[out[i].user.ID] {
				skipped = append(skipped, i)
			}
		}
		if err := s.refuseTaken(ctx, tx, t.ID, out, skipped); err != nil {
			return err
		}
		for _, i := range skipped {
			if out[i].err == nil {
				return fmt.Errorf("store: create users: %s was not written, and nothing it conflicts with was found", out[i].user.Username)
			}
			out[i].user.ID = 0
		}
		todo = still(out, todo)
	}
	if err := s.writeInitialPostgres(ctx, tx, out, todo, now); err != nil {
		return err
	}
	for _, i := range todo {
		if items[i].Invite {
			if err := s.sendLink(ctx, tx, t, out[i].user, TokenInvite, "an administrator"); err != nil {
				return err
			}
		}
	}
	return nil
}

// still is the items of todo not refused.
func still(out []created, todo []int) []int {
	var left []int
	for _, i := range todo {
		if out[i].err == nil {
			left = append(left, i)
		}
	}
	return left
}

// userRows are user rows as columns, one array parameter each, which
// the INSERT turns back into rows with unnest: one statement of fixed text
// (prepared once per connection) for any number of rows.
type userRows struct {
	ids, emailVerified, orgUnits                                  []int64
	usernames, displayNames, descriptions, emails                 []string
	phoneRegions, phoneNumbers, statuses, requiredActions         []string
	userTypes, sourceTypes, sourceIDs, languages, timezones, tags []string
	accountExpires, passwordExpires, passwordChanged, registered  []*int64 // nil: NULL
	lockAt, managers                                              []*int64
	ownerTypes                                                    []string
	passwordHashes, externalIDs                                   []*string
}

// add appends u, whose password hash is hash ("" for none), as
// insertUserRow writes it.
func (c *userRows) add(u User, hash string) {
	tags, _ := json.Marshal(u.Tags)
	verified := int64(0)
	if u.EmailVerified {
		verified = 1
	}
	c.ids, c.emailVerified, c.orgUnits = append(c.ids, u.ID), append(c.emailVerified, verified), append(c.orgUnits, u.OrgUnitID)
	c.usernames, c.displayNames = append(c.usernames, u.Username), append(c.displayNames, u.DisplayName)
	c.descriptions, c.emails = append(c.descriptions, u.Description), append(c.emails, u.Email)
	c.phoneRegions, c.phoneNumbers = append(c.phoneRegions, u.PhoneRegion), append(c.phoneNumbers, u.PhoneNumber)
	c.statuses, c.requiredActions = append(c.statuses, u.Status), append(c.requiredActions, strings.Join(u.RequiredActions, ","))
	c.userTypes, c.sourceTypes, c.sourceIDs = append(c.userTypes, u.UserType), append(c.sourceTypes, u.SourceType), append(c.sourceIDs, u.SourceID)
	c.languages, c.timezones, c.tags = append(c.languages, u.Language), append(c.timezones, u.Timezone), append(c.tags, string(tags))
	c.accountExpires = append(c.accountExpires, millisOrNil(u.AccountExpiresAt))
	c.passwordExpires = append(c.passwordExpires, millisOrNil(u.PasswordExpiresAt))
	c.passwordChanged = append(c.passwordChanged, millisOrNil(u.PasswordChangedAt))
	c.registered = append(c.registered, millisOrNil(u.RegisteredAt))
	c.lockAt = append(c.lockAt, millisOrNil(u.LockAt))
	var mgr *int64
	if u.ManagerID != 0 {
		mgr = &u.ManagerID
	}
	c.ownerTypes, c.managers = append(c.ownerTypes, u.OwnerType), append(c.managers, mgr)
	var hashCol, external *string
	if hash != "" {
		hashCol = &hash
	}
	if u.ExternalID != "" {
		external = &u.ExternalID
	}
	c.passwordHashes, c.externalIDs = append(c.passwordHashes, hashCol), append(c.externalIDs, external)
}

// millisOrNil is t in unix milliseconds, nil for nil.
func millisOrNil(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	return new(t.UnixMilli())
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

// writeInitialPostgres is writeInitial for every created item of todo at
// once: one INSERT of their memberships, one of their property values.
func (s *Store) writeInitialPostgres(ctx context.Context, tx *sql.Tx, out []created, todo []int, now int64) error {
	var gGroups, gUsers []int64
	var gNames []string
	var vProps, vOpts, vUsers []int64
	var vTexts, vNames []string
	for _, i := range todo {
		u := out[i].user
		for _, g := range out[i].initial.groups {
			gGroups, gUsers, gNames = append(gGroups, g.ID), append(gUsers, u.ID), append(gNames, u.Username)
		}
		for _, v := range out[i].initial.values {
			for _, o := range v.optionIDs() {
				vProps, vOpts, vTexts = append(vProps, v.property.ID), append(vOpts, o), append(vTexts, v.text)
				vUsers, vNames = append(vUsers, u.ID), append(vNames, u.Username)
			}
		}
	}
	if len(gGroups) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id, joined_at, username)
			SELECT r.group_id, r.user_id, $1, r.username
			FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS r(group_id, user_id, username)`,
			now, gGroups, gUsers, gNames); err != nil {
			return fmt.Errorf("store: add new users to groups: %w", err)
		}
	}
	if len(vProps) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_property_values (property_id, option_id, value, user_id, username)
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[])`,
			vProps, vOpts, vTexts, vUsers, vNames); err != nil {
			return fmt.Errorf("store: set new users' properties: %w", err)
		}
	}
	return nil
}

// newUserIDs takes n ids from the users' sequence.
func newUserIDs(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('users', 'id')) FROM generate_series(1, $1)`, n)
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

// events are audit events as columns, each with the id of the user whose
// creation it records.
type events struct {
	users                                                 []int64
	actions, targetTypes, targetIDs, targetNames, changes []string
}

// createdEvents are the events insertUser writes for each item of todo,
// whose user has its id: its user.create, then a group.add_member for each
// group it joins, in item order.
func createdEvents(out []created, todo []int) (events, error) {
	var ev events
	add := func(user int64, action, targetType, targetID, targetName string, ch Changes) error {
		js, err := json.Marshal(ch)
		if err != nil {
			return fmt.Errorf("store: audit %s: %w", action, err)
		}
		ev.users, ev.actions, ev.targetTypes = append(ev.users, user), append(ev.actions, action), append(ev.targetTypes, targetType)
		ev.targetIDs, ev.targetNames, ev.changes = append(ev.targetIDs, targetID), append(ev.targetNames, targetName), append(ev.changes, string(js))
		return nil
	}
	for _, i := range todo {
		u := out[i].user
		ch := userChanges(User{Tags: map[string]string{}}, u)
		maps.Copy(ch, out[i].initial.changes())
		name := u.DisplayName // as targetName reads it: coalesce(nullif(display_name, ''), username)
		if name == "" {
			name = u.Username
		}
		if err := add(u.ID, "user.create", "user", u.PublicID(), name, ch); err != nil {
			return events{}, err
		}
		for _, g := range out[i].initial.groups {
			if err := add(u.ID, "group.add_member", "group", g.PublicID(), g.Name, Changes{"user_id": {After: u.PublicID()}}); err != nil {
				return events{}, err
			}
		}
	}
	return ev, nil
}
