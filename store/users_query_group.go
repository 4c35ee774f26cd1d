package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// UserGroupQuery counts the users matching a filter by the values of
// Keys: one row per distinct combination, with the number of users under
// each of Counts' names. Sort names a key's or a count's Name.
type UserGroupQuery struct {
	And, Or  []UserCond
	Keywords []string
	Keys     []GroupKey
	Counts   []string
	Sort     []QuerySort
	Offset   int
	Limit    int // 0 is QueryMaxResults
}

// GroupKey is a field to group by and the name its value is given.
type GroupKey struct {
	Field, Name string
}

// GroupUsers returns the rows of q (at most QueryMaxResults from q.Offset)
// and how many rows there are in all. Values are strings, booleans (for
// email_verified) or RFC 3339 times.
func (s *Store) GroupUsers(ctx context.Context, tenant int64, q UserGroupQuery) ([]map[string]any, int, error) {
	p, err := s.planQuery(q.And, q.Or, q.Keywords)
	if err != nil {
		return nil, 0, err
	}
	p.bindTenant(tenant)
	if len(q.Keys) == 0 {
		return nil, 0, FieldErrors{"group": "Group by at least one key."}
	}
	if len(q.And) == 0 && len(q.Or) == 0 && len(q.Keywords) == 0 && len(q.Keys) == 1 &&
		(q.Keys[0].Field == "status" || q.Keys[0].Field == "backend") {
		return s.groupFromCounters(ctx, tenant, q)
	}
	var cols, names []string
	kinds := map[string]int{}
	for i, k := range q.Keys {
		f, ok := s.field(k.Field)
		if !ok {
			return nil, 0, FieldErrors{k.Field: fmt.Sprintf("%s is not a field users can be grouped by.", k.Field)}
		}
		if !f.indexed && p.scans == "" {
			p.scans = k.Field
		}
		cols = append(cols, fmt.Sprintf("%s AS k%d", f.col, i))
		names = append(names, fmt.Sprintf("k%d", i))
		kinds[k.Name] = f.kind
	}
	var order []string
	for _, o := range q.Sort {
		col := ""
		for i, k := range q.Keys {
			if k.Name == o.Field {
				col = names[i]
			}
		}
		for _, c := range q.Counts {
			if c == o.Field {
				col = "n"
			}
		}
		if col == "" {
			return nil, 0, FieldErrors{"sort": fmt.Sprintf("%s is not a key or a count of this query.", o.Field)}
		}
		if o.Desc {
			col += " DESC"
		}
		order = append(order, col)
	}
	order = append(order, names...)
	if err := s.checkScan(ctx, tenant, p); err != nil {
		return nil, 0, err
	}
	grouped := `SELECT ` + strings.Join(cols, ", ") + `, count(*) AS n FROM ` + p.matches() +
		` GROUP BY ` + strings.Join(names, ", ")
	limit := q.Limit
	if limit <= 0 || limit > QueryMaxResults {
		limit = QueryMaxResults
	}
	qctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	fail := func(err error) ([]map[string]any, int, error) {
		if qctx.Err() != nil && ctx.Err() == nil {
			fields := condLabels(q.And, q.Or)
			if len(q.Keywords) > 0 {
				fields = append(fields, "keyword")
			}
			for _, k := range q.Keys {
				fields = append(fields, k.Field)
			}
			return nil, 0, tooBroad(fields)
		}
		return nil, 0, fmt.Errorf("store: group users: %w", err)
	}
	rows, err := s.rd.QueryContext(qctx, grouped+` ORDER BY `+strings.Join(order, ", ")+` LIMIT ? OFFSET ?`,
		append(p.args, limit, max(q.Offset, 0))...)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	out := []map[string]any{}
	for rows.Next() {
		vals := make([]any, len(q.Keys)+1)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fail(err)
		}
		row := map[string]any{}
		for i, k := range q.Keys {
			row[k.Name] = groupValue(kinds[k.Name], vals[i])
		}
		for _, c := range q.Counts {
			row[c] = vals[len(q.Keys)]
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	// A first page that is not full is its own count.
	total := len(out)
	if q.Offset > 0 || total == limit {
		if err := s.rd.QueryRowContext(qctx, `SELECT count(*) FROM (`+grouped+`) AS g`, p.args...).Scan(&total); err != nil {
			return fail(err)
		}
	}
	return out, total, nil
}

// groupFromCounters answers a whole tenant's users by status or backend
// from the maintained counters, without reading users.
func (s *Store) groupFromCounters(ctx context.Context, tenant int64, q UserGroupQuery) ([]map[string]any, int, error) {
	key := q.Keys[0]
	dim := map[string]string{"status": "status", "backend": "source_type"}[key.Field]
	items, err := s.UserStats(ctx, tenant, dim)
	if err != nil {
		return nil, 0, err
	}
	counts := map[string]int{}
	for _, it := range items {
		v := it.Key
		if key.Field == "backend" {
			v = map[bool]string{true: "local", false: "external"}[v == "built_in"]
		}
		counts[v] += it.Count
	}
	out := []map[string]any{}
	for v, n := range counts {
		row := map[string]any{key.Name: v}
		for _, c := range q.Counts {
			row[c] = int64(n)
		}
		out = append(out, row)
	}
	var sortErr error
	slices.SortFunc(out, func(a, b map[string]any) int {
		for _, o := range append(slices.Clone(q.Sort), QuerySort{Field: key.Name}) {
			if _, ok := a[o.Field]; !ok {
				sortErr = FieldErrors{"sort": fmt.Sprintf("%s is not a key or a count of this query.", o.Field)}
				return 0
			}
			c := cmp.Compare(fmt.Sprint(a[o.Field]), fmt.Sprint(b[o.Field]))
			if n, ok := a[o.Field].(int64); ok {
				c = cmp.Compare(n, b[o.Field].(int64))
			}
			if o.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	if sortErr != nil {
		return nil, 0, sortErr
	}
	total := len(out)
	out = out[min(max(q.Offset, 0), total):]
	if q.Limit > 0 && q.Limit < len(out) {
		out = out[:q.Limit]
	}
	return out, total, nil
}

// groupValue turns a grouped column's value into what the field holds.
func groupValue(kind int, v any) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch kind {
	case fieldBool:
		n, _ := v.(int64)
		return n != 0
	case fieldTime:
		n, ok := v.(int64)
		if !ok {
			return nil
		}
		t := fromMillis(n)
		return timeText(&t)
	}
	return v
}
