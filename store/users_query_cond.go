package store

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// condition is one test as SQL; scan says no index serves it. msg says
// why the test cannot be used.
func (s *Store) condition(c UserCond) (cond string, args []any, scan bool, msg string) {
	f, ok := s.field(c.Field)
	if !ok {
		return "", nil, false, fmt.Sprintf("%s is not a field users can be filtered by; use one of %s or tags.<key>.",
			c.label(), strings.Join(QueryFields, ", "))
	}
	op := c.Op
	if !slices.Contains(QueryOps, op) {
		return "", nil, false, fmt.Sprintf("Operator %q is not supported; use one of %s.", op, strings.Join(QueryOps, ", "))
	}
	if strings.HasPrefix(op, "timediff_") {
		text, _ := c.Value.(string)
		t, err := s.relativeTime(text)
		if err != nil {
			return "", nil, false, err.Error()
		}
		c.Value, op = t.Format(time.RFC3339Nano), "datetime_"+strings.TrimPrefix(op, "timediff_")
	}
	if strings.HasPrefix(op, "datetime_") && f.kind != fieldTime {
		return "", nil, false, fmt.Sprintf("%s is not a time; %s compares times.", c.label(), c.Op)
	}
	op = strings.TrimPrefix(op, "datetime_")
	scan = !f.indexed
	switch op {
	case "in", "not_in", "contain_in", "not_contain_in":
		list, ok := c.Value.([]any)
		if !ok {
			return "", nil, false, fmt.Sprintf("The value of the %s operator must be a list.", op)
		}
		base := strings.TrimSuffix(strings.TrimPrefix(op, "not_"), "_in")
		if base == "in" {
			base = "eq"
		}
		var parts []string
		scan = false // as its parts
		for _, v := range list {
			p, a, sc, msg := s.condition(UserCond{Field: c.Field, Op: base, Label: c.Label, Value: v})
			if msg != "" {
				return "", nil, false, msg
			}
			parts, args, scan = append(parts, p), append(args, a...), scan || sc
		}
		cond = "1 = 0"
		if len(parts) > 0 {
			cond = "(" + strings.Join(parts, " OR ") + ")"
		}
		if strings.HasPrefix(op, "not_") {
			cond = "NOT " + cond
		}
		return cond, args, scan, ""
	case "exists":
		b, ok := c.Value.(bool)
		if !ok {
			return "", nil, false, "The value of the exists operator must be true or false."
		}
		switch {
		case f.tag != "":
			cond, args, scan = tagHolders+" AND t.value <> '')", []any{tenantArg{}, f.tag}, false
		case f.kind == fieldTime:
			cond = f.col + " IS NOT NULL"
		case f.kind == fieldBool:
			cond, scan = "1 = 1", true
		default:
			cond, scan = f.col+" <> ''", true
		}
		if !b {
			cond = "NOT (" + cond + ")"
		}
		return cond, args, scan, ""
	}
	if _, isList := c.Value.([]any); isList {
		return "", nil, false, fmt.Sprintf("The value of the %s operator must not be a list.", c.Op)
	}
	if c.Value == nil {
		if op != "eq" && op != "not" {
			return "", nil, false, fmt.Sprintf("The %s operator needs a value.", c.Op)
		}
		cond = f.col + " = ''"
		if f.kind == fieldTime {
			cond = f.col + " IS NULL"
		}
		if op == "not" {
			cond = "NOT (" + cond + ")"
		}
		return cond, nil, scan, ""
	}
	v, msg := s.queryValue(f, c)
	if msg != "" {
		return "", nil, false, msg
	}
	switch op {
	case "contain", "not_contain":
		text := fmt.Sprint(c.Value)
		if f.kind == fieldTime || f.kind == fieldBool {
			return "", nil, false, fmt.Sprintf("%s is not text; %s tests text.", c.label(), c.Op)
		}
		cond, args = f.col+" "+s.like()+` ? ESCAPE '\'`, []any{likeContains(text)}
		scan = true
		if f.search != "" && utf8.RuneCountInString(text) >= 3 && op == "contain" {
			scan = false
			if s.pg {
				// Repeating the keyword index's expression lets it find the
				// candidates; the column's own test keeps the field's.
				cond = `(u.username || E'\x01' || u.display_name::text || E'\x01' || u.email::text) ILIKE ? AND ` + cond
				args = append([]any{likeContains(text)}, args...)
			} else {
				cond, args = `u.id IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ?)`, []any{f.search + " : " + ftsPhrase(text)}
			}
		}
		if op == "not_contain" {
			cond = "NOT (" + cond + ")"
		}
		return cond, args, scan, ""
	case "eq", "not":
		cond, args = s.equals(f, c.Field, v)
		if f.tag != "" && v != "" {
			cond, args, scan = tagHolders+" AND t.value = ?)", []any{tenantArg{}, f.tag, v}, false
		}
		if op == "not" {
			cond = "NOT (" + cond + ")"
		}
		return cond, args, scan, ""
	}
	if f.kind == fieldSet || f.kind == fieldBool {
		return "", nil, false, fmt.Sprintf("%s cannot be compared with %s.", c.label(), c.Op)
	}
	cmp := map[string]string{"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}[op]
	return f.col + " " + cmp + " " + f.placeholder(s), []any{v}, scan, ""
}

// equals is field = v, for a value queryValue converted.
func (s *Store) equals(f queryField, name string, v any) (string, []any) {
	switch {
	case name == "backend" && v == "local":
		return "u.source_type = 'built_in'", nil
	case name == "backend":
		return "u.source_type <> 'built_in'", nil
	case f.kind == fieldSet:
		return "(',' || " + f.col + " || ',') LIKE ?", []any{"%," + fmt.Sprint(v) + ",%"}
	}
	return f.col + " = " + f.placeholder(s), []any{v}
}

// queryValue converts c's value to the field's stored form.
func (s *Store) queryValue(f queryField, c UserCond) (any, string) {
	switch f.kind {
	case fieldTime:
		text, ok := c.Value.(string)
		if !ok {
			return nil, fmt.Sprintf("%s takes an ISO 8601 time.", c.label())
		}
		t, err := parseQueryTime(text)
		if err != nil {
			return nil, fmt.Sprintf("%s takes an ISO 8601 time such as 2024-05-01T09:00:00Z; %q is not one.", c.label(), text)
		}
		return t.UnixMilli(), ""
	case fieldBool:
		b, ok := c.Value.(bool)
		if !ok {
			return nil, fmt.Sprintf("%s takes true or false.", c.label())
		}
		if b {
			return 1, ""
		}
		return 0, ""
	case fieldInt:
		switch v := c.Value.(type) {
		case int64:
			return v, ""
		case float64:
			return int64(v), ""
		}
		return nil, fmt.Sprintf("%s takes an id.", c.label())
	case fieldEnum, fieldSet:
		text, ok := c.Value.(string)
		if !ok {
			return nil, fmt.Sprintf("%s takes a name such as those it lists.", c.label())
		}
		return strings.ToLower(text), ""
	}
	switch v := c.Value.(type) {
	case string:
		return v, ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), ""
	case bool:
		return strconv.FormatBool(v), ""
	}
	return nil, fmt.Sprintf("%s takes text.", c.label())
}

func parseQueryTime(text string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, text); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time")
}

var relativeTimePattern = regexp.MustCompile(`^now(/[dwm])?\s*(?:([+-])\s*(\d+)\s*([smhdw]))?$`)

// relativeTime reads "now", "now/d", "now/w" or "now/m", optionally
// followed by +N or -N and a unit of s, m, h, d or w.
func (s *Store) relativeTime(text string) (time.Time, error) {
	m := relativeTimePattern.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return time.Time{}, fmt.Errorf("%q is not a relative time such as now, now/d or now/d - 7d", text)
	}
	t := s.now().UTC()
	switch m[1] {
	case "/d":
		t = t.Truncate(24 * time.Hour)
	case "/w":
		t = t.Truncate(24*time.Hour).AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
	case "/m":
		t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	if m[2] != "" {
		n, _ := strconv.Atoi(m[3])
		unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[4]]
		d := time.Duration(n) * unit
		if m[2] == "-" {
			d = -d
		}
		t = t.Add(d)
	}
	return t, nil
}
