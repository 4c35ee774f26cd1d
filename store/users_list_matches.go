package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// A keyword search of up to KeywordSortCap matches is sorted as asked.
// Sorting them for every page cost 4-6 ms at about a thousand matches (a
// common last name), where a page of all users takes a tenth of a
// millisecond. So a search's matches in sort order are read once
// (matchList) and kept in the read cache's way (Store.matches): while
// nothing is written through this store, and for readCacheTTL at most. A
// page is cut from them by cursor or page number, and only its users are
// read, by id.

// matchList is a keyword search's matches in the order of one sort column,
// ascending, ties broken by id: their ids and their sort values as a
// cursor holds them. It serves both directions of the sort (descending is
// the same order backwards). capped says more than KeywordSortCap users
// matched: then none are listed, and the search goes in the order added.
type matchList struct {
	ids    []int64
	vals   []string
	capped bool
}

// matchListsWeight bounds Store.matches: ids of all its lists, at about 50
// bytes each with its sort value, some 6 MB.
const matchListsWeight = 128 * KeywordSortCap

func (m *matchList) weight() int { return len(m.ids) + 1 }

// keywordMatches returns the matches of q (a keyword search's conditions)
// in the order of col, a column of sortColumns, through the read cache.
// It reads at most KeywordSortCap+1 matches, in whatever order the search
// finds them, and sorts those: more than KeywordSortCap is a capped list,
// found at a count's cost, never a sort of every match.
func (s *Store) keywordMatches(ctx context.Context, q userQuery, col string) (*matchList, error) {
	// MATERIALIZED: SQLite would otherwise fold the matches into the outer
	// query, sorting every match to keep the first KeywordSortCap+1.
	query := `WITH matched AS MATERIALIZED (SELECT u.id AS id, ` + col + ` AS v FROM ` + q.from + ` WHERE ` +
		strings.Join(q.where, " AND ") + ` LIMIT ` + strconv.Itoa(KeywordSortCap+1) + `) SELECT id, v FROM matched ORDER BY v, id`
	return cachedReadIn(ctx, s, &s.matches, query+fmt.Sprintf("\x00%#v", q.args), func(ctx context.Context) (*matchList, error) {
		if s.onListQuery != nil {
			s.onListQuery(query, q.args)
		}
		rows, err := s.rd.QueryContext(ctx, query, q.args...)
		if err != nil {
			return nil, fmt.Errorf("store: keyword matches: %w", err)
		}
		defer rows.Close()
		m := &matchList{}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				return nil, fmt.Errorf("store: keyword matches: %w", err)
			}
			m.ids, m.vals = append(m.ids, id), append(m.vals, v)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: keyword matches: %w", err)
		}
		if len(m.ids) > KeywordSortCap {
			return &matchList{capped: true}, nil
		}
		return m, nil
	})
}

// page returns the ids of a page of limit matches in the order asked (desc:
// the list backwards): the page after cur, or going back the page before
// it, nearest first, as the page's query would read them; without a
// cursor, the page at offset. more says matches lie beyond the page in
// the direction read. ok is false when cur is no position in m (its user
// no longer matches, or has another sort value than the cursor holds: a
// cursor made before a change, or by another replica): the page is then
// the query's to find, by the cursor's values.
func (m *matchList) page(cur *userCursor, desc bool, offset, limit int) (ids []int64, more, ok bool) {
	n := len(m.ids)
	at := func(i int) int64 { // the i-th match in the order asked
		if desc {
			return m.ids[n-1-i]
		}
		return m.ids[i]
	}
	if cur == nil {
		for i := offset; i < min(n, offset+limit); i++ {
			ids = append(ids, at(i))
		}
		return ids, n-offset > limit, true
	}
	p := -1
	for j, id := range m.ids {
		if id == cur.id {
			p = j
			break
		}
	}
	if p < 0 || m.vals[p] != cur.value {
		return nil, false, false
	}
	i := p
	if desc {
		i = n - 1 - p
	}
	if cur.back {
		for j := i - 1; j >= max(0, i-limit); j-- {
			ids = append(ids, at(j))
		}
		return ids, i > limit, true
	}
	for j := i + 1; j < min(n, i+1+limit); j++ {
		ids = append(ids, at(j))
	}
	return ids, n-i-1 > limit, true
}

// readListed reads the rows of cols (read by sc) of a tenant's users ids,
// in the order of ids; a user no longer there is left out. It gives too
// the group ids of each (WithGroups), when sc reads them.
func (s *Store) readListed(ctx context.Context, tenant int64, ids []int64, cols string, sc *userScanner) ([]User, []string, error) {
	if len(ids) == 0 {
		return []User{}, []string{}, nil
	}
	in, args := s.inIDs("u.id", ids)
	items, groupIDs, err := s.scanUsers(ctx, `SELECT `+cols+` FROM users u WHERE u.tenant_id = ? AND `+in,
		append([]any{tenant}, args...), sc, len(ids))
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]int, len(items))
	for i, u := range items {
		byID[u.ID] = i
	}
	outItems, outGroups := make([]User, 0, len(ids)), make([]string, 0, len(ids))
	for _, id := range ids {
		if i, ok := byID[id]; ok {
			outItems, outGroups = append(outItems, items[i]), append(outGroups, groupIDs[i])
		}
	}
	return outItems, outGroups, nil
}
