package handlers

import (
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"roster/store"
	"roster/web/templates"
)

// listFilter is the filter part of the users list's query, without
// paging, so pager links and bulk actions keep the filter.
func listFilter(q url.Values) url.Values {
	n := url.Values{}
	for k, vs := range q {
		if userFilterParams[k] && k != "next_token" && k != "page_number" && k != "page_size" && k != "max_results" {
			for _, v := range vs {
				if v != "" {
					n.Add(k, v)
				}
			}
		}
	}
	return n
}

// userResults lists users for the filter in q.
func (h *Handler) userResults(c echo.Context, q url.Values) (templates.UserResultsProps, store.FieldErrors, error) {
	f, fe := parseUserFilter(q)
	if len(fe) > 0 {
		return templates.UserResultsProps{}, fe, nil
	}
	l, err := h.store.ListUsers(c.Request().Context(), shell(c).Tenant.ID, f)
	var sfe store.FieldErrors
	if asFieldErrors(err, &sfe) {
		return templates.UserResultsProps{}, sfe, nil
	}
	if errors.Is(err, store.ErrBadCursor) {
		return templates.UserResultsProps{}, store.FieldErrors{"": "That page link is out of date; start again from the first page."}, nil
	}
	if err != nil {
		return templates.UserResultsProps{}, nil, err
	}
	filter := listFilter(q)
	p := templates.UserResultsProps{List: l, Now: time.Now()}
	if len(filter) > 0 {
		p.Query = "?" + filter.Encode()
	}
	if l.Next != "" {
		p.NextURL = "/users" + withParam(filter, "next_token", l.Next)
	}
	if l.Prev != "" {
		p.PrevURL = "/users" + withParam(filter, "next_token", l.Prev)
	}
	return p, nil, nil
}

// listUsers is the users page. htmx requests aimed at the results get only
// them; a history restore gets the whole page.
func (h *Handler) listUsers(c echo.Context) error {
	q := c.QueryParams()
	// The console's property filter is a key and a value; the list takes
	// them as the API's property=key:value.
	if k := q.Get("property_key"); k != "" {
		q.Add("property", k+":"+q.Get("property_value"))
	}
	res, fe, err := h.userResults(c, q)
	if err != nil {
		return err
	}
	if msg := fe["property"]; msg != "" {
		fe["property_value"] = msg
	}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "user-results" &&
		c.Request().Header.Get("HX-History-Restore-Request") != "true" && len(fe) == 0 {
		return render(c, http.StatusOK, templates.UserResults(res))
	}
	p := templates.UsersProps{Errors: fe, Results: res, Form: templates.UserFilterForm{Q: q.Get("q"), Status: q.Get("status"),
		Locked: q.Get("locked"), SourceType: q.Get("source_type"), CreatedFrom: q.Get("created_from"),
		CreatedTo: q.Get("created_to"), Sort: q.Get("sort"), SubUnits: q.Get("include_descendants") == "true",
		OrgUnit: templates.PickerProps{Kind: "org-units", Field: "org_unit_id", Label: "Org unit", Query: q.Get("org_unit_id_q"), Errors: fe},
		Group:   templates.PickerProps{Kind: "groups", Field: "group_id", Label: "Group", Query: q.Get("group_id_q"), Errors: fe}}}
	if k, v, ok := strings.Cut(q.Get("property"), ":"); ok {
		p.Form.PropertyKey, p.Form.PropertyVal = k, v
	}
	ctx := c.Request().Context()
	tenant := shell(c).Tenant.ID
	if p.Form.OrgUnit.Choices, err = h.unitChoices(c, p.Form.OrgUnit.Query, q.Get("org_unit_id")); err != nil {
		return err
	}
	if p.Form.Group.Choices, err = h.groupChoices(c, p.Form.Group.Query, q.Get("group_id")); err != nil {
		return err
	}
	if p.Form.Properties, err = h.store.PropertyDefinitions(ctx, tenant); err != nil {
		return err
	}
	code := http.StatusOK
	if len(fe) > 0 {
		code = http.StatusBadRequest
	}
	return render(c, code, templates.UsersPage(p))
}

