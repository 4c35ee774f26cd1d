package console

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

// unitChoices finds units by name for a picker, labelled with their path;
// checked marks the chosen one.
func (h *Handler) unitChoices(c echo.Context, q, checked string) ([]templates.Choice, error) {
	q = strings.TrimSpace(q)
	if q == "" && checked == "" {
		return nil, nil
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	var units []store.OrgUnit
	if id, ok := store.ParseID(store.PrefixOrgUnit, checked); ok {
		if o, err := h.store.GetOrgUnit(ctx, tenant, id); err == nil {
			units = append(units, o)
		}
	}
	if q != "" {
		l, err := h.store.ListOrgUnits(ctx, tenant, store.NameFilter{Name: q, Page: store.Page{Size: templates.MaxChoices + 1}})
		if err != nil && !errors.As(err, new(store.FieldErrors)) {
			return nil, err
		}
		units = append(units, l.Items...)
	}
	var ids []int64
	for _, o := range units {
		ids = append(ids, o.ID)
	}
	paths, err := h.store.OrgUnitPaths(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	var out []templates.Choice
	seen := map[int64]bool{}
	for _, o := range units {
		if seen[o.ID] {
			continue
		}
		seen[o.ID] = true
		out = append(out, templates.Choice{ID: o.PublicID(), Label: strings.Join(paths[o.ID], " / "), Checked: o.PublicID() == checked})
	}
	return out, nil
}

// groupChoices finds groups by name for a picker; checked, a group id,
// stays first and ticked.
func (h *Handler) groupChoices(c echo.Context, q, checked string) ([]templates.Choice, error) {
	q = strings.TrimSpace(q)
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	var out []templates.Choice
	if id, ok := store.ParseID(store.PrefixGroup, checked); ok {
		if g, err := h.store.GetGroup(ctx, tenant, id); err == nil {
			out = append(out, templates.Choice{ID: g.PublicID(), Label: g.Name, Checked: true})
		}
	}
	if q == "" {
		return out, nil
	}
	l, err := h.store.ListGroups(ctx, tenant, store.NameFilter{Name: q, Page: store.Page{Size: templates.MaxChoices + 1}})
	if err != nil && !errors.As(err, new(store.FieldErrors)) {
		return nil, err
	}
	for _, g := range l.Items {
		if g.PublicID() != checked {
			out = append(out, templates.Choice{ID: g.PublicID(), Label: g.Name})
		}
	}
	return out, nil
}

// userChoices finds users by keyword for a picker.
func (h *Handler) userChoices(c echo.Context, q string) ([]templates.Choice, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	l, err := h.store.ListUsers(c.Request().Context(), shell(c).Tenant.ID, store.UserFilter{Query: q, Page: store.Page{Size: templates.MaxChoices + 1}})
	if err != nil && !errors.As(err, new(store.FieldErrors)) {
		return nil, err
	}
	var out []templates.Choice
	for _, u := range l.Items {
		out = append(out, templates.Choice{ID: u.PublicID(), Label: userChoiceLabel(u)})
	}
	return out, nil
}

// pick answers a picker's search with its choices (htmx).
func (h *Handler) pick(c echo.Context) error {
	p := templates.PickerProps{Kind: c.Param("kind"), Field: c.QueryParam("field"), Label: c.QueryParam("label"),
		ID: c.QueryParam("id"), Multiple: c.QueryParam("multiple") == "1"}
	if !validField(p.Field) || (p.ID != "" && !pickerID.MatchString(p.ID)) {
		return echo.NewHTTPError(http.StatusBadRequest, "Unknown field.")
	}
	p.Query = c.QueryParam(p.Field + "_q")
	var err error
	switch p.Kind {
	case "org-units":
		p.Choices, err = h.unitChoices(c, p.Query, "")
	case "groups":
		p.Choices, err = h.groupChoices(c, p.Query, "")
	case "users":
		p.Choices, err = h.userChoices(c, p.Query)
	default:
		return store.ErrNotFound
	}
	if err != nil {
		return err
	}
	if p.Multiple {
		// A multiple picker sends what is ticked with its search, which
		// would otherwise replace those choices and drop them.
		ticked, err := h.tickedChoices(c, p.Kind, c.QueryParams()[p.Field])
		if err != nil {
			return err
		}
		p.Choices = append(ticked, slices.DeleteFunc(p.Choices, func(ch templates.Choice) bool {
			return slices.ContainsFunc(ticked, func(t templates.Choice) bool { return t.ID == ch.ID })
		})...)
	}
	return request.Render(c, http.StatusOK, templates.PickerChoices(p))
}

// maxTicked bounds how many ticked choices a picker's search carries back.
const maxTicked = 100

// tickedChoices are the choices ids name, ticked, labelled as their
// search would label them; ids of another tenant or kind are left out.
func (h *Handler) tickedChoices(c echo.Context, kind string, ids []string) ([]templates.Choice, error) {
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	var out []templates.Choice
	for _, id := range ids[:min(len(ids), maxTicked)] {
		switch kind {
		case "groups":
			n, ok := store.ParseID(store.PrefixGroup, id)
			if !ok {
				continue
			}
			g, err := h.store.GetGroup(ctx, tenant, n)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, err
			}
			out = append(out, templates.Choice{ID: g.PublicID(), Label: g.Name, Checked: true})
		case "users":
			n, ok := store.ParseID(store.PrefixUser, id)
			if !ok {
				continue
			}
			u, err := h.store.GetUser(ctx, tenant, n)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, err
			}
			out = append(out, templates.Choice{ID: u.PublicID(), Label: userChoiceLabel(u), Checked: true})
		}
	}
	return out, nil
}

// userChoiceLabel is how pickers name a user.
func userChoiceLabel(u store.User) string {
	if u.DisplayName != "" {
		return u.Username + " (" + u.DisplayName + ")"
	}
	return u.Username
}

// pickerID is what a picker's element ids may be made of.
var pickerID = regexp.MustCompile(`^[a-z_-]{1,40}$`)

// validField reports whether a picker's field name is one the console uses;
// it becomes element ids.
func validField(f string) bool {
	switch f {
	case "parent_id", "org_unit_id", "group_id", "group_ids", "user_ids":
		return true
	}
	return false
}
