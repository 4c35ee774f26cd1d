package spaceone

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/store"
)

// condition is a core Query filter: key|k, value|v, operator|o.
type condition struct {
	Key      string `json:"key"`
	K        string `json:"k"`
	Value    any    `json:"value"`
	V        any    `json:"v"`
	Operator string `json:"operator"`
	O        string `json:"o"`
}

type sortKey struct {
	Key  string `json:"key"`
	Desc bool   `json:"desc"`
}

// sortSpec is {key, desc} or {keys: [{key, desc}]}.
type sortSpec struct {
	sortKey
	Keys []sortKey `json:"keys"`
}

type page struct {
	Start int `json:"start"`
	Limit int `json:"limit"`
}

// query is the core Query.
type query struct {
	Filter    []condition     `json:"filter"`
	FilterOr  []condition     `json:"filter_or"`
	Sort      *sortSpec       `json:"sort"`
	Page      *page           `json:"page"`
	Minimal   bool            `json:"minimal"`
	CountOnly bool            `json:"count_only"`
	Only      []string        `json:"only"`
	Keyword   string          `json:"keyword"`
	Unwind    json.RawMessage `json:"unwind"`
}

// storeNames are the store's names of SpaceONE's user fields, where
// they differ.
var storeNames = map[string]string{"user_id": "username", "name": "display_name", "state": "status",
	"last_accessed_at": "last_login_at"}

func storeName(key string) string {
	if n, ok := storeNames[key]; ok {
		return n
	}
	return key
}

// conds translates filters. A domain_id filter must name the call's
// domain, which every query is scoped to anyway.
func (c *call) conds(list []condition) ([]store.UserCond, error) {
	var out []store.UserCond
	for _, f := range list {
		key, value, op := f.Key, f.Value, f.Operator
		if key == "" {
			key = f.K
		}
		if value == nil {
			value = f.V
		}
		if op == "" {
			op = f.O
		}
		if op == "" {
			op = "eq"
		}
		if key == "" {
			return nil, required("filter.key")
		}
		if key == "domain_id" {
			if op != "eq" || (value != c.tenant.PublicID() && value != c.tenant.Alias) {
				return nil, invalid("filter", "domain_id can only be tested for equality with the request's domain")
			}
			continue
		}
		if op == "regex" || op == "regex_in" || op == "match" {
			return nil, invalid("filter", fmt.Sprintf("the %s operator is not supported; use contain or contain_in", op))
		}
		out = append(out, store.UserCond{Field: storeName(key), Op: op, Label: key, Value: value})
	}
	return out, nil
}

func keywords(kw string) []string { return strings.Fields(kw) }

func (p *page) offsetLimit() (int, int) {
	if p == nil {
		return 0, 0
	}
	return max(p.Start, 1) - 1, p.Limit
}

type listRequest struct {
	Query    query  `json:"query"`
	UserID   string `json:"user_id"`
	Name     string `json:"name"`
	State    string `json:"state"`
	Email    string `json:"email"`
	UserType string `json:"user_type"`
	Backend  string `json:"backend"`
	DomainID string `json:"domain_id"`
}

// list answers a core Query plus the shortcut filters (each an eq test):
// {results, total_count}.
func (h *Handler) list(c echo.Context) error {
	var req listRequest
	cl, err := h.bind(c, &req, &req.DomainID)
	if err != nil {
		return fail(c, err)
	}
	q := req.Query
	if q.Unwind != nil {
		return fail(c, invalid("query.unwind", "users have no list of sub-documents to unwind"))
	}
	and, err := cl.conds(q.Filter)
	if err != nil {
		return fail(c, err)
	}
	or, err := cl.conds(q.FilterOr)
	if err != nil {
		return fail(c, err)
	}
	for _, s := range []struct{ key, value string }{{"user_id", req.UserID}, {"name", req.Name}, {"state", req.State},
		{"email", req.Email}, {"user_type", req.UserType}, {"backend", req.Backend}} {
		if s.value != "" {
			and = append(and, store.UserCond{Field: storeName(s.key), Op: "eq", Label: s.key, Value: s.value})
		}
	}
	uq := store.UserQuery{And: and, Or: or, Keywords: keywords(q.Keyword), CountOnly: q.CountOnly}
	uq.Offset, uq.Limit = q.Page.offsetLimit()
	if q.Sort != nil {
		for _, k := range append([]sortKey{q.Sort.sortKey}, q.Sort.Keys...) {
			if k.Key != "" {
				uq.Sort = append(uq.Sort, store.QuerySort{Field: storeName(k.Key), Desc: k.Desc})
			}
		}
	}
	l, err := store.QueryUsersCached(c.Request().Context(), h.store, h.users, cl.id(), uq, rowInfo)
	if err != nil {
		return fail(c, err)
	}
	users, total := l.Items, l.Total
	only := q.Only
	if q.Minimal && len(only) == 0 {
		only = []string{"user_id", "name", "state", "user_type"}
	}
	results := make([]map[string]any, len(users))
	for i, info := range users {
		results[i] = inDomain(info, req.DomainID, only)
	}
	if q.CountOnly {
		return c.JSON(http.StatusOK, map[string]any{"total_count": total})
	}
	return c.JSON(http.StatusOK, map[string]any{"results": results, "total_count": total})
}

