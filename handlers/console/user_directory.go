package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/store"
	"roster/web/templates"
)

// setUserProperties saves every property input of the user page in one
// change; an invalid value refuses all and shows why next to it.
func (h *Handler) setUserProperties(c echo.Context) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	values, err := h.formProperties(c)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	err = h.store.SetUserProperties(ctx, tenant, u.ID, values)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		errs := store.FieldErrors{}
		for k, m := range fe {
			errs["prop_"+k] = m
		}
		return h.answerUser(c, u, userAnswer{section: "properties", errs: errs,
			typed: func(p *templates.UserPageProps) { p.Typed = values }})
	}
	if err != nil {
		return err
	}
	return h.answerUser(c, u, userAnswer{section: "properties", done: "Properties saved."})
}

// formProperties reads the property inputs (prop_<key>) of the posted
// form, one entry for each of the tenant's properties, blank values left
// out: a property without any is cleared or left unset.
func (h *Handler) formProperties(c echo.Context) (map[string][]string, error) {
	form, err := c.FormParams()
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	props, err := h.store.PropertyDefinitions(c.Request().Context(), shell(c).Tenant.ID)
	if err != nil {
		return nil, err
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
	return values, nil
}

// changeUserGroups adds the user to, or removes them from, one group.
func (h *Handler) changeUserGroups(c echo.Context) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	refuse := func(msg string) error {
		return h.answerUser(c, u, userAnswer{section: "groups", errs: store.FieldErrors{"group_id": msg}})
	}
	group, ok := store.ParseID(store.PrefixGroup, c.FormValue("group_id"))
	if !ok {
		return refuse("Choose a group.")
	}
	change, done := h.store.AddGroupMembers, "Added to the group."
	if c.FormValue("action") == "remove" {
		change, done = h.store.RemoveGroupMembers, "Removed from the group."
	}
	if _, err := change(c.Request().Context(), shell(c).Tenant.ID, group, []string{u.PublicID()}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return refuse("That group no longer exists.")
		}
		return err
	}
	return h.answerUser(c, u, userAnswer{section: "groups", done: done})
}

// moveUser puts the user into another org unit.
func (h *Handler) moveUser(c echo.Context) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	unit, ok := store.ParseID(store.PrefixOrgUnit, c.FormValue("org_unit_id"))
	if !ok {
		return h.answerUser(c, u, userAnswer{section: "org", errs: store.FieldErrors{"org_unit_id": "Choose the unit to move the user to."}})
	}
	_, err = h.store.MoveUsers(c.Request().Context(), shell(c).Tenant.ID, unit, []string{u.PublicID()})
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return h.answerUser(c, u, userAnswer{section: "org", errs: fe})
	}
	if err != nil {
		return err
	}
	return h.answerUser(c, u, userAnswer{section: "org", done: "User moved."})
}

// userMail sends a user a password reset, an invitation or a verification
// email.
func (h *Handler) userMail(c echo.Context) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	to := u.Email
	if u.OwnerType == store.OwnerManager {
		to = "the administrator who created " + u.Username
	}
	var done string
	switch c.FormValue("action") {
	case "reset":
		var res store.BatchResult
		res, err = h.store.SendPasswordResets(ctx, tenant, []string{u.PublicID()}, false)
		if err == nil && len(res.Failed) > 0 {
			err = store.FieldErrors{"": res.Failed[0].Message}
		}
		done = h.mailDone("Password reset", to)
	case "invite":
		err, done = h.store.SendInvitation(ctx, tenant, u.ID), h.mailDone("Invitation", to)
	case "verify":
		err, done = h.store.SendVerification(ctx, tenant, u.ID), h.mailDone("Verification email", u.Email)
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "Unknown action.")
	}
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		_, msg := fe.First()
		// The section has no field: the reason is said for the whole form.
		return h.answerUser(c, u, userAnswer{section: "mail", errs: store.FieldErrors{"": msg}})
	}
	if err != nil {
		return err
	}
	return h.answerUser(c, u, userAnswer{section: "mail", done: done})
}
