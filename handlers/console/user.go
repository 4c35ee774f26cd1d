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

// The user page is tabs of sections, each section one form with one save.
// Every save answers htmx with its own section only (422 with the errors
// in place), so a save never drops what was typed in another section;
// without JavaScript the forms post as usual and the page comes back on
// the saved section's tab.

// showUser is one user's page, on the tab ?tab= names.
func (h *Handler) showUser(c echo.Context) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	return h.renderUser(c, http.StatusOK, u, userAnswer{tab: c.QueryParam("tab")})
}

func (h *Handler) userOf(c echo.Context) (store.User, error) {
	id, err := request.IDParam(c, store.PrefixUser)
	if err != nil {
		return store.User{}, err
	}
	return h.store.GetUser(c.Request().Context(), shell(c).Tenant.ID, id)
}

// userAnswer is what the user page shows after a save in section: its
// errors, with the values typed put back by typed, or its confirmation.
type userAnswer struct {
	tab     string
	section string
	errs    store.FieldErrors
	done    string
	typed   func(*templates.UserPageProps)
}

// answerUser ends a save on u's page. A refused save shows its errors; a
// done one shows the saved section afresh with htmx, or else redirects to
// its tab with the confirmation as the flash message.
func (h *Handler) answerUser(c echo.Context, u store.User, a userAnswer) error {
	if len(a.errs) > 0 {
		return h.renderUser(c, http.StatusUnprocessableEntity, u, a)
	}
	if !request.IsHTMX(c) {
		h.flash(c, a.done)
		return c.Redirect(http.StatusSeeOther, templates.UserTabURL(u, templates.UserTab(a.section)))
	}
	u, err := h.store.GetUser(c.Request().Context(), shell(c).Tenant.ID, u.ID)
	if err != nil {
		return err
	}
	return h.renderUser(c, http.StatusOK, u, a)
}

