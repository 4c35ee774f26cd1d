package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

// showOrg is the Organization page for the unit in ?unit= (the root by
// default).
func (h *Handler) showOrg(c echo.Context) error {
	return h.renderOrg(c, http.StatusOK, c.QueryParam("unit"), nil, nil)
}

// renderOrg shows the Organization page with unit selected; with errs,
// form keeps what was typed.
func (h *Handler) renderOrg(c echo.Context, code int, unit string, errs store.FieldErrors, form *templates.OrgForm) error {
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	q := c.QueryParams()
	var id int64
	if unit == "" {
		root, err := h.store.RootOrgUnit(ctx, tenant)
		if err != nil {
			return err
		}
		id = root.ID
	} else {
		var ok bool
		if id, ok = store.ParseID(store.PrefixOrgUnit, unit); !ok {
			return store.ErrNotFound
		}
	}
	path, err := h.store.OrgUnitPath(ctx, tenant, id)
	if err != nil {
		return err
	}
	p := templates.OrgProps{Path: path, Unit: path[len(path)-1], Errors: errs,
		Search: q.Get("search"), SubUnits: q.Get("sub") == "1"}
	if form != nil {
		p.Form = *form
	} else {
		p.Form = templates.OrgForm{Name: p.Unit.Name, Description: p.Unit.Description}
	}
	p.Tree, err = h.orgTree(ctx, treeState{tenant: tenant, path: path, opened: openedUnits(q), after: q.Get("after"), selected: id, closed: q.Get("closed") == "1"})
	if err != nil {
		return err
	}
	if p.Search != "" {
		found, err := h.store.ListOrgUnits(ctx, tenant, store.NameFilter{Name: p.Search, Page: store.Page{Size: 50}})
		var fe store.FieldErrors
		if request.AsFieldErrors(err, &fe) {
			p.Errors = fe
		} else if err != nil {
			return err
		} else {
			p.Found = &found
		}
	}
	if err := h.unitUsers(c, &p); err != nil {
		return err
	}
	p.Move = templates.PickerProps{Kind: "org-units", Field: "parent_id", Label: "New parent unit",
		Query: c.FormValue("parent_id_q"), Errors: errs}
	if p.Move.Choices, err = h.unitChoices(c, p.Move.Query, ""); err != nil {
		return err
	}
	p.AddUsers = templates.PickerProps{Kind: "users", Field: "user_ids", Label: "Users to move here", Multiple: true,
		Query: c.FormValue("user_ids_q"), Errors: errs}
	if p.AddUsers.Choices, err = h.userChoices(c, p.AddUsers.Query); err != nil {
		return err
	}
	return request.Render(c, code, templates.OrgPage(p))
}

// unitUsers fills in a page of the selected unit's users (or its
// subtree's, with ?sub=1) and the links to the pages around it.
func (h *Handler) unitUsers(c echo.Context, p *templates.OrgProps) error {
	q := url.Values{"unit": {p.Unit.PublicID()}}
	if p.SubUnits {
		q.Set("sub", "1")
	}
	var err error
	p.Users, err = h.store.ListUsers(c.Request().Context(), shell(c).Tenant.ID,
		store.UserFilter{OrgUnitID: p.Unit.ID, SubUnits: p.SubUnits, Page: store.Page{Cursor: c.QueryParam("next_token")}})
	if errors.Is(err, store.ErrBadCursor) {
		return &request.ParamError{Field: "next_token", Msg: "That page link is out of date."}
	}
	if err != nil {
		return request.ListError(err)
	}
	if p.Users.Next != "" {
		p.NextURL = "/org-units" + request.WithParam(q, "next_token", p.Users.Next)
	}
	if p.Users.Prev != "" {
		p.PrevURL = "/org-units" + request.WithParam(q, "next_token", p.Users.Prev)
	}
	return nil
}

// orgFormError shows the Organization page again for a refused change, or
// passes on any other error.
func (h *Handler) orgFormError(c echo.Context, unit string, err error, form *templates.OrgForm) error {
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return h.renderOrg(c, http.StatusUnprocessableEntity, unit, fe, form)
	}
	return err
}

func (h *Handler) createChildUnit(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	name := c.FormValue("child_name")
	o, err := h.store.CreateOrgUnit(c.Request().Context(), shell(c).Tenant.ID, store.NewOrgUnit{ParentID: id, Name: name})
	if err != nil {
		var fe store.FieldErrors
		if errors.As(err, &fe) && fe["name"] != "" {
			err = store.FieldErrors{"child_name": fe["name"]}
		}
		unit := c.Param("id")
		return h.orgFormError(c, unit, err, &templates.OrgForm{ChildName: name})
	}
	h.flash(c, "Unit "+o.Name+" added.")
	return c.Redirect(http.StatusSeeOther, "/org-units?unit="+o.PublicID())
}

func (h *Handler) updateUnit(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	name, desc := c.FormValue("name"), c.FormValue("description")
	o, err := h.store.UpdateOrgUnit(c.Request().Context(), shell(c).Tenant.ID, id, store.OrgUnitUpdate{Name: &name, Description: &desc})
	if err != nil {
		return h.orgFormError(c, c.Param("id"), err, &templates.OrgForm{Name: name, Description: desc})
	}
	h.flash(c, "Unit "+o.Name+" saved.")
	return c.Redirect(http.StatusSeeOther, "/org-units?unit="+o.PublicID())
}

func (h *Handler) moveUnit(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	parent, ok := store.ParseID(store.PrefixOrgUnit, c.FormValue("parent_id"))
	if !ok {
		return h.orgFormError(c, c.Param("id"), store.FieldErrors{"parent_id": "Choose the unit to move it under."}, nil)
	}
	o, err := h.store.MoveOrgUnit(c.Request().Context(), shell(c).Tenant.ID, id, parent)
	if err != nil {
		return h.orgFormError(c, c.Param("id"), err, nil)
	}
	h.flash(c, "Unit "+o.Name+" moved.")
	return c.Redirect(http.StatusSeeOther, "/org-units?unit="+o.PublicID())
}

// moveUsersHere moves the ticked users into the unit of the URL.
func (h *Handler) moveUsersHere(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	if len(form["user_ids"]) == 0 {
		return h.orgFormError(c, c.Param("id"), store.FieldErrors{"user_ids": "Tick at least one user."}, nil)
	}
	res, err := h.store.MoveUsers(c.Request().Context(), shell(c).Tenant.ID, id, form["user_ids"])
	if err != nil {
		return h.orgFormError(c, c.Param("id"), err, nil)
	}
	msg := "Moved " + strconv.Itoa(len(res.Succeeded)) + " users here."
	if len(res.Succeeded) == 1 {
		msg = "Moved 1 user here."
	}
	if len(res.Failed) > 0 {
		msg += " " + strconv.Itoa(len(res.Failed)) + " could not be moved: " + res.Failed[0].Message
	}
	h.flash(c, msg)
	return c.Redirect(http.StatusSeeOther, "/org-units?unit="+c.Param("id"))
}

func (h *Handler) removeUnit(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	o, err := h.store.GetOrgUnit(ctx, tenant, id)
	if err != nil {
		return err
	}
	if err := h.store.RemoveOrgUnit(ctx, tenant, id, c.FormValue("move_users_to_parent") == "true"); err != nil {
		return h.orgFormError(c, c.Param("id"), err, nil)
	}
	h.flash(c, "Unit "+o.Name+" removed.")
	return c.Redirect(http.StatusSeeOther, "/org-units?unit="+o.ParentPublicID())
}
