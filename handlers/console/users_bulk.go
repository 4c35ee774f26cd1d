package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

var bulkVerbs = map[string][2]string{
	store.ActionLock:    {"Lock", "Locked"},
	store.ActionUnlock:  {"Unlock", "Unlocked"},
	store.ActionEnable:  {"Enable", "Enabled"},
	store.ActionDisable: {"Disable", "Disabled"},
	store.ActionDelete:  {"Remove", "Removed"},
	bulkMove:            {"Move", "Moved"},
	bulkJoin:            {"Add to group", "Added to the group"},
	bulkQuit:            {"Remove from group", "Removed from the group"},
	bulkReset:           {"Send a password reset to", "Sent a password reset to"},
}

// Bulk actions of the directory, beside the store's user actions.
const (
	bulkMove  = "move"
	bulkJoin  = "add_group"
	bulkQuit  = "remove_group"
	bulkReset = "reset_password"
)

type bulkForm struct {
	Action        string   `form:"action"`
	UserIDs       []string `form:"user_ids"`
	Return        string   `form:"return"`
	ConfirmCount  string   `form:"confirm_count"`
	Until         string   `form:"until"`
	OrgUnitID     string   `form:"org_unit_id"`
	OrgUnitQ      string   `form:"org_unit_id_q"`
	GroupID       string   `form:"group_id"`
	GroupQ        string   `form:"group_id_q"`
	RequireChange bool     `form:"require_change"`
}

