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
	"roster/store/jobs"
	"roster/web/templates"
)

var bulkVerbs = map[string][2]string{
	store.ActionLock:           {"Lock", "Locked"},
	store.ActionUnlock:         {"Unlock", "Unlocked"},
	store.ActionEnable:         {"Enable", "Enabled"},
	store.ActionDisable:        {"Disable", "Disabled"},
	store.ActionDelete:         {"Remove", "Removed"},
	jobs.ActionMove:            {"Move", "Moved"},
	jobs.ActionAddToGroup:      {"Add to group", "Added to the group"},
	jobs.ActionRemoveFromGroup: {"Remove from group", "Removed from the group"},
	jobs.ActionResetPassword:   {"Send a password reset to", "Sent a password reset to"},
}

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
	// AllMatching applies the action to every user the filter in Return
	// matches, as a job, instead of to UserIDs; Expect is how many the
	// confirmation said that was.
	AllMatching bool   `form:"all_matching"`
	Expect      string `form:"expect"`
}

func (f *bulkForm) bind(c echo.Context) (templates.BulkConfirmProps, error) {
	if err := c.Bind(f); err != nil {
		return templates.BulkConfirmProps{}, echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	verbs, ok := bulkVerbs[f.Action]
	if !ok {
		return templates.BulkConfirmProps{}, echo.NewHTTPError(http.StatusBadRequest, "Unknown bulk action.")
	}
	if f.AllMatching {
		f.UserIDs = nil
	}
	if len(f.UserIDs) > store.MaxBatch {
		return templates.BulkConfirmProps{}, echo.NewHTTPError(http.StatusBadRequest, "Select at most 500 users at a time.")
	}
	if !strings.HasPrefix(f.Return, "?") {
		f.Return = ""
	}
	p := templates.BulkConfirmProps{Action: f.Action, Verb: verbs[0], IDs: f.UserIDs, Return: f.Return,
		Typed: f.ConfirmCount, Until: f.Until, RequireChange: f.RequireChange, AllMatching: f.AllMatching}
	switch f.Action {
	case jobs.ActionMove:
		p.Picker = &templates.PickerProps{Kind: "org-units", Field: "org_unit_id", ID: "bulk-org-unit", Label: "Org unit to move them to", Query: f.OrgUnitQ}
	case jobs.ActionAddToGroup, jobs.ActionRemoveFromGroup:
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
	if code == http.StatusUnprocessableEntity {
		c.Response().Header().Set("HX-Retarget", "#bulk-panel")
	}
	if request.IsHTMX(c) {
		return request.Render(c, code, templates.BulkConfirm(p))
	}
	return request.Render(c, code, templates.BulkConfirmPage(p))
}

// matching fills in the confirmation of an action on every user the
// filter matches: how many that is now, and the filter in words. msg says
// why the filter cannot be used.
func (h *Handler) matching(c echo.Context, f bulkForm, p *templates.BulkConfirmProps) (store.UserFilter, string, error) {
	q, _ := url.ParseQuery(strings.TrimPrefix(f.Return, "?"))
	filter, fe := request.UserFilter(q)
	if len(fe) > 0 {
		_, msg := fe.First()
		return filter, "This filter cannot be used: " + msg, nil
	}
	var err error
	if p.Count, err = h.store.CountUsers(c.Request().Context(), shell(c).Tenant.ID, filter); err != nil {
		var sfe store.FieldErrors
		if request.AsFieldErrors(err, &sfe) {
			_, msg := sfe.First()
			return filter, "This filter cannot be used: " + msg, nil
		}
		return filter, "", err
	}
	p.Filter, err = h.describeFilter(c, q)
	return filter, "", err
}

// confirmBulk asks to confirm a bulk action, naming how many users it
// touches and, for all users matching, the filter.
func (h *Handler) confirmBulk(c echo.Context) error {
	var f bulkForm
	p, err := f.bind(c)
	if err != nil {
		return err
	}
	if f.AllMatching {
		if _, p.ScopeError, err = h.matching(c, f, &p); err != nil {
			return err
		}
	}
	return h.renderBulkConfirm(c, http.StatusOK, f, p)
}

// action reads the options of the bulk action in f. msg says what to
// correct; target names the org unit or group, for a job's title.
func (h *Handler) action(c echo.Context, f bulkForm) (a jobs.UserAction, target, msg string, err error) {
	a = jobs.UserAction{Action: f.Action, RequireChange: f.RequireChange}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	switch f.Action {
	case store.ActionLock:
		a.Until, msg = request.LockUntil(f.Until, time.Now())
	case jobs.ActionMove:
		var ok bool
		if a.OrgUnitID, ok = store.ParseID(store.PrefixOrgUnit, f.OrgUnitID); !ok {
			return a, "", "Choose the org unit to move them to.", nil
		}
		u, err := h.store.GetOrgUnit(ctx, tenant, a.OrgUnitID)
		if errors.Is(err, store.ErrNotFound) {
			return a, "", "That org unit no longer exists.", nil
		}
		return a, u.Name, "", err
	case jobs.ActionAddToGroup, jobs.ActionRemoveFromGroup:
		var ok bool
		if a.GroupID, ok = store.ParseID(store.PrefixGroup, f.GroupID); !ok {
			return a, "", "Choose the group.", nil
		}
		g, err := h.store.GetGroup(ctx, tenant, a.GroupID)
		if errors.Is(err, store.ErrNotFound) {
			return a, "", "That group no longer exists.", nil
		}
		return a, g.Name, "", err
	}
	return a, "", msg, nil
}

// applyBulk applies a confirmed bulk action: to the users ticked, showing
// the list again with a panel of what failed, by username; or, to every
// user the filter matches, as a job whose page it opens.
func (h *Handler) applyBulk(c echo.Context) error {
	var f bulkForm
	p, err := f.bind(c)
	if err != nil {
		return err
	}
	if f.AllMatching {
		return h.startBulkJob(c, f, p)
	}
	if f.Action == store.ActionDelete && strings.TrimSpace(f.ConfirmCount) != strconv.Itoa(len(f.UserIDs)) {
		p.Error = "Type " + strconv.Itoa(len(f.UserIDs)) + ", the number of users to remove."
		return h.renderBulkConfirm(c, http.StatusUnprocessableEntity, f, p)
	}
	act, _, msg, err := h.action(c, f)
	if err != nil {
		return err
	}
	if msg != "" {
		p.Error = msg
		return h.renderBulkConfirm(c, http.StatusUnprocessableEntity, f, p)
	}
	ctx := c.Request().Context()
	// Usernames for the failure panel, read before a removal deletes them.
	names, err := h.usernames(c, f.UserIDs)
	if err != nil {
		return err
	}
	res, err := act.Apply(ctx, h.store, shell(c).Tenant.ID, f.UserIDs)
	if errors.Is(err, store.ErrNotFound) {
		err = store.FieldErrors{"group_id": "That group no longer exists."}
	}
	var fe store.FieldErrors
	if request.AsFieldErrors(err, &fe) {
		_, p.Error = fe.First()
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

// startBulkJob queues a confirmed bulk action on every user the filter
// matches and opens the job's page. The users are fixed as the job is
// created; if their number is no longer the one confirmed, the
// confirmation is shown again with the new number.
func (h *Handler) startBulkJob(c echo.Context, f bulkForm, p templates.BulkConfirmProps) error {
	filter, scopeMsg, err := h.matching(c, f, &p)
	if err != nil {
		return err
	}
	expect, convErr := strconv.Atoi(f.Expect)
	if scopeMsg == "" && (convErr != nil || expect != p.Count) {
		scopeMsg = "The number of users matching this filter changed to " + strconv.Itoa(p.Count) + ". Check it and confirm again."
	}
	act, target, msg, err := h.action(c, f)
	if err != nil {
		return err
	}
	if f.Action == store.ActionDelete && strings.TrimSpace(f.ConfirmCount) != strconv.Itoa(p.Count) {
		msg = "Type " + strconv.Itoa(p.Count) + ", the number of users to remove."
	}
	if scopeMsg != "" || msg != "" {
		p.ScopeError, p.Error = scopeMsg, msg
		return h.renderBulkConfirm(c, http.StatusUnprocessableEntity, f, p)
	}
	j, err := h.store.CreateUsersJob(c.Request().Context(), shell(c).Tenant.ID, store.NewJob{Kind: jobs.KindUsers,
		Title: jobTitle(act, target, p.Filter), Link: "/users" + f.Return, Params: act}, filter, expect)
	var fe store.FieldErrors
	if request.AsFieldErrors(err, &fe) {
		// The users changed between the count and the job.
		_, p.ScopeError = fe.First()
		if _, _, err := h.matching(c, f, &p); err != nil {
			return err
		}
		return h.renderBulkConfirm(c, http.StatusUnprocessableEntity, f, p)
	}
	if err != nil {
		return err
	}
	h.jobs.Wake()
	to := "/jobs/" + j.PublicID()
	if request.IsHTMX(c) {
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// jobTitle says what a bulk job does, for its page and the jobs list.
func jobTitle(a jobs.UserAction, target, filter string) string {
	who := "all users"
	if filter != "" {
		who = "users matching " + filter
	}
	switch a.Action {
	case store.ActionLock:
		if a.Until != nil {
			return "Lock " + who + " until " + a.Until.UTC().Format("2006-01-02 15:04 UTC")
		}
		return "Lock " + who
	case jobs.ActionMove:
		return "Move " + who + " to " + target
	case jobs.ActionAddToGroup:
		return "Add " + who + " to group " + target
	case jobs.ActionRemoveFromGroup:
		return "Remove " + who + " from group " + target
	case jobs.ActionResetPassword:
		if a.RequireChange {
			return "Send a password reset to " + who + ", requiring a new password"
		}
		return "Send a password reset to " + who
	}
	return bulkVerbs[a.Action][0] + " " + who
}

// filterWords names the users list's filter parameters in the words of its
// form.
var filterWords = map[string]string{
	"q": "search", "status": "status", "source_type": "source type", "source_id": "source id",
	"created_from": "created from", "created_to": "created to", "username_prefix": "username starting",
	"display_name_prefix": "display name starting", "email": "email", "phone_region": "phone region",
	"phone_number": "phone number", "external_id": "external id",
}

// describeFilter says in words which users the filter q selects, such as
// `search “ada”, status enabled, group Staff`; empty when it selects
// everyone.
func (h *Handler) describeFilter(c echo.Context, q url.Values) (string, error) {
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	var parts []string
	for _, k := range []string{"q", "status", "source_type", "source_id", "created_from", "created_to", "username_prefix",
		"display_name_prefix", "email", "phone_region", "phone_number", "external_id"} {
		if v := q.Get(k); v != "" {
			if k == "q" || k == "source_type" || k == "source_id" || strings.HasSuffix(k, "_prefix") {
				v = "“" + v + "”"
			}
			parts = append(parts, filterWords[k]+" "+v)
		}
	}
	switch q.Get("locked") {
	case "true":
		parts = append(parts, "locked")
	case "false":
		parts = append(parts, "not locked")
	}
	if id, ok := store.ParseID(store.PrefixOrgUnit, q.Get("org_unit_id")); ok {
		u, err := h.store.GetOrgUnit(ctx, tenant, id)
		if err != nil {
			return "", err
		}
		if q.Get("include_descendants") == "true" {
			parts = append(parts, "org unit "+u.Name+" and its sub-units")
		} else {
			parts = append(parts, "org unit "+u.Name)
		}
	}
	if id, ok := store.ParseID(store.PrefixGroup, q.Get("group_id")); ok {
		g, err := h.store.GetGroup(ctx, tenant, id)
		if err != nil {
			return "", err
		}
		parts = append(parts, "group "+g.Name)
	}
	if id, ok := store.ParseID(store.PrefixGroup, q.Get("exclude_group_id")); ok {
		g, err := h.store.GetGroup(ctx, tenant, id)
		if err != nil {
			return "", err
		}
		parts = append(parts, "not in group "+g.Name)
	}
	for _, kv := range q["property"] {
		k, v, _ := strings.Cut(kv, ":")
		parts = append(parts, k+" “"+v+"”")
	}
	if ids := q.Get("user_ids"); ids != "" {
		parts = append(parts, "ids "+ids)
	}
	if names := q.Get("usernames"); names != "" {
		parts = append(parts, "usernames "+names)
	}
	if names := q.Get("exclude_usernames"); names != "" {
		parts = append(parts, "except usernames "+names)
	}
	return strings.Join(parts, ", "), nil
}
