package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Counting a list's matches, and the users page's statistics.

// tenantUserCount is the number of a tenant's users, from the counters.
func (s *Store) tenantUserCount(ctx context.Context, tenant int64) (int, error) {
	return s.cachedCount(ctx, `SELECT coalesce(sum(n), 0) FROM user_counts WHERE tenant_id = ? AND dim = 'all'`, tenant)
}

// countUsers counts matches up to capAt. With no filter, or only a status
// filter, the maintained counters answer exactly at no cost.
func (s *Store) countUsers(ctx context.Context, tenant int64, f UserFilter, sets memberSets, q userQuery, capAt int) (int, bool, error) {
	onlyStatus := f
	onlyStatus.Status, onlyStatus.Sort, onlyStatus.Page = "", "", Page{}
	if len(sets) == 1 && sets[0].exact && f.Status == "" && onlyStatus.IDs == nil && isZeroFilter(onlyStatus) {
		return sets[0].size, false, nil
	}
	if len(sets) == 0 && onlyStatus.IDs == nil && isZeroFilter(onlyStatus) {
		dim, key := "all", ""
		if f.Status != "" {
			dim, key = "status", f.Status
		}
		n, err := s.cachedCount(ctx, `SELECT coalesce(sum(n), 0) FROM user_counts WHERE tenant_id = ? AND dim = ? AND key = ?`, tenant, dim, key)
		return n, false, err
	}
	query := `SELECT count(*) FROM (SELECT 1 FROM ` + q.from + ` WHERE ` +
		strings.Join(q.where, " AND ") + ` LIMIT ` + strconv.Itoa(capAt+1) + `) AS matched`
	// Whether a user is locked changes with the time, which the locked
	// filter's condition holds to the millisecond: keyed by it, its count
	// (up to CountCap locked users read a page) was never read twice. It is
	// kept for the second instead: a lock ending by time shows in the
	// total within a second, in the page's users at once.
	key := q.args
	if len(q.clock) > 0 {
		key = slices.Clone(q.args)
		for _, i := range q.clock {
			key[i] = key[i].(int64) / 1000
		}
	}
	n, err := cachedRead(ctx, s, query+fmt.Sprintf("\x00%#v", key), func(ctx context.Context) (int, error) {
		return s.readCount(ctx, query, q.args...)
	})
	if err != nil {
		return 0, false, err
	}
	if n > capAt {
		return capAt, true, nil
	}
	return n, false, nil
}

// cachedCount runs query, which counts users, through the read cache.
func (s *Store) cachedCount(ctx context.Context, query string, args ...any) (int, error) {
	return cachedRead(ctx, s, query+fmt.Sprintf("\x00%#v", args), func(ctx context.Context) (int, error) {
		return s.readCount(ctx, query, args...)
	})
}

func (s *Store) readCount(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	if err := s.rd.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

func isZeroFilter(f UserFilter) bool {
	return f.Usernames == nil && f.ExcludeUsernames == nil && f.ExcludeGroupID == 0 && f.UsernamePrefix == "" && f.DisplayNamePrefix == "" && f.Email == "" && f.PhoneRegion == "" &&
		f.PhoneNumber == "" && f.ExternalID == "" && f.SourceType == "" && f.SourceID == "" && f.UserType == "" && f.Tags == nil && f.Status == "" &&
		f.Locked == nil && f.OwnerType == "" && f.CreatedFrom == nil && f.CreatedTo == nil && strings.TrimSpace(f.Query) == ""
}

// StatItem is one group of UserStats.
type StatItem struct {
	Key   string
	Count int
}

// UserStatDims are the groupings UserStats offers.
var UserStatDims = []string{"status", "source_type", "created_month", "org_unit"}

// UserStats counts a tenant's users by status, source type, month of
// creation or org unit (users directly in each), all from maintained
// counters.
func (s *Store) UserStats(ctx context.Context, tenant int64, groupBy string) ([]StatItem, error) {
	var query string
	switch groupBy {
	case "status", "source_type", "created_month":
		query = `SELECT key, n FROM user_counts WHERE tenant_id = ? AND dim = ? AND n > 0 ORDER BY key`
	case "org_unit":
		query = `SELECT id, user_count FROM org_units WHERE tenant_id = ? AND ? != '' AND user_count > 0
		         ORDER BY user_count DESC, id`
	default:
		return nil, FieldErrors{"group_by": "group_by must be one of " + strings.Join(UserStatDims, ", ") + "."}
	}
	rows, err := s.rd.QueryContext(ctx, query, tenant, groupBy)
	if err != nil {
		return nil, fmt.Errorf("store: user stats: %w", err)
	}
	defer rows.Close()
	out := []StatItem{}
	for rows.Next() {
		var it StatItem
		var key any
		if err := rows.Scan(&key, &it.Count); err != nil {
			return nil, fmt.Errorf("store: user stats: %w", err)
		}
		switch k := key.(type) {
		case int64:
			it.Key = PublicID(PrefixOrgUnit, k)
		case string:
			it.Key = k
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