// userStats is the statistics panel's charts (htmx) or page.
func (h *Handler) userStats(c echo.Context) error {
	var p templates.UserStatsProps
	for _, s := range []struct {
		dim string
		dst *[]store.StatItem
	}{{"status", &p.ByStatus}, {"source_type", &p.BySource}, {"created_month", &p.ByMonth}} {
		var err error
		if *s.dst, err = h.store.UserStats(c.Request().Context(), shell(c).Tenant.ID, s.dim); err != nil {
			return err
		}
	}
	if isHTMX(c) {
		return render(c, http.StatusOK, templates.UserStatsCharts(p))
	}
	return render(c, http.StatusOK, templates.UserStatsPage(p))
}

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
	if isHTMX(c) {
		return render(c, code, templates.BulkConfirm(p))
	}
	return render(c, code, templates.BulkConfirmPage(p))
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
	if f.Action == store.ActionLock && f.Until != "" {
		t, ok := parseTime(f.Until, false)
		if !ok || !t.After(time.Now()) {
			p.Error = "Pick a date in the future, or leave it empty."
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
	if asFieldErrors(err, &fe) {
		_, p.Error = fe.First()
		c.Response().Header().Set("HX-Retarget", "#bulk-panel")
		return h.renderBulkConfirm(c, http.StatusUnprocessableEntity, f, p)
	}
	if err != nil {
		return err
	}
	out := outcome(bulkVerbs[f.Action][1], res, names)
	if !isHTMX(c) {
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
	return render(c, http.StatusOK, templates.UserResults(results))
}

func (h *Handler) showNewUser(c echo.Context) error {
	return render(c, http.StatusOK, templates.NewUserPage(templates.UserForm{}, nil))
}

type newUserForm struct {
	Username    string `form:"username"`
	DisplayName string `form:"display_name"`
	Description string `form:"description"`
	Email       string `form:"email"`
	PhoneRegion string `form:"phone_region"`
	PhoneNumber string `form:"phone_number"`
	Password    string `form:"password"`
	Language    string `form:"language"`
	Timezone    string `form:"timezone"`
	Invite      bool   `form:"invite"`
}

// createUser creates one user from the console form.
func (h *Handler) createUser(c echo.Context) error {
	var f newUserForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	u, err := h.store.CreateUser(c.Request().Context(), shell(c).Tenant.ID, store.NewUser{Username: f.Username,
		DisplayName: f.DisplayName, Description: f.Description, Email: f.Email, PhoneRegion: f.PhoneRegion,
		PhoneNumber: f.PhoneNumber, Password: f.Password, Language: f.Language, Timezone: f.Timezone, Invite: f.Invite})
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		view := templates.UserForm{Username: f.Username, DisplayName: f.DisplayName, Description: f.Description,
			Email: f.Email, PhoneRegion: f.PhoneRegion, PhoneNumber: f.PhoneNumber, Language: f.Language, Timezone: f.Timezone,
			Invite: f.Invite}
		return render(c, http.StatusUnprocessableEntity, templates.NewUserPage(view, fe))
	}
	if err != nil {
		return err
	}
	h.flash(c, "User "+u.Username+" created.")
	return c.Redirect(http.StatusSeeOther, "/users/"+u.PublicID())
}

func (h *Handler) showBatch(c echo.Context) error {
	return render(c, http.StatusOK, templates.BatchPage("", nil, nil))
}

type batchForm struct {
	Rows string `form:"rows"`
}

// createBatch creates users from pasted CSV rows and reports per row.
func (h *Handler) createBatch(c echo.Context) error {
	var f batchForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	items, lines, err := parseRows(f.Rows)
	if err != nil {
		return render(c, http.StatusUnprocessableEntity, templates.BatchPage(f.Rows, store.FieldErrors{"rows": err.Error()}, nil))
	}
	res, err := h.store.CreateUsers(c.Request().Context(), shell(c).Tenant.ID, items)
	var fe store.FieldErrors
	if asFieldErrors(err, &fe) {
		return render(c, http.StatusUnprocessableEntity, templates.BatchPage(f.Rows, store.FieldErrors{"rows": fe["users"]}, nil))
	}
	if err != nil {
		return err
	}
	rows := make([]templates.BatchRow, len(items))
	for i, it := range items {
		rows[i] = templates.BatchRow{Line: lines[i], Username: it.Username}
	}
	for _, s := range res.Succeeded {
		rows[s.Index].OK, rows[s.Index].ID, rows[s.Index].Username = true, s.ID, s.Key
	}
	for _, fl := range res.Failed {
		rows[fl.Index].Message = fl.Message
	}
	// Keep only the failed rows in the box, ready to fix and resubmit.
	var retry strings.Builder
	w := csv.NewWriter(&retry)
	for i, r := range rows {
		if !r.OK {
			it := items[i]
			rec := []string{it.Username, it.Email, it.DisplayName, it.PhoneRegion, it.PhoneNumber}
			for len(rec) > 1 && rec[len(rec)-1] == "" {
				rec = rec[:len(rec)-1]
			}
			_ = w.Write(rec)
		}
	}
	w.Flush()
	return render(c, http.StatusOK, templates.BatchPage(retry.String(), nil, rows))
}

// parseRows reads pasted rows: username, email, display name, phone region,
// phone number. It returns the users and their line numbers.
func parseRows(text string) ([]store.NewUser, []int, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var items []store.NewUser
	var lines []int
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, errors.New("The rows could not be read as comma-separated values: " + csvProblem(err))
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(items) == 0 && strings.EqualFold(strings.TrimSpace(rec[0]), "username") {
			continue
		}
		if len(rec) > 5 {
			return nil, nil, errors.New("Line " + strconv.Itoa(line) + " has more than 5 values.")
		}
		rec = append(rec, "", "", "", "", "")
		items = append(items, store.NewUser{Username: rec[0], Email: rec[1], DisplayName: rec[2], PhoneRegion: rec[3], PhoneNumber: rec[4]})
		lines = append(lines, line)
	}
	if len(items) == 0 {
		return nil, nil, errors.New("Paste at least one row.")
	}
	if len(items) > store.MaxBatch {
		return nil, nil, errors.New("At most 500 rows at a time; this has " + strconv.Itoa(len(items)) + ".")
	}
	return items, lines, nil
}