// statQuery is the core StatisticsQuery.
type statQuery struct {
	Filter    []condition `json:"filter"`
	FilterOr  []condition `json:"filter_or"`
	Aggregate []stage     `json:"aggregate"`
	Page      *page       `json:"page"`
	Distinct  string      `json:"distinct"`
	Keyword   string      `json:"keyword"`
}

// stage is one aggregate stage; Roster serves group (with count fields),
// count, sort, skip and limit.
type stage struct {
	Group *struct {
		Keys []struct {
			Key  string `json:"key"`
			Name string `json:"name"`
		} `json:"keys"`
		Fields []struct {
			Name     string `json:"name"`
			Operator string `json:"operator"`
		} `json:"fields"`
	} `json:"group"`
	Count *struct {
		Name string `json:"name"`
	} `json:"count"`
	Sort    *sortSpec       `json:"sort"`
	Limit   *int            `json:"limit"`
	Skip    *int            `json:"skip"`
	Unwind  json.RawMessage `json:"unwind"`
	Project json.RawMessage `json:"project"`
}

type statRequest struct {
	Query    statQuery `json:"query"`
	DomainID string    `json:"domain_id"`
}

// stat answers a StatisticsQuery: distinct values of a field, or an
// aggregate of group and count stages.
func (h *Handler) stat(c echo.Context) error {
	var req statRequest
	cl, err := h.bind(c, &req, &req.DomainID)
	if err != nil {
		return fail(c, err)
	}
	q := req.Query
	if (len(q.Aggregate) == 0) == (q.Distinct == "") {
		return fail(c, invalid("query", "give exactly one of aggregate and distinct"))
	}
	gq := store.UserGroupQuery{Keywords: keywords(q.Keyword)}
	if gq.And, err = cl.conds(q.Filter); err == nil {
		gq.Or, err = cl.conds(q.FilterOr)
	}
	if err != nil {
		return fail(c, err)
	}
	gq.Offset, gq.Limit = q.Page.offsetLimit()
	ctx := c.Request().Context()
	if q.Distinct != "" {
		gq.Keys = []store.GroupKey{{Field: storeName(q.Distinct), Name: q.Distinct}}
		rows, total, err := h.store.GroupUsers(ctx, cl.id(), gq)
		if err != nil {
			return fail(c, err)
		}
		values := make([]any, len(rows))
		for i, r := range rows {
			values[i] = enumValue(q.Distinct, r[q.Distinct])
		}
		return c.JSON(http.StatusOK, withTotal(map[string]any{"results": values}, q.Page, total))
	}
	countName := ""
	for i, s := range q.Aggregate {
		switch {
		case s.Group != nil && i == 0:
			for _, k := range s.Group.Keys {
				name := k.Name
				if name == "" {
					name = k.Key
				}
				gq.Keys = append(gq.Keys, store.GroupKey{Field: storeName(k.Key), Name: name})
			}
			for _, f := range s.Group.Fields {
				if f.Operator != "count" {
					return fail(c, invalid("aggregate.group.fields", fmt.Sprintf("the %s operator is not supported; use count", f.Operator)))
				}
				gq.Counts = append(gq.Counts, f.Name)
			}
		case s.Count != nil && countName == "":
			countName = s.Count.Name
		case s.Sort != nil:
			for _, k := range append([]sortKey{s.Sort.sortKey}, s.Sort.Keys...) {
				if k.Key != "" {
					gq.Sort = append(gq.Sort, store.QuerySort{Field: k.Key, Desc: k.Desc})
				}
			}
		case s.Limit != nil:
			gq.Limit = *s.Limit
		case s.Skip != nil:
			gq.Offset += *s.Skip
		default:
			return fail(c, invalid("aggregate", fmt.Sprintf("stage %d is not supported: Roster serves a first group stage, "+
				"then count, sort, skip and limit", i+1)))
		}
	}
	if countName != "" && len(gq.Keys) == 0 {
		l, err := h.store.QueryUsers(ctx, cl.id(), store.UserQuery{And: gq.And, Or: gq.Or, Keywords: gq.Keywords, CountOnly: true})
		if err != nil {
			return fail(c, err)
		}
		return c.JSON(http.StatusOK, map[string]any{"results": []any{map[string]any{countName: l.Total}}})
	}
	rows, total, err := h.store.GroupUsers(ctx, cl.id(), gq)
	if err != nil {
		return fail(c, err)
	}
	if countName != "" {
		return c.JSON(http.StatusOK, map[string]any{"results": []any{map[string]any{countName: total}}})
	}
	for _, r := range rows {
		for _, k := range gq.Keys {
			r[k.Name] = enumValue(k.Field, r[k.Name])
		}
	}
	return c.JSON(http.StatusOK, withTotal(map[string]any{"results": rows}, q.Page, total))
}

// enumValue is a grouped value of field as the protocol spells it: enums
// upper case.
func enumValue(field string, v any) any {
	switch storeName(field) {
	case "status", "user_type", "backend", "required_actions":
		if s, ok := v.(string); ok {
			return strings.ToUpper(s)
		}
	}
	return v
}

// withTotal adds total_count when the query asked for a page.
func withTotal(out map[string]any, p *page, total int) map[string]any {
	if p != nil {
		out["total_count"] = total
	}
	return out
}
