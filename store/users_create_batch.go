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

// createUsersBatch writes a batch's valid users in a fixed number of
// statements, whatever its size: one read of taken usernames and external
// ids and of the org units, one for the new ids, the user rows and their
// audit events (one statement on PostgreSQL, a few on SQLite), and one
// each for the memberships and property values of the users that have
// them, and on SQLite one adding them to the keyword index. Written a user
// at a time, a batch of 500 was some 3,000 statements: on PostgreSQL as
// many round trips to the server, with the counters' triggers holding
// their rows' locks from the first user to the commit (see migration
// 00016); on SQLite two statements' overhead per user was over a quarter
// of an import's time.
//
// It sets out[i].err for each refused item, and out[i].user's id and times
// for each created one.
func (s *Store) createUsersBatch(ctx context.Context, tx *sql.Tx, t Tenant, items []NewUser, out []created, hashes []string) error {
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

	// Ids first, so the users' events can be written with the users: on
	// PostgreSQL by the statement that writes them, as the counters'
	// trigger (migration 00016) runs at its end and its rows stay locked
	// until the commit, so nothing else may come between it and the commit
	// but what must (the memberships and property values of the users that
	// have them).
	n := len(todo)
	ids, err := s.newUserIDs(ctx, tx, n)
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
	insert := s.insertUsersSQLite
	if s.pg {
		insert = s.insertUsersPostgres
	}
	// A row whose username or external id another transaction took since
	// the check above (or an earlier item of this batch took: an external
	// id repeated) is left out of written, where a unique violation would
	// abort the whole transaction.
	written, err := insert(ctx, tx, t.ID, now, &c, &ev)
	if err != nil {
		return fmt.Errorf("store: create users: %w", err)
	}
	if len(written) < len(todo) {
		// Left out: checked again, the username or the external id is now
		// taken.
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
	if err := s.writeInitialBatch(ctx, tx, out, todo, now); err != nil {
		return err
	}
	for _, i := range todo {
		if items[i].Invite {
			if err := s.sendLink(ctx, tx, t, out[i].user, TokenInvite, "an administrator"); err != nil {
				return err
			}
		}
	}
	ids = ids[:0]
	for _, i := range todo {
		ids = append(ids, out[i].user.ID)
	}
	return s.indexForSearch(ctx, tx, ids)
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

// userRows are user rows as columns: on PostgreSQL one array parameter
// each, which the INSERT turns back into rows with unnest (one statement
// of fixed text, prepared once per connection, for any number of rows);
// on SQLite the rows of a multi-row INSERT.
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

// add appends u, whose password hash is hash ("" for none).
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

// newUserIDs are n ids for new users.
func (s *Store) newUserIDs(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
	if s.pg {
		return newUserIDsPostgres(ctx, tx, n)
	}
	return newUserIDsSQLite(ctx, tx, n)
}

// memberRows are new users' memberships as columns.
type memberRows struct {
	groups, users []int64
	names         []string
}

// valueRows are new users' property values as columns.
type valueRows struct {
	props, opts, users []int64
	texts, names       []string
}

// writeInitialBatch gives every created item of todo its groups and
// property values: one INSERT of their memberships, one of their values.
func (s *Store) writeInitialBatch(ctx context.Context, tx *sql.Tx, out []created, todo []int, now int64) error {
	var m memberRows
	var v valueRows
	for _, i := range todo {
		u := out[i].user
		for _, g := range out[i].initial.groups {
			m.groups, m.users, m.names = append(m.groups, g.ID), append(m.users, u.ID), append(m.names, u.Username)
		}
		for _, iv := range out[i].initial.values {
			for _, o := range iv.optionIDs() {
				v.props, v.opts, v.texts = append(v.props, iv.property.ID), append(v.opts, o), append(v.texts, iv.text)
				v.users, v.names = append(v.users, u.ID), append(v.names, u.Username)
			}
		}
	}
	if s.pg {
		return s.writeInitialPostgres(ctx, tx, m, v, now)
	}
	return s.writeInitialSQLite(ctx, tx, m, v, now)
}

// events are audit events as columns, each with the id of the user whose
// creation or change it records (writeEvents writes them).
type events struct {
	users                                                 []int64
	actions, targetTypes, targetIDs, targetNames, changes []string
	buf                                                   []byte // add's, reused from event to event
}

// createdEvents are the events of creating each item of todo,
// whose user has its id: its user.create, then a group.add_member for each
// group it joins, in item order.
func createdEvents(out []created, todo []int) (events, error) {
	var ev events
	for _, i := range todo {
		u := out[i].user
		ch := userChanges(User{Tags: map[string]string{}}, u)
		maps.Copy(ch, out[i].initial.changes())
		if err := ev.add(u.ID, "user.create", "user", u.PublicID(), userTargetName(u), ch); err != nil {
			return events{}, err
		}
		for _, g := range out[i].initial.groups {
			if err := ev.add(u.ID, "group.add_member", "group", g.PublicID(), g.Name, Changes{"user_id": {After: u.PublicID()}}); err != nil {
				return events{}, err
			}
		}
	}
	return ev, nil
}
