package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

// showUser is one user's page.
func (h *Handler) showUser(c echo.Context) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	return h.renderUser(c, http.StatusOK, u, nil, nil)
}

func (h *Handler) userOf(c echo.Context) (store.User, error) {
	id, err := request.IDParam(c, store.PrefixUser)
	if err != nil {
		return store.User{}, err
	}
	return h.store.GetUser(c.Request().Context(), shell(c).Tenant.ID, id)
}

// renderUser shows the page; with errs, the values the administrator typed
// (in typed) stay in the forms.
func (h *Handler) renderUser(c echo.Context, code int, u store.User, errs store.FieldErrors, typed func(*templates.UserPageProps)) error {
	p := templates.UserPageProps{User: u, Now: time.Now(), Errors: errs, Tags: templates.TagsText(u.Tags),
		Profile: userForm(u), Access: accessForm(u)}
	if typed != nil {
		typed(&p)
	}
	ev, err := h.store.ListAuditEvents(c.Request().Context(), shell(c).Tenant.ID,
		store.AuditFilter{TargetID: u.PublicID(), Page: store.Page{Size: 10}})
	if err != nil {
		return err
	}
	p.Events = ev.Items
	if err := h.userDirectory(c, u, &p); err != nil {
		return err
	}
	return request.Render(c, code, templates.UserPage(p))
}

// saveUser changes the user of the URL with the update build makes from
// them, and shows the page again: with the errors in place (typed keeps what
// was entered), or after a redirect with done as the message.
func (h *Handler) saveUser(c echo.Context, done string, typed func(*templates.UserPageProps),
	build func(store.User) (store.UserUpdate, store.FieldErrors)) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	upd, fe := build(u)
	if len(fe) == 0 {
		_, err = h.store.UpdateUser(c.Request().Context(), shell(c).Tenant.ID, u.ID, upd)
		if !errors.As(err, &fe) && err != nil {
			return err
		}
	}
	if len(fe) > 0 {
		return h.renderUser(c, http.StatusUnprocessableEntity, u, fe, typed)
	}
	h.flash(c, done)
	return c.Redirect(http.StatusSeeOther, "/users/"+u.PublicID())
}

func (h *Handler) updateProfile(c echo.Context) error {
	var f templates.UserForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	f.Password, f.Invite = "", false // not fields of a profile
	typed := func(p *templates.UserPageProps) { p.Profile = f }
	return h.saveUser(c, "Profile saved.", typed, func(u store.User) (store.UserUpdate, store.FieldErrors) {
		return profileUpdate(&f, u), nil
	})
}

func (h *Handler) updateAccess(c echo.Context) error {
	var f templates.AccessForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	actions := f.RequiredActions
	if actions == nil {
		actions = []string{}
	}
	typed := func(p *templates.UserPageProps) {
		p.Access = f
		p.Access.RequiredActions = actions
	}
	return h.saveUser(c, "Access saved.", typed, func(store.User) (store.UserUpdate, store.FieldErrors) {
		fe := store.FieldErrors{}
		date := func(field, v string) *time.Time {
			t, ok := request.Time(v, false)
			if !ok {
				fe[field] = "Enter a date like 2030-12-31, or leave it empty."
			}
			return t
		}
		acc, pw := date("account_expires_at", f.AccountExpiresAt), date("password_expires_at", f.PasswordExpiresAt)
		return store.UserUpdate{RequiredActions: &actions, AccountExpiresAt: &acc, PasswordExpiresAt: &pw}, fe
	})
}

type tagsForm struct {
	Tags string `form:"tags"`
}

func (h *Handler) updateTags(c echo.Context) error {
	var f tagsForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	typed := func(p *templates.UserPageProps) { p.Tags = f.Tags }
	return h.saveUser(c, "Tags saved.", typed, func(store.User) (store.UserUpdate, store.FieldErrors) {
		tags := map[string]string{}
		for i, line := range strings.Split(f.Tags, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return store.UserUpdate{}, store.FieldErrors{"tags": "Line " + strconv.Itoa(i+1) + " needs the form key=value."}
			}
			tags[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		return store.UserUpdate{Tags: &tags}, nil
	})
}

type userActionForm struct {
	Action string `form:"action"`
	Until  string `form:"until"`
}

// userAction locks, unlocks, enables, disables or removes one user from
// their page.
func (h *Handler) userAction(c echo.Context) error {
	var f userActionForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	verbs, ok := bulkVerbs[f.Action]
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "Unknown action.")
	}
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	act := store.UserAction{Kind: f.Action}
	if f.Action == store.ActionLock {
		t, msg := request.LockUntil(f.Until, time.Now())
		if msg != "" {
			return h.renderUser(c, http.StatusUnprocessableEntity, u, store.FieldErrors{"until": msg},
				func(p *templates.UserPageProps) { p.Until = f.Until })
		}
		act.Until = t
	}
	res, err := h.store.ApplyUserAction(c.Request().Context(), shell(c).Tenant.ID, act, []string{u.PublicID()})
	var fe store.FieldErrors
	if request.AsFieldErrors(err, &fe) {
		return h.renderUser(c, http.StatusUnprocessableEntity, u, fe, func(p *templates.UserPageProps) { p.Until = f.Until })
	}
	if err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		return store.ErrNotFound
	}
	h.flash(c, verbs[1]+" "+u.Username+".")
	if f.Action == store.ActionDelete {
		return c.Redirect(http.StatusSeeOther, "/users")
	}
	return c.Redirect(http.StatusSeeOther, "/users/"+u.PublicID())
}

