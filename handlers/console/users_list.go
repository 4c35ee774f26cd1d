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
	"roster/store/userfile"
	"roster/web/templates"
)

// listFilter is the filter part of the users list's query, with its sort
// and page size but without the page, so pager links, sort headers, chips
// and bulk actions keep the filter.
func listFilter(q url.Values) url.Values {
	n := url.Values{}
	for k, vs := range q {
		if request.UserFilterParams[k] && k != "next_token" && k != "page_number" && k != "max_results" {
			for _, v := range vs {
				if v != "" {
					n.Add(k, v)
				}
			}
		}
	}
	return n
}

// exportUsers downloads the users the list's filters keep (the list's
// export links carry them) as a users' file.
func (h *Handler) exportUsers(c echo.Context) error {
	q := c.QueryParams()
	if unknown := unknownFilters(q); len(unknown) > 0 && !slices.Equal(unknown, []string{"format"}) {
		return store.FieldErrors{"": "An export cannot filter by " + strings.Join(unknown, ", ") + "; export from the users list."}
	}
	f, format, fe := request.ExportFilter(q)
	if len(fe) > 0 {
		return fe
	}
	return request.StreamUsers(c, h.store, shell(c).Tenant.ID, f, format)
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

// userResults lists users for the filter in q, in the columns the
// administrator chose.
func (h *Handler) userResults(c echo.Context, q url.Values) (templates.UserResultsProps, store.FieldErrors, error) {
	f, fe := request.UserFilter(q)
	if len(fe) > 0 {
		return templates.UserResultsProps{Invalid: true}, fe, nil
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	props, err := h.store.PropertyDefinitions(ctx, tenant)
	if err != nil {
		return templates.UserResultsProps{}, nil, err
	}
	cols, err := h.userColumns(c, props)
	if err != nil {
		return templates.UserResultsProps{}, nil, err
	}
	done := request.Timed(c)
	// Whole users from the cache while their rows are unchanged: reading
	// a page's rows was most of the page's query.
	cl, err := store.ListUsersCached(ctx, h.store, h.users, tenant, f, func(u *store.User) store.User { return *u })
	done()
	l := store.UserList{List: cl.List, Prev: cl.Prev, SortedBy: cl.SortedBy}
	var sfe store.FieldErrors
	if request.AsFieldErrors(err, &sfe) {
		return templates.UserResultsProps{Invalid: true}, sfe, nil
	}
	if errors.Is(err, store.ErrBadCursor) {
		return templates.UserResultsProps{Invalid: true}, store.FieldErrors{"": "That page link is out of date; start again from the first page."}, nil
	}
	if err != nil {
		return templates.UserResultsProps{}, nil, err
	}
	filter := listFilter(q)
	p := templates.UserResultsProps{List: l, Now: time.Now(), Columns: cols, ColumnChoices: templates.UserColumns(props),
		Sort: f.Sort, SortURLs: map[string]string{}}
	if len(filter) > 0 {
		p.Query = "?" + filter.Encode()
	}
	// The export takes the filter and the order, not the page.
	export := url.Values{}
	for k, vs := range filter {
		if k != "page_size" {
			export[k] = vs
		}
	}
	p.ExportURLs = map[string]string{}
	for _, format := range userfile.Formats {
		p.ExportURLs[format] = "/users/export" + request.WithParam(export, "format", format)
	}
	p.Filtered = len(activeFilters(filter)) > 0
	p.ClearURL = "/users" + keepOnly(filter, "sort", "page_size")
	if l.Next != "" {
		p.NextURL = "/users" + request.WithParam(filter, "next_token", l.Next)
	}
	if l.Prev != "" {
		p.PrevURL = "/users" + request.WithParam(filter, "next_token", l.Prev)
	}
	for col, key := range templates.SortableColumns {
		next := key
		if f.Sort == key || (f.Sort == "" && key == "username") {
			next = "-" + key
		}
		p.SortURLs[col] = "/users" + request.WithParam(filter, "sort", next)
	}
	if slices.ContainsFunc(cols, func(c templates.UserColumn) bool { return c.Key == "org_unit" }) {
		if p.UnitNames, err = h.store.OrgUnitNames(ctx, tenant, l.Items); err != nil {
			return templates.UserResultsProps{}, nil, err
		}
	}
	return p, nil, nil
}

// listUsers is the users page. htmx requests aimed at the results get only
// them (with the active filters and the form's sort), a form showing
// errors gets the form back with the results, and a filter that cannot be
// used answers 422 with the form and its errors in place of the results,
// so no stale results stay on screen; a history restore gets the whole
// page.
func (h *Handler) listUsers(c echo.Context) error {
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	q := c.QueryParams()
	props, err := h.store.PropertyDefinitions(ctx, tenant)
	if err != nil {
		return err
	}
	form := templates.UserFilterForm{Q: q.Get("q"), Status: q.Get("status"),
		Locked: q.Get("locked"), SourceType: q.Get("source_type"), UserType: q.Get("user_type"), Tag: q.Get("tag"), CreatedFrom: q.Get("created_from"),
		CreatedTo: q.Get("created_to"), Sort: q.Get("sort"), PageSize: q.Get("page_size"),
		SubUnits: q.Get("include_descendants") == "true", Properties: props,
		PropertyKey: q.Get("property_key"), PropertyVal: strings.TrimSpace(q.Get("property_value"))}
	// The console's property filter is a key and a value (or its label);
	// the list takes them as the API's property=key:value.
	if form.PropertyKey != "" && form.PropertyVal != "" {
		form.PropertyVal = storedValue(props, form.PropertyKey, form.PropertyVal)
		q.Add("property", form.PropertyKey+":"+form.PropertyVal)
	} else if k, v, ok := strings.Cut(q.Get("property"), ":"); ok {
		form.PropertyKey, form.PropertyVal = k, v
	}
	target := ""
	if request.IsHTMX(c) && c.Request().Header.Get("HX-History-Restore-Request") != "true" {
		target = c.Request().Header.Get("HX-Target")
	}
	if target == "property-value-field" {
		return request.Render(c, http.StatusOK, templates.PropertyValueField(form, nil))
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
		res = templates.UserResultsProps{Invalid: true}
	}
	if msg := fe["property"]; msg != "" {
		fe["property_value"] = msg
		delete(fe, "property")
	}
	besideForm(fe)
	form.OrgUnit = templates.PickerProps{Kind: "org-units", Field: "org_unit_id", Label: "Org unit", Query: q.Get("org_unit_id_q"), Errors: fe}
	form.Group = templates.PickerProps{Kind: "groups", Field: "group_id", Label: "Group", Query: q.Get("group_id_q"), Errors: fe}
	if form.OrgUnit.Choices, err = h.unitChoices(c, form.OrgUnit.Query, q.Get("org_unit_id")); err != nil {
		return err
	}
	if form.Group.Choices, err = h.groupChoices(c, form.Group.Query, q.Get("group_id")); err != nil {
		return err
	}
	p := templates.UsersProps{Errors: fe, Results: res, Form: form,
		Chips: filterChips(listFilter(q), props, form)}
	active, err := h.store.ListJobs(ctx, tenant, store.JobFilter{Active: true})
	if err != nil {
		return err
	}
	p.Jobs = active.Items
	code := http.StatusOK
	if len(fe) > 0 {
		code = http.StatusUnprocessableEntity
	}
	switch {
	case target == "user-results" && len(fe) == 0:
		return request.Render(c, code, templates.UserResultsAnswer(p))
	case target == "user-results" || target == "user-filters":
		if target == "user-results" {
			c.Response().Header().Set("HX-Retarget", "#user-filters")
			c.Response().Header().Set("HX-Reswap", "outerHTML")
		}
		return request.Render(c, code, templates.UserFiltersAnswer(p))
	}
	return request.Render(c, code, templates.UsersPage(p))
}

// formFields are the filter form's fields, beside which their errors show.
var formFields = map[string]bool{"q": true, "status": true, "locked": true, "user_type": true, "source_type": true, "tag": true, "created_from": true,
	"created_to": true, "page_size": true, "org_unit_id": true, "group_id": true, "property_value": true}

// besideForm moves the errors of parameters the form has no field for (a
// link's sort or page, an API-style filter typed into the address) to the
// form's top, where they are seen.
func besideForm(fe store.FieldErrors) {
	var keys []string
	for k := range fe {
		if k != "" && !formFields[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		fe[""] = strings.TrimSpace(fe[""] + " " + fe[k])
		delete(fe, k)
	}
}

// storedValue is the stored value of a select property's option given
// its value or its label (what administrators see), ignoring case;
// anything else is returned as typed, for the store to judge.
func storedValue(props []store.Property, key, v string) string {
	i := slices.IndexFunc(props, func(p store.Property) bool { return p.Key == key })
	if i < 0 || !props[i].IsSelect() {
		return v
	}
	for _, o := range props[i].Options {
		if o.Value == v {
			return v
		}
	}
	for _, o := range props[i].Options {
		if strings.EqualFold(o.Label(), v) {
			return o.Value
		}
	}
	return v
}

// keepOnly returns "?query" of the parameters of q named, or "".
func keepOnly(q url.Values, names ...string) string {
	n := url.Values{}
	for _, name := range names {
		if v := q.Get(name); v != "" {
			n.Set(name, v)
		}
	}
	if len(n) == 0 {
		return ""
	}
	return "?" + n.Encode()
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
