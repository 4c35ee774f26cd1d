package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

// listFilter is the filter part of the users list's query, without
// paging, so pager links and bulk actions keep the filter.
func listFilter(q url.Values) url.Values {
	n := url.Values{}
	for k, vs := range q {
		if request.UserFilterParams[k] && k != "next_token" && k != "page_number" && k != "page_size" && k != "max_results" {
			for _, v := range vs {
				if v != "" {
					n.Add(k, v)
				}
			}
		}
	}
	return n
}

// consoleFilterParams are the users page's own parameters beside the
// list's: the property filter as the form sends it, and the pickers' search
// boxes.
var consoleFilterParams = map[string]bool{"property_key": true, "property_value": true, "org_unit_id_q": true, "group_id_q": true}

// unknownFilters are the parameters of q the users page does not know, sorted.
func unknownFilters(q url.Values) []string {
	var out []string
	for k := range q {
		if !request.UserFilterParams[k] && !consoleFilterParams[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// userResults lists users for the filter in q.
func (h *Handler) userResults(c echo.Context, q url.Values) (templates.UserResultsProps, store.FieldErrors, error) {
	f, fe := request.UserFilter(q)
	if len(fe) > 0 {
		return templates.UserResultsProps{}, fe, nil
	}
	l, err := h.store.ListUsers(c.Request().Context(), shell(c).Tenant.ID, f)
	var sfe store.FieldErrors
	if request.AsFieldErrors(err, &sfe) {
		return templates.UserResultsProps{}, sfe, nil
	}
	if errors.Is(err, store.ErrBadCursor) {
		return templates.UserResultsProps{}, store.FieldErrors{"": "That page link is out of date; start again from the first page."}, nil
	}
	if err != nil {
		return templates.UserResultsProps{}, nil, err
	}
	filter := listFilter(q)
	p := templates.UserResultsProps{List: l, Now: time.Now()}
	if len(filter) > 0 {
		p.Query = "?" + filter.Encode()
	}
	if l.Next != "" {
		p.NextURL = "/users" + request.WithParam(filter, "next_token", l.Next)
	}
	if l.Prev != "" {
		p.PrevURL = "/users" + request.WithParam(filter, "next_token", l.Prev)
	}
	return p, nil, nil
}

// listUsers is the users page. htmx requests aimed at the results get only
// them; a history restore gets the whole page.
func (h *Handler) listUsers(c echo.Context) error {
	q := c.QueryParams()
	// The console's property filter is a key and a value; the list takes
	// them as the API's property=key:value.
	if k := q.Get("property_key"); k != "" {
		q.Add("property", k+":"+q.Get("property_value"))
	}
	res, fe, err := h.userResults(c, q)
	if err != nil {
		return err
	}
	if unknown := unknownFilters(q); len(unknown) > 0 {
		// Listing everyone under a filter that was not applied would look
		// like its answer.
		if fe == nil {
			fe = store.FieldErrors{}
		}
		fe[""] = "This list cannot filter by " + strings.Join(unknown, ", ") + "; no users are shown. Use the filters on this page."
		res = templates.UserResultsProps{}
	}
	if msg := fe["property"]; msg != "" {
		fe["property_value"] = msg
	}
	if request.IsHTMX(c) && c.Request().Header.Get("HX-Target") == "user-results" &&
		c.Request().Header.Get("HX-History-Restore-Request") != "true" && len(fe) == 0 {
		return request.Render(c, http.StatusOK, templates.UserResults(res))
	}
	p := templates.UsersProps{Errors: fe, Results: res, Form: templates.UserFilterForm{Q: q.Get("q"), Status: q.Get("status"),
		Locked: q.Get("locked"), SourceType: q.Get("source_type"), CreatedFrom: q.Get("created_from"),
		CreatedTo: q.Get("created_to"), Sort: q.Get("sort"), SubUnits: q.Get("include_descendants") == "true",
		OrgUnit: templates.PickerProps{Kind: "org-units", Field: "org_unit_id", Label: "Org unit", Query: q.Get("org_unit_id_q"), Errors: fe},
		Group:   templates.PickerProps{Kind: "groups", Field: "group_id", Label: "Group", Query: q.Get("group_id_q"), Errors: fe}}}
	if k, v, ok := strings.Cut(q.Get("property"), ":"); ok {
		p.Form.PropertyKey, p.Form.PropertyVal = k, v
	}
	ctx := c.Request().Context()
	tenant := shell(c).Tenant.ID
	if p.Form.OrgUnit.Choices, err = h.unitChoices(c, p.Form.OrgUnit.Query, q.Get("org_unit_id")); err != nil {
		return err
	}
	if p.Form.Group.Choices, err = h.groupChoices(c, p.Form.Group.Query, q.Get("group_id")); err != nil {
		return err
	}
	if p.Form.Properties, err = h.store.PropertyDefinitions(ctx, tenant); err != nil {
		return err
	}
	active, err := h.store.ListJobs(ctx, tenant, store.JobFilter{Active: true})
	if err != nil {
		return err
	}
	p.Jobs = active.Items
	code := http.StatusOK
	if len(fe) > 0 {
		code = http.StatusBadRequest
	}
	return request.Render(c, code, templates.UsersPage(p))
}

// userStats is the statistics panel's charts (htmx) or page.
func (h *Handler) userStats(c echo.Context) error {
	var p templates.UserStatsProps
	for _, s := range []struct {
		dim string
		dst *[]store.StatItem
	}{{"status", &p.ByStatus}, {"source_type", &p.BySource}, {"created_month", &p.ByMonth}} {
		var err error
		if *s.dst, err = h.store.UserStats(c.Request().Context(), shell(c).Tenant.ID, s.dim); err != nil {
			return err
		}
	}
	if request.IsHTMX(c) {
		return request.Render(c, http.StatusOK, templates.UserStatsCharts(p))
	}
	return request.Render(c, http.StatusOK, templates.UserStatsPage(p))
}
