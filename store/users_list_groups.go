package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// groupIDsColumn is a listed user's group ids, comma-separated, read with
// the user's row. A page in any order but the order added holds users far
// apart, so their memberships are an index lookup each either way; asked
// for in the page's own statement they save a second statement and the
// list of ids it would carry.
const groupIDsColumn = `(SELECT string_agg(CAST(gm.group_id AS TEXT), ',') FROM group_members gm WHERE gm.user_id = u.id)`

// listedGroups turns the groupIDsColumn of each of users into their
// groups, by name (see groupSet).
func (s *Store) listedGroups(ctx context.Context, tenant int64, users []User, groupIDs []string) (map[int64][]Group, error) {
	joined := map[int64][]int64{}
	for i, list := range groupIDs {
		for list != "" {
			var f string
			f, list, _ = strings.Cut(list, ",")
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("store: groups of users: %w", err)
			}
			joined[users[i].ID] = append(joined[users[i].ID], id)
		}
	}
	if len(joined) == 0 {
		return map[int64][]Group{}, nil
	}
	set, err := s.tenantGroups(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return set.groupsOf(joined), nil
}
