package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

// chipOrder is the order of the active filters' chips: as in the form.
var chipOrder = []string{"q", "status", "locked", "user_type", "source_type", "tag", "created_from", "created_to",
	"org_unit_id", "include_descendants", "group_id", "property"}

// activeFilters are the parameters of filter that narrow the list: all
// but its order and page size.
func activeFilters(filter url.Values) []string {
	var keys []string
	for k := range filter {
		if k != "sort" && k != "page_size" {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		ia, ib := slices.Index(chipOrder, a), slices.Index(chipOrder, b)
		if ia < 0 {
			ia = len(chipOrder)
		}
		if ib < 0 {
			ib = len(chipOrder)
		}
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	return keys
}

// filterChips names each active filter as administrators see it (labels,
// not ids or stored values), with a link to the list without it.
func filterChips(filter url.Values, props []store.Property, form templates.UserFilterForm) []templates.FilterChip {
	var out []templates.FilterChip
	for _, k := range activeFilters(filter) {
		for _, v := range filter[k] {
			without := url.Values{}
			for k2, vs := range filter {
				for _, v2 := range vs {
					// Without its unit, "include sub-units" means nothing.
					if (k2 != k || v2 != v) && !(k == "org_unit_id" && k2 == "include_descendants") {
						without.Add(k2, v2)
					}
				}
			}
			href := "/users"
			if len(without) > 0 {
				href += "?" + without.Encode()
			}
			out = append(out, templates.FilterChip{Label: chipLabel(k, v, props, form), RemoveURL: href})
		}
	}
	return out
}

func chipLabel(k, v string, props []store.Property, form templates.UserFilterForm) string {
	chosen := func(p templates.PickerProps) string {
		for _, ch := range p.Choices {
			if ch.ID == v {
				return ch.Label
			}
		}
		return v
	}
	switch k {
	case "q":
		return "Search: " + v
	case "locked":
		if v == "true" {
			return "Locked"
		}
		return "Not locked"
	case "user_type":
		return "User type: " + templates.UserTypeLabel(v)
	case "include_descendants":
		return "Including sub-units"
	case "org_unit_id":
		return "Org unit: " + chosen(form.OrgUnit)
	case "group_id":
		return "Group: " + chosen(form.Group)
	case "property":
		key, val, _ := strings.Cut(v, ":")
		for _, p := range props {
			if p.Key == key {
				for _, o := range p.Options {
					if o.Value == val {
						val = o.Label()
					}
				}
				return p.Label() + ": " + val
			}
		}
		return key + ": " + val
	}
	name := strings.ReplaceAll(k, "_", " ")
	return strings.ToUpper(name[:1]) + name[1:] + ": " + v
}

// userColumns are the users table's columns the administrator chose in
// this tenant, or the default ones.
func (h *Handler) userColumns(c echo.Context, props []store.Property) ([]templates.UserColumn, error) {
	s := shell(c)
	v, found, err := h.store.AdminPreference(c.Request().Context(), s.Admin.ID, s.Tenant.ID, store.PrefUserColumns)
	if err != nil {
		return nil, err
	}
	keys := templates.DefaultUserColumns
	if found {
		keys = strings.Split(v, ",")
	}
	var out []templates.UserColumn
	for _, col := range templates.UserColumns(props) {
		// A property removed since it was chosen simply drops out.
		if slices.Contains(keys, col.Key) {
			out = append(out, col)
		}
	}
	return out, nil
}

// saveUserColumns remembers the columns an administrator ticked, for
// them in this tenant, and goes back to the list they were on.
func (h *Handler) saveUserColumns(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	s := shell(c)
	props, err := h.store.PropertyDefinitions(c.Request().Context(), s.Tenant.ID)
	if err != nil {
		return err
	}
	var keys []string
	for _, col := range templates.UserColumns(props) {
		if slices.Contains(form["columns"], col.Key) {
			keys = append(keys, col.Key)
		}
	}
	if err := h.store.SetAdminPreference(c.Request().Context(), s.Admin.ID, s.Tenant.ID, store.PrefUserColumns, strings.Join(keys, ",")); err != nil {
		return err
	}
	back := "/users"
	if ret := form.Get("return"); strings.HasPrefix(ret, "?") {
		back = request.LocalPath("/users"+ret, "/users")
	}
	return c.Redirect(http.StatusSeeOther, back)
}