func (f *bulkForm) bind(c echo.Context) (templates.BulkConfirmProps, error) {
	if err := c.Bind(f); err != nil {
		return templates.BulkConfirmProps{}, echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	verbs, ok := bulkVerbs[f.Action]
	if !ok {
		return templates.BulkConfirmProps{}, echo.NewHTTPError(http.StatusBadRequest, "Unknown bulk action.")
	}
	if len(f.UserIDs) > store.MaxBatch {
		return templates.BulkConfirmProps{}, echo.NewHTTPError(http.StatusBadRequest, "Select at most 500 users at a time.")
	}
	if !strings.HasPrefix(f.Return, "?") {
		f.Return = ""
	}
	p := templates.BulkConfirmProps{Action: f.Action, Verb: verbs[0], IDs: f.UserIDs, Return: f.Return,
		Typed: f.ConfirmCount, Until: f.Until, RequireChange: f.RequireChange}
	switch f.Action {
	case bulkMove:
		p.Picker = &templates.PickerProps{Kind: "org-units", Field: "org_unit_id", ID: "bulk-org-unit", Label: "Org unit to move them to", Query: f.OrgUnitQ}
	case bulkJoin, bulkQuit:
		p.Picker = &templates.PickerProps{Kind: "groups", Field: "group_id", ID: "bulk-group", Label: "Group for them", Query: f.GroupQ}
	}
	return p, nil
}

// pickerChoices fills the bulk confirmation's picker, keeping the choice.
func (h *Handler) pickerChoices(c echo.Context, f bulkForm, p *templates.BulkConfirmProps) error {
	if p.Picker == nil {
		return nil
	}
	var err error
	if p.Picker.Kind == "org-units" {
		p.Picker.Choices, err = h.unitChoices(c, f.OrgUnitQ, f.OrgUnitID)
	} else {
		p.Picker.Choices, err = h.groupChoices(c, f.GroupQ, f.GroupID)
	}
	if p.Error != "" {
		p.Picker.Errors = store.FieldErrors{p.Picker.Field: p.Error}
	}
	return err
}

func (h *Handler) renderBulkConfirm(c echo.Context, code int, f bulkForm, p templates.BulkConfirmProps) error {
	if err := h.pickerChoices(c, f, &p); err != nil {
		return err
	}
	if request.IsHTMX(c) {
		return request.Render(c, code, templates.BulkConfirm(p))
	}
	return request.Render(c, code, templates.BulkConfirmPage(p))
}

// confirmBulk asks to confirm a bulk action, naming how many users it
// touches.
func (h *Handler) confirmBulk(c echo.Context) error {
	var f bulkForm
	p, err := f.bind(c)
	if err != nil {
		return err
	}
	return h.renderBulkConfirm(c, http.StatusOK, f, p)
}

// applyBulk applies a confirmed bulk action and shows the list again with
// a panel of what failed, by username.
func (h *Handler) applyBulk(c echo.Context) error {
	var f bulkForm
	p, err := f.bind(c)
	if err != nil {
		return err
	}
	act := store.UserAction{Kind: f.Action}
	if f.Action == store.ActionDelete && strings.TrimSpace(f.ConfirmCount) != strconv.Itoa(len(f.UserIDs)) {
		p.Error = "Type " + strconv.Itoa(len(f.UserIDs)) + ", the number of users to remove."
		c.Response().Header().Set("HX-Retarget", "#bulk-panel")
		return h.renderBulkConfirm(c, http.StatusUnprocessableEntity, f, p)
	}
	if f.Action == store.ActionLock {
		t, msg := request.LockUntil(f.Until, time.Now())
		if msg != "" {
			p.Error = msg
			c.Response().Header().Set("HX-Retarget", "#bulk-panel")
			return h.renderBulkConfirm(c, http.StatusUnprocessableEntity, f, p)
		}
		act.Until = t
	}
	ctx := c.Request().Context()
	tenant := shell(c).Tenant.ID
	// Usernames for the failure panel, read before a removal deletes them.
	names, err := h.usernames(c, f.UserIDs)
	if err != nil {
		return err
	}
	var res store.BatchResult
	switch f.Action {
	case bulkMove:
		unit, ok := store.ParseID(store.PrefixOrgUnit, f.OrgUnitID)
		if !ok {
			err = store.FieldErrors{"org_unit_id": "Choose the org unit to move them to."}
		} else {
			res, err = h.store.MoveUsers(ctx, tenant, unit, f.UserIDs)
		}
	case bulkJoin, bulkQuit:
		group, ok := store.ParseID(store.PrefixGroup, f.GroupID)
		change := h.store.AddGroupMembers
		if f.Action == bulkQuit {
			change = h.store.RemoveGroupMembers
		}
		if !ok {
			err = store.FieldErrors{"group_id": "Choose the group."}
		} else if res, err = change(ctx, tenant, group, f.UserIDs); errors.Is(err, store.ErrNotFound) {
			err = store.FieldErrors{"group_id": "That group no longer exists."}
		}
	case bulkReset:
		res, err = h.store.SendPasswordResets(ctx, tenant, f.UserIDs, f.RequireChange)
	default:
		res, err = h.store.ApplyUserAction(ctx, tenant, act, f.UserIDs)
	}
	var fe store.FieldErrors
	if request.AsFieldErrors(err, &fe) {
		_, p.Error = fe.First()
		c.Response().Header().Set("HX-Retarget", "#bulk-panel")
		return h.renderBulkConfirm(c, http.StatusUnprocessableEntity, f, p)
	}
	if err != nil {
		return err
	}
	out := outcome(h.bulkPast(f.Action), res, names)
	if !request.IsHTMX(c) {
		h.flash(c, out.Verb+" "+strconv.Itoa(out.Done)+" users; "+strconv.Itoa(len(out.Failures))+" not changed.")
		return c.Redirect(http.StatusSeeOther, "/users"+f.Return)
	}
	q, _ := url.ParseQuery(strings.TrimPrefix(f.Return, "?"))
	results, _, err := h.userResults(c, q)
	if err != nil {
		return err
	}
	results.Bulk = out
	// The confirmation panel empties itself as the list comes back.
	c.Response().Header().Set("HX-Trigger", "bulk-done")
	return request.Render(c, http.StatusOK, templates.UserResults(results))
}