// userDirectory fills the user page's org unit, groups, properties and
// resource groups.
func (h *Handler) userDirectory(c echo.Context, u store.User, p *templates.UserPageProps) error {
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	var err error
	if p.OrgPath, err = h.store.OrgUnitPath(ctx, tenant, u.OrgUnitID); err != nil {
		return err
	}
	if p.Groups, err = h.store.UserGroups(ctx, tenant, u.ID); err != nil {
		return err
	}
	if p.Properties, err = h.store.PropertyDefinitions(ctx, tenant); err != nil {
		return err
	}
	p.Values = u.Properties
	if p.ResourceGroups, err = h.store.UserResourceGroups(ctx, tenant, u.ID); err != nil {
		return err
	}
	p.UnitPick = templates.PickerProps{Kind: "org-units", Field: "org_unit_id", Label: "New org unit", Query: c.QueryParam("org_unit_id_q"), Errors: p.Errors}
	if p.UnitPick.Choices, err = h.unitChoices(c, p.UnitPick.Query, ""); err != nil {
		return err
	}
	p.GroupPick = templates.PickerProps{Kind: "groups", Field: "group_id", Label: "Group to add to", Query: c.QueryParam("group_id_q"), Errors: p.Errors}
	p.GroupPick.Choices, err = h.groupChoices(c, p.GroupPick.Query, "")
	return err
}

// setUserProperties saves every property input of the user page in one
// change; an invalid value refuses all and shows why next to it.
func (h *Handler) setUserProperties(c echo.Context) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	props, err := h.store.PropertyDefinitions(ctx, tenant)
	if err != nil {
		return err
	}
	values := map[string][]string{}
	for _, p := range props {
		var vs []string
		for _, v := range form["prop_"+p.Key] {
			if strings.TrimSpace(v) != "" {
				vs = append(vs, v)
			}
		}
		values[p.Key] = vs
	}
	err = h.store.SetUserProperties(ctx, tenant, u.ID, values)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		errs := store.FieldErrors{}
		for k, m := range fe {
			errs["prop_"+k] = m
		}
		return h.renderUser(c, http.StatusUnprocessableEntity, u, errs, func(p *templates.UserPageProps) { p.Typed = values })
	}
	if err != nil {
		return err
	}
	h.flash(c, "Properties saved.")
	return c.Redirect(http.StatusSeeOther, "/users/"+u.PublicID())
}

// changeUserGroups adds the user to, or removes them from, one group.
func (h *Handler) changeUserGroups(c echo.Context) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	group, ok := store.ParseID(store.PrefixGroup, c.FormValue("group_id"))
	if !ok {
		return h.renderUser(c, http.StatusUnprocessableEntity, u, store.FieldErrors{"group_id": "Choose a group."}, nil)
	}
	change, done := h.store.AddGroupMembers, "Added to the group."
	if c.FormValue("action") == "remove" {
		change, done = h.store.RemoveGroupMembers, "Removed from the group."
	}
	if _, err := change(c.Request().Context(), shell(c).Tenant.ID, group, []string{u.PublicID()}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return h.renderUser(c, http.StatusUnprocessableEntity, u, store.FieldErrors{"group_id": "That group no longer exists."}, nil)
		}
		return err
	}
	h.flash(c, done)
	return c.Redirect(http.StatusSeeOther, "/users/"+u.PublicID())
}

// moveUser puts the user into another org unit.
func (h *Handler) moveUser(c echo.Context) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	unit, ok := store.ParseID(store.PrefixOrgUnit, c.FormValue("org_unit_id"))
	if !ok {
		return h.renderUser(c, http.StatusUnprocessableEntity, u, store.FieldErrors{"org_unit_id": "Choose the unit to move the user to."}, nil)
	}
	_, err = h.store.MoveUsers(c.Request().Context(), shell(c).Tenant.ID, unit, []string{u.PublicID()})
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return h.renderUser(c, http.StatusUnprocessableEntity, u, fe, nil)
	}
	if err != nil {
		return err
	}
	h.flash(c, "User moved.")
	return c.Redirect(http.StatusSeeOther, "/users/"+u.PublicID())
}

// userMail sends a user a password reset, an invitation or a verification
// email, or marks their address verified.
func (h *Handler) userMail(c echo.Context) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	var done string
	switch c.FormValue("action") {
	case "reset":
		var res store.BatchResult
		res, err = h.store.SendPasswordResets(ctx, tenant, []string{u.PublicID()}, c.FormValue("require_change") == "true")
		if err == nil && len(res.Failed) > 0 {
			err = store.FieldErrors{"mail": res.Failed[0].Message}
		}
		done = h.mailDone("Password reset", u.Email)
	case "invite":
		err, done = h.store.SendInvitation(ctx, tenant, u.ID), h.mailDone("Invitation", u.Email)
	case "verify":
		err, done = h.store.SendVerification(ctx, tenant, u.ID), h.mailDone("Verification email", u.Email)
	case "mark_verified":
		yes := true
		_, err = h.store.UpdateUser(ctx, tenant, u.ID, store.UserUpdate{EmailVerified: &yes})
		done = "Email address marked verified."
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "Unknown action.")
	}
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		_, msg := fe.First()
		return h.renderUser(c, http.StatusUnprocessableEntity, u, store.FieldErrors{"mail": msg}, nil)
	}
	if err != nil {
		return err
	}
	h.flash(c, done)
	return c.Redirect(http.StatusSeeOther, "/users/"+u.PublicID())
}