func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "line " + strconv.Itoa(pe.Line) + ": " + pe.Err.Error() + "."
	}
	return "unreadable."
}

// showUser is one user's page.
func (h *Handler) showUser(c echo.Context) error {
	u, err := h.userOf(c)
	if err != nil {
		return err
	}
	return h.renderUser(c, http.StatusOK, u, nil, nil)
}

func (h *Handler) userOf(c echo.Context) (store.User, error) {
	id, err := userParam(c)
	if err != nil {
		return store.User{}, err
	}
	return h.store.GetUser(c.Request().Context(), shell(c).Tenant.ID, id)
}

// renderUser shows the page; with errs, the values the administrator typed
// (in typed) stay in the forms.
func (h *Handler) renderUser(c echo.Context, code int, u store.User, errs store.FieldErrors, typed func(*templates.UserPageProps)) error {
	p := templates.UserPageProps{User: u, Now: time.Now(), Errors: errs, Tags: templates.TagsText(u.Tags),
		Profile: templates.UserForm{Username: u.Username, DisplayName: u.DisplayName, Description: u.Description,
			Email: u.Email, PhoneRegion: u.PhoneRegion, PhoneNumber: u.PhoneNumber, Language: u.Language,
			Timezone: u.Timezone, SourceType: u.SourceType, SourceID: u.SourceID, ExternalID: u.ExternalID,
			Verified: u.EmailVerified},
		Access: templates.AccessForm{AccountExpiresAt: dateOf(u.AccountExpiresAt), PasswordExpiresAt: dateOf(u.PasswordExpiresAt),
			RequiredActions: u.RequiredActions}}
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
	return render(c, code, templates.UserPage(p))
}

func dateOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
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

type profileForm struct {
	Username      string `form:"username"`
	DisplayName   string `form:"display_name"`
	Description   string `form:"description"`
	Email         string `form:"email"`
	EmailVerified bool   `form:"email_verified"`
	PhoneRegion   string `form:"phone_region"`
	PhoneNumber   string `form:"phone_number"`
	Language      string `form:"language"`
	Timezone      string `form:"timezone"`
	SourceType    string `form:"source_type"`
	SourceID      string `form:"source_id"`
	ExternalID    string `form:"external_id"`
}

func (h *Handler) updateProfile(c echo.Context) error {
	var f profileForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	typed := func(p *templates.UserPageProps) {
		p.Profile = templates.UserForm{Username: f.Username, DisplayName: f.DisplayName, Description: f.Description,
			Email: f.Email, PhoneRegion: f.PhoneRegion, PhoneNumber: f.PhoneNumber, Language: f.Language,
			Timezone: f.Timezone, SourceType: f.SourceType, SourceID: f.SourceID, ExternalID: f.ExternalID,
			Verified: f.EmailVerified}
	}
	return h.saveUser(c, "Profile saved.", typed, func(u store.User) (store.UserUpdate, store.FieldErrors) {
		upd := store.UserUpdate{Username: &f.Username, DisplayName: &f.DisplayName, Description: &f.Description,
			Email: &f.Email, PhoneRegion: &f.PhoneRegion, PhoneNumber: &f.PhoneNumber, Language: &f.Language,
			Timezone: &f.Timezone, SourceType: &f.SourceType, SourceID: &f.SourceID, ExternalID: &f.ExternalID}
		if strings.EqualFold(strings.TrimSpace(f.Email), u.Email) {
			// The checkbox speaks only for the address it was shown next to.
			upd.EmailVerified = &f.EmailVerified
		}
		return upd, nil
	})
}

type accessForm struct {
	RequiredActions   []string `form:"required_actions"`
	AccountExpiresAt  string   `form:"account_expires_at"`
	PasswordExpiresAt string   `form:"password_expires_at"`
}

func (h *Handler) updateAccess(c echo.Context) error {
	var f accessForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	actions := f.RequiredActions
	if actions == nil {
		actions = []string{}
	}
	typed := func(p *templates.UserPageProps) {
		p.Access = templates.AccessForm{AccountExpiresAt: f.AccountExpiresAt, PasswordExpiresAt: f.PasswordExpiresAt, RequiredActions: actions}
	}
	return h.saveUser(c, "Access saved.", typed, func(store.User) (store.UserUpdate, store.FieldErrors) {
		fe := store.FieldErrors{}
		date := func(field, v string) *time.Time {
			t, ok := parseTime(v, false)
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
	if f.Action == store.ActionLock && f.Until != "" {
		t, ok := parseTime(f.Until, false)
		if !ok {
			return h.renderUser(c, http.StatusUnprocessableEntity, u, store.FieldErrors{"until": "Enter a date like 2030-12-31."},
				func(p *templates.UserPageProps) { p.Until = f.Until })
		}
		act.Until = t
	}
	res, err := h.store.ApplyUserAction(c.Request().Context(), shell(c).Tenant.ID, act, []string{u.PublicID()})
	var fe store.FieldErrors
	if asFieldErrors(err, &fe) {
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
	if p.Values, err = h.store.UserProperties(ctx, tenant, u); err != nil {
		return err
	}
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
		done = "Password reset sent to " + u.Email + "."
	case "invite":
		err, done = h.store.SendInvitation(ctx, tenant, u.ID), "Invitation sent to "+u.Email+"."
	case "verify":
		err, done = h.store.SendVerification(ctx, tenant, u.ID), "Verification email sent to "+u.Email+"."
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
