package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// taken is what the items of a batch of new users would collide with:
// usernames and external ids (source type, source id, external id) users
// already hold, and the ids of the batch's org units that exist.
type taken struct {
	usernames map[string]bool
	externals map[[3]string]bool
	units     map[int64]bool
}

func newTaken() taken {
	return taken{usernames: map[string]bool{}, externals: map[[3]string]bool{}, units: map[int64]bool{}}
}

// refuseTaken refuses the items of todo whose username or external id a
// user already has, or whose org unit is not the tenant's, checked in
// that order, with a few statements for the whole batch.
func (s *Store) refuseTaken(ctx context.Context, tx *sql.Tx, tenant int64, out []created, todo []int) error {
	if len(todo) == 0 {
		return nil
	}
	read := s.takenSQLite
	if s.pg {
		read = s.takenPostgres
	}
	tk, err := read(ctx, tx, tenant, out, todo)
	if err != nil {
		return err
	}
	for _, i := range todo {
		u := out[i].user
		switch {
		case tk.usernames[u.Username]:
			out[i].err = conflict("username", "A user with this username already exists.")
		case u.ExternalID != "" && tk.externals[[3]string{u.SourceType, u.SourceID, u.ExternalID}]:
			out[i].err = conflict("external_id", "This external id is already used by another user of the same source.")
		case !tk.units[u.OrgUnitID]:
			out[i].err = FieldErrors{"org_unit_id": "No such org unit in this tenant."}
		}
	}
	return nil
}

// takenSQLite is takenPostgres on SQLite: inside the write transaction,
// which no other writer runs beside, one statement each for the
// usernames, the external ids of each source and the org units, where a
// user at a time cost three lookups per user.
func (s *Store) takenSQLite(ctx context.Context, tx *sql.Tx, tenant int64, out []created, todo []int) (taken, error) {
	tk := newTaken()
	var names []any
	var units []int64
	externals := map[[2]string][]any{}
	for _, i := range todo {
		u := out[i].user
		names, units = append(names, u.Username), append(units, u.OrgUnitID)
		if u.ExternalID != "" {
			src := [2]string{u.SourceType, u.SourceID}
			externals[src] = append(externals[src], u.ExternalID)
		}
	}
	marks := func(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }
	err := eachValue(ctx, tx, `SELECT username FROM users WHERE tenant_id = ? AND username IN (`+marks(len(names))+`)`,
		append([]any{tenant}, names...), func(v string) { tk.usernames[v] = true })
	if err != nil {
		return taken{}, err
	}
	for src, ids := range externals {
		err := eachValue(ctx, tx, `SELECT external_id FROM users WHERE tenant_id = ? AND source_type = ? AND source_id = ?
			AND external_id IN (`+marks(len(ids))+`)`, append([]any{tenant, src[0], src[1]}, ids...),
			func(v string) { tk.externals[[3]string{src[0], src[1], v}] = true })
		if err != nil {
			return taken{}, err
		}
	}
	unitMarks, unitArgs := idList(units)
	err = eachValue(ctx, tx, `SELECT id FROM org_units WHERE tenant_id = ? AND id IN (`+unitMarks+`)`,
		append([]any{tenant}, unitArgs...), func(id int64) { tk.units[id] = true })
	if err != nil {
		return taken{}, err
	}
	return tk, nil
}

// eachValue runs a query of one column and hands each value to add.
func eachValue[T any](ctx context.Context, tx *sql.Tx, q string, args []any, add func(T)) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: check new users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("store: check new users: %w", err)
		}
		add(v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: check new users: %w", err)
	}
	return nil
}
