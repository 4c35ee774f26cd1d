package console

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

// listGroups is the groups page, optionally searched by name.
func (h *Handler) listGroups(c echo.Context) error {
	return h.renderGroups(c, http.StatusOK, templates.GroupsProps{})
}

func (h *Handler) renderGroups(c echo.Context, code int, p templates.GroupsProps) error {
	q := c.QueryParams()
	page, fe := request.Page(q)
	if len(fe) > 0 {
		return request.BadParam(fe)
	}
	p.Search = q.Get("name")
	l, err := h.store.ListGroups(c.Request().Context(), shell(c).Tenant.ID, store.NameFilter{Name: p.Search, Page: page})
	if err != nil {
		return request.ListError(err)
	}
	p.List = l
	if l.Next != "" {
		p.NextURL = "/groups" + request.WithParam(q, "next_token", l.Next)
	}
	return request.Render(c, code, templates.GroupsPage(p))
}

func (h *Handler) createGroup(c echo.Context) error {
	name, desc := c.FormValue("name"), c.FormValue("description")
	g, err := h.store.CreateGroup(c.Request().Context(), shell(c).Tenant.ID, name, desc)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return h.renderGroups(c, http.StatusUnprocessableEntity, templates.GroupsProps{Errors: fe, Name: name, Desc: desc})
	}
	if err != nil {
		return err
	}
	h.flash(c, "Group "+g.Name+" created.")
	return c.Redirect(http.StatusSeeOther, "/groups/"+g.PublicID())
}

func (h *Handler) removeGroups(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	res, err := h.store.RemoveGroups(c.Request().Context(), shell(c).Tenant.ID, form["group_ids"])
	if err != nil {
		return err
	}
	return h.renderGroups(c, http.StatusOK, templates.GroupsProps{Outcome: outcome("Removed", res, nil)})
}

// outcome turns a batch result into the console's outcome panel, naming
// failed items by names[id] where known.
func outcome(verb string, res store.BatchResult, names map[string]string) *templates.BulkOutcome {
	out := &templates.BulkOutcome{Verb: verb, Done: len(res.Succeeded)}
	for _, f := range res.Failed {
		name := names[f.Key]
		if name == "" {
			name = f.Key
		}
		out.Failures = append(out.Failures, templates.BulkFailure{Username: name, Message: f.Message})
	}
	return out
}

// showGroup is a group's page: members (searchable, paged) and pickers.
func (h *Handler) showGroup(c echo.Context) error {
	return h.renderGroup(c, http.StatusOK, nil, nil)
}

func (h *Handler) renderGroup(c echo.Context, code int, errs store.FieldErrors, out *templates.BulkOutcome) error {
	id, err := request.IDParam(c, store.PrefixGroup)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	g, err := h.store.GetGroup(ctx, tenant, id)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	page, fe := request.Page(q)
	if len(fe) > 0 {
		return request.BadParam(fe)
	}
	p := templates.GroupProps{Group: g, Search: q.Get("q"), Name: g.Name, Desc: g.Description, Errors: errs, Outcome: out,
		Add: templates.PickerProps{Kind: "users", Field: "user_ids", Label: "Users to add", Multiple: true, Query: q.Get("user_ids_q")}}
	if errs != nil && c.Request().Method == http.MethodPost {
		p.Name, p.Desc = c.FormValue("name"), c.FormValue("description")
	}
	if p.Members, err = h.store.ListGroupMembers(ctx, tenant, id, store.UserFilter{Query: p.Search, Page: page}); err != nil {
		if errors.Is(err, store.ErrBadCursor) {
			return &request.ParamError{Field: "next_token", Msg: "That page link is out of date."}
		}
		return request.ListError(err)
	}
	base := "/groups/" + g.PublicID()
	filter := q
	filter.Del("next_token")
	if p.Members.Next != "" {
		p.NextURL = base + request.WithParam(filter, "next_token", p.Members.Next)
	}
	if p.Members.Prev != "" {
		p.PrevURL = base + request.WithParam(filter, "next_token", p.Members.Prev)
	}
	if p.Add.Choices, err = h.userChoices(c, p.Add.Query); err != nil {
		return err
	}
	return request.Render(c, code, templates.GroupPage(p))
}

func (h *Handler) updateGroup(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixGroup)
	if err != nil {
		return err
	}
	name, desc := c.FormValue("name"), c.FormValue("description")
	g, err := h.store.UpdateGroup(c.Request().Context(), shell(c).Tenant.ID, id, &name, &desc)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return h.renderGroup(c, http.StatusUnprocessableEntity, fe, nil)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Group "+g.Name+" saved.")
	return c.Redirect(http.StatusSeeOther, "/groups/"+g.PublicID())
}

// changeGroupMembers adds or removes the ticked users and shows the group
// with the outcome.
func (h *Handler) changeGroupMembers(add bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := request.IDParam(c, store.PrefixGroup)
		if err != nil {
			return err
		}
		form, err := c.FormParams()
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
		}
		ids := form["user_ids"]
		if len(ids) == 0 {
			return h.renderGroup(c, http.StatusUnprocessableEntity, store.FieldErrors{"user_ids": "Tick at least one user."}, nil)
		}
		ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
		change, verb := h.store.RemoveGroupMembers, "Removed"
		if add {
			change, verb = h.store.AddGroupMembers, "Added"
		}
		res, err := change(ctx, tenant, id, ids)
		var fe store.FieldErrors
		if errors.As(err, &fe) {
			return h.renderGroup(c, http.StatusUnprocessableEntity, fe, nil)
		}
		if err != nil {
			return err
		}
		names, err := h.usernames(c, ids)
		if err != nil {
			return err
		}
		return h.renderGroup(c, http.StatusOK, nil, outcome(verb, res, names))
	}
}

// usernames maps public user ids to usernames, for naming failed items.
func (h *Handler) usernames(c echo.Context, pids []string) (map[string]string, error) {
	names := map[string]string{}
	var ids []int64
	for _, pid := range pids {
		if id, ok := store.ParseID(store.PrefixUser, pid); ok {
			ids = append(ids, id)
		}
	}
	for start := 0; start < len(ids); start += store.MaxPageSize {
		l, err := h.store.ListUsers(c.Request().Context(), shell(c).Tenant.ID,
			store.UserFilter{IDs: ids[start:min(start+store.MaxPageSize, len(ids))], Page: store.Page{Size: store.MaxPageSize}})
		if err != nil {
			return nil, err
		}
		for _, u := range l.Items {
			names[u.PublicID()] = u.Username
		}
	}
	return names, nil
}
