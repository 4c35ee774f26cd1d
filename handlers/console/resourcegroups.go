package console

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

func (h *Handler) listResourceGroups(c echo.Context) error {
	return h.renderResourceGroups(c, http.StatusOK, nil, templates.ResourceGroupForm{})
}

func (h *Handler) renderResourceGroups(c echo.Context, code int, errs store.FieldErrors, f templates.ResourceGroupForm) error {
	q := c.QueryParams()
	page, fe := request.Page(q)
	if len(fe) > 0 {
		return request.BadParam(fe)
	}
	p := templates.ResourceGroupsProps{Search: q.Get("name"), Errors: errs, Form: f}
	l, err := h.store.ListResourceGroups(c.Request().Context(), shell(c).Tenant.ID, store.NameFilter{Name: p.Search, Page: page})
	if err != nil {
		return request.ListError(err)
	}
	p.List = l
	if l.Next != "" {
		p.NextURL = "/resource-groups" + request.WithParam(q, "next_token", l.Next)
	}
	return request.Render(c, code, templates.ResourceGroupsPage(p))
}

func resourceGroupForm(c echo.Context) (templates.ResourceGroupForm, store.ResourceGroupInput) {
	f := templates.ResourceGroupForm{Name: c.FormValue("name"), Description: c.FormValue("description"), Platform: c.FormValue("platform")}
	return f, store.ResourceGroupInput{Name: &f.Name, Description: &f.Description, Platform: &f.Platform}
}

func (h *Handler) createResourceGroup(c echo.Context) error {
	f, in := resourceGroupForm(c)
	r, err := h.store.CreateResourceGroup(c.Request().Context(), shell(c).Tenant.ID, in)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return h.renderResourceGroups(c, http.StatusUnprocessableEntity, fe, f)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Resource group "+r.Name+" created.")
	return c.Redirect(http.StatusSeeOther, "/resource-groups/"+r.PublicID())
}

func (h *Handler) showResourceGroup(c echo.Context) error {
	return h.renderResourceGroup(c, http.StatusOK, nil, nil)
}

// renderResourceGroup shows the page; with view, the forms keep what was
// typed and the errors.
func (h *Handler) renderResourceGroup(c echo.Context, code int, view func(*templates.ResourceGroupProps), out *templates.BulkOutcome) error {
	id, err := request.IDParam(c, store.PrefixResourceGroup)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	r, err := h.store.GetResourceGroup(ctx, tenant, id)
	if err != nil {
		return err
	}
	p := templates.ResourceGroupProps{Group: r, Outcome: out,
		Form:   templates.ResourceGroupForm{Name: r.Name, Description: r.Description, Platform: r.Platform},
		Users:  templates.PickerProps{Kind: "users", Field: "user_ids", Label: "Users to assign", Multiple: true, Query: c.QueryParam("user_ids_q")},
		Groups: templates.PickerProps{Kind: "groups", Field: "group_ids", Label: "Groups to assign", Multiple: true, Query: c.QueryParam("group_ids_q")}}
	if p.Resources, err = h.store.Resources(ctx, tenant, id); err != nil {
		return err
	}
	if p.Assignments, err = h.store.ResourceGroupAssignments(ctx, tenant, id); err != nil {
		return err
	}
	if p.Users.Choices, err = h.userChoices(c, p.Users.Query); err != nil {
		return err
	}
	if p.Groups.Choices, err = h.groupChoices(c, p.Groups.Query, ""); err != nil {
		return err
	}
	if view != nil {
		view(&p)
	}
	return request.Render(c, code, templates.ResourceGroupPage(p))
}

func (h *Handler) updateResourceGroup(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixResourceGroup)
	if err != nil {
		return err
	}
	f, in := resourceGroupForm(c)
	r, err := h.store.UpdateResourceGroup(c.Request().Context(), shell(c).Tenant.ID, id, in)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return h.renderResourceGroup(c, http.StatusUnprocessableEntity, func(p *templates.ResourceGroupProps) {
			p.Form, p.Errors = f, fe
		}, nil)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Resource group "+r.Name+" saved.")
	return c.Redirect(http.StatusSeeOther, "/resource-groups/"+r.PublicID())
}

func (h *Handler) removeResourceGroup(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixResourceGroup)
	if err != nil {
		return err
	}
	if err := h.store.RemoveResourceGroup(c.Request().Context(), shell(c).Tenant.ID, id); err != nil {
		return err
	}
	h.flash(c, "Resource group removed.")
	return c.Redirect(http.StatusSeeOther, "/resource-groups")
}

// changeResourceGroupResources adds or removes one resource.
func (h *Handler) changeResourceGroupResources(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixResourceGroup)
	if err != nil {
		return err
	}
	res := store.Resource{Type: c.FormValue("type"), ID: c.FormValue("resource_id"), Name: c.FormValue("resource_name")}
	_, err = h.store.ChangeResources(c.Request().Context(), shell(c).Tenant.ID, id, c.FormValue("action") != "remove", []store.Resource{res})
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		// One resource at a time: its problems belong to the form's fields.
		msg := ""
		for _, m := range fe {
			msg = m
		}
		field := "type"
		if res.Type != "" {
			field = "resource_id"
		}
		return h.renderResourceGroup(c, http.StatusUnprocessableEntity, func(p *templates.ResourceGroupProps) {
			p.Resource, p.Errors = res, store.FieldErrors{field: msg}
		}, nil)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/resource-groups/"+c.Param("id"))
}

// changeResourceGroupAssignments assigns or unassigns the ticked users and
// groups and shows the outcome.
func (h *Handler) changeResourceGroupAssignments(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixResourceGroup)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	add := form.Get("action") != "remove"
	res, err := h.store.ChangeAssignments(c.Request().Context(), shell(c).Tenant.ID, id, add, form["user_ids"], form["group_ids"])
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		if fe["user_ids"] != "" {
			fe = store.FieldErrors{"": "Tick at least one user or group (at most 500)."}
		}
		return h.renderResourceGroup(c, http.StatusUnprocessableEntity, func(p *templates.ResourceGroupProps) { p.Errors = fe }, nil)
	}
	if err != nil {
		return err
	}
	verb := "Assigned"
	if !add {
		verb = "Unassigned"
	}
	return h.renderResourceGroup(c, http.StatusOK, nil, outcome(verb, res, nil))
}