// renderUser shows u's page, or with htmx after a save only what the save
// changed.
func (h *Handler) renderUser(c echo.Context, code int, u store.User, a userAnswer) error {
	tab := a.tab
	if a.section != "" {
		tab = a.section
	}
	p := templates.UserPageProps{User: u, Now: h.store.Now(), Tab: templates.UserTab(tab), Section: a.section,
		Errors: a.errs, Done: a.done, Tags: templates.TagsText(u.Tags), Profile: userForm(u), Access: accessForm(u)}
	if len(a.errs) > 0 && a.typed != nil {
		a.typed(&p)
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
	if request.IsHTMX(c) && a.section != "" {
		return request.Render(c, code, templates.UserSectionUpdate(p))
	}
	return request.Render(c, code, templates.UserPage(p))
}

// saveUser changes the user of the URL with the update build makes from
// them, and answers for section.
func (h *Handler) saveUser(c echo.Context, section, done string, typed func(*templates.UserPageProps),
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
	return h.answerUser(c, u, userAnswer{section: section, errs: fe, done: done, typed: typed})
}

// profileForm is the profile section: the user's fields and their tags.
type profileForm struct {
	templates.UserForm
	Tags string `form:"tags"`
}

func (h *Handler) updateProfile(c echo.Context) error {
	var f profileForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	f.Password, f.Invite = "", false // not fields of a profile
	typed := func(p *templates.UserPageProps) { p.Profile, p.Tags = f.UserForm, f.Tags }
	return h.saveUser(c, "profile", "Profile saved.", typed, func(u store.User) (store.UserUpdate, store.FieldErrors) {
		upd := profileUpdate(&f.UserForm, u)
		tags, fe := parseTags(f.Tags)
		upd.Tags = &tags
		return upd, fe
	})
}

// parseTags reads the tags editor: key=value, one per line.
func parseTags(text string) (map[string]string, store.FieldErrors) {
	tags := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, store.FieldErrors{"tags": "Line " + strconv.Itoa(i+1) + " needs the form key=value."}
		}
		tags[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return tags, nil
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
	return h.saveUser(c, "access", "Sign-in requirements saved.", typed, func(store.User) (store.UserUpdate, store.FieldErrors) {
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

// setUserPassword sets the user's password from their page; a refusal
// (the tenant's policy, the user's history) is shown on the field.
func (h *Handler) setUserPassword(c echo.Context) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	require := c.FormValue("require_password_change") == "true"
	_, err = h.store.SetUserPassword(c.Request().Context(), shell(c).Tenant.ID, u.ID, c.FormValue("password"), require)
	var fe store.FieldErrors
	if request.AsFieldErrors(err, &fe) {
		return h.answerUser(c, u, userAnswer{section: "password", errs: fe,
			typed: func(p *templates.UserPageProps) { p.RequirePasswordChange = require }})
	}
	if err != nil {
		return err
	}
	done := "Password set; " + u.Username + " is signed out everywhere."
	if require {
		done += " They choose a new one at their next sign-in."
	}
	return h.answerUser(c, u, userAnswer{section: "password", done: done})
}

type userActionForm struct {
	Action     string `form:"action"`
	Until      string `form:"until"`
	AutoLockAt string `form:"auto_lock_at"` // with unlock: when to lock again
	Confirm    string `form:"confirm_username"`
}

// userAction locks, unlocks, enables, disables or removes one user from
// their page. Removal needs the username typed, checked here, so it is
// confirmed with JavaScript off as well.
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
	section := "status"
	if f.Action == store.ActionDelete {
		section = "danger"
	}
	refuse := func(fe store.FieldErrors) error {
		return h.answerUser(c, u, userAnswer{section: section, errs: fe,
			typed: func(p *templates.UserPageProps) { p.Until, p.Confirm, p.AutoLockAt = f.Until, f.Confirm, &f.AutoLockAt }})
	}
	act := store.UserAction{Kind: f.Action}
	switch f.Action {
	case store.ActionLock:
		t, msg := request.LockUntil(f.Until, time.Now())
		if msg != "" {
			return refuse(store.FieldErrors{"until": msg})
		}
		act.Until = t
	case store.ActionUnlock:
		t, fe := parseAutoLockAt(f.AutoLockAt)
		if len(fe) > 0 {
			return refuse(fe)
		}
		act.LockAt = t
	case store.ActionDelete:
		if !strings.EqualFold(strings.TrimSpace(f.Confirm), u.Username) {
			return refuse(store.FieldErrors{"confirm_username": "Type " + u.Username + ", the username, to remove this user."})
		}
	}
	res, err := h.store.ApplyUserAction(c.Request().Context(), shell(c).Tenant.ID, act, []string{u.PublicID()})
	var fe store.FieldErrors
	if request.AsFieldErrors(err, &fe) {
		return refuse(fe)
	}
	if err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		return store.ErrNotFound
	}
	done := verbs[1] + " " + u.Username + "."
	if f.Action == store.ActionDelete {
		h.flash(c, done)
		if request.IsHTMX(c) {
			c.Response().Header().Set("HX-Redirect", "/users")
			return c.NoContent(http.StatusOK)
		}
		return c.Redirect(http.StatusSeeOther, "/users")
	}
	return h.answerUser(c, u, userAnswer{section: section, done: done})
}

// userDirectory fills the user page's org unit, groups, properties and
// resource groups, and the pickers with what was searched for in them.
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
	// After a move or an addition the search is done with: start afresh.
	searched := func(field string) string {
		if len(p.Errors) == 0 && p.Section != "" {
			return ""
		}
		return c.FormValue(field)
	}
	p.UnitPick = templates.PickerProps{Kind: "org-units", Field: "org_unit_id", Label: "New org unit", Query: searched("org_unit_id_q"), Errors: p.Errors}
	if p.UnitPick.Choices, err = h.unitChoices(c, p.UnitPick.Query, ""); err != nil {
		return err
	}
	p.GroupPick = templates.PickerProps{Kind: "groups", Field: "group_id", Label: "Group to add to", Query: searched("group_id_q"), Errors: p.Errors}
	p.GroupPick.Choices, err = h.groupChoices(c, p.GroupPick.Query, "")
	return err
}
