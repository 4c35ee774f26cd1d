package console

import (
	"encoding/csv"
	"errors"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

func (h *Handler) showNewUser(c echo.Context) error {
	return h.renderNewUser(c, http.StatusOK, newUserForm{}, nil, nil)
}

// newUserForm is the new-user form: the user's fields, the org unit and
// groups chosen in its pickers, and what was typed in their searches.
type newUserForm struct {
	templates.UserForm
	templates.NewUserAccess
	OrgUnitID  string   `form:"org_unit_id"`
	UnitQuery  string   `form:"org_unit_id_q"`
	GroupIDs   []string `form:"group_ids"`
	GroupQuery string   `form:"group_ids_q"`
}

// createUser creates one user from the console form, with their org unit,
// groups and property values, all or nothing. Without JavaScript a
// picker's search is answered by showing the form again with what it
// found, to choose from.
func (h *Handler) createUser(c echo.Context) error {
	var f newUserForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	values, err := h.formProperties(c)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	n, fe := f.newUser(values)
	if len(fe) == 0 {
		var u store.User
		u, err = h.store.CreateUser(ctx, tenant, n)
		if err == nil {
			done := "User " + u.Username + " created."
			if n.Invite {
				done += " " + h.mailDone("Invitation", u.Email)
			}
			h.flash(c, done)
			return c.Redirect(http.StatusSeeOther, "/users/"+u.PublicID())
		}
		if !errors.As(err, &fe) {
			return err
		}
		fe = formErrors(fe)
	}
	f.Password = "" // never sent back
	return h.renderNewUser(c, http.StatusUnprocessableEntity, f, values, fe)
}

// newUser checks what the store cannot (a search left without a choice)
// and returns the store's input.
func (f newUserForm) newUser(values map[string][]string) (store.NewUser, store.FieldErrors) {
	fe := store.FieldErrors{}
	n := newUser(f.UserForm)
	if f.OrgUnitID != "" {
		id, ok := store.ParseID(store.PrefixOrgUnit, f.OrgUnitID)
		if !ok {
			fe["org_unit_id"] = "Choose the org unit from the ones found."
		}
		n.OrgUnitID = id
	} else if strings.TrimSpace(f.UnitQuery) != "" {
		fe["org_unit_id"] = "Choose one of the units found, or clear the search to start in the top unit."
	}
	for _, g := range f.GroupIDs {
		id, ok := store.ParseID(store.PrefixGroup, g)
		if !ok {
			fe["group_ids"] = "Choose the groups from the ones found."
			continue
		}
		n.Groups = append(n.Groups, id)
	}
	if len(f.GroupIDs) == 0 && strings.TrimSpace(f.GroupQuery) != "" {
		fe["group_ids"] = "Tick the groups to join among those found, or clear the search."
	}
	n.Properties = values // never nil: the store checks required properties
	lockAt, lfe := parseAutoLockAt(f.AutoLockAt)
	maps.Copy(fe, lfe)
	n.LockAt, n.OwnerType = lockAt, f.OwnerType
	return n, fe
}

// formErrors names the store's fields of a new user as the form does.
func formErrors(fe store.FieldErrors) store.FieldErrors {
	out := store.FieldErrors{}
	for k, msg := range fe {
		if key, ok := strings.CutPrefix(k, store.PropertyField("")); ok {
			k = "prop_" + key
		}
		out[k] = msg
	}
	return out
}

// renderNewUser shows the new-user form with what was typed and chosen.
func (h *Handler) renderNewUser(c echo.Context, code int, f newUserForm, values map[string][]string, fe store.FieldErrors) error {
	p := templates.NewUserProps{Form: f.UserForm, Access: f.NewUserAccess, Errors: fe, Values: values,
		UnitPick: templates.PickerProps{Kind: "org-units", Field: "org_unit_id", Label: "Org unit", Query: f.UnitQuery, Errors: fe},
		GroupPick: templates.PickerProps{Kind: "groups", Field: "group_ids", Label: "Groups to join", Query: f.GroupQuery,
			Multiple: true, Errors: fe}}
	var err error
	if p.Properties, err = h.store.PropertyDefinitions(c.Request().Context(), shell(c).Tenant.ID); err != nil {
		return err
	}
	if p.UnitPick.Choices, err = h.unitChoices(c, f.UnitQuery, f.OrgUnitID); err != nil {
		return err
	}
	if p.GroupPick.Choices, err = h.chosenGroups(c, f.GroupQuery, f.GroupIDs); err != nil {
		return err
	}
	return request.Render(c, code, templates.NewUserPage(p))
}

// chosenGroups are the groups ticked, still ticked, then those the search
// q finds.
func (h *Handler) chosenGroups(c echo.Context, q string, ids []string) ([]templates.Choice, error) {
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	var out []templates.Choice
	ticked := map[string]bool{}
	for _, pid := range ids {
		id, ok := store.ParseID(store.PrefixGroup, pid)
		if !ok || ticked[pid] {
			continue
		}
		g, err := h.store.GetGroup(ctx, tenant, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ticked[pid] = true
		out = append(out, templates.Choice{ID: g.PublicID(), Label: g.Name, Checked: true})
	}
	found, err := h.groupChoices(c, q, "")
	if err != nil {
		return nil, err
	}
	for _, ch := range found {
		if !ticked[ch.ID] {
			out = append(out, ch)
		}
	}
	return out, nil
}

func (h *Handler) showBatch(c echo.Context) error {
	return request.Render(c, http.StatusOK, templates.BatchPage("", nil, nil))
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
		return request.Render(c, http.StatusUnprocessableEntity, templates.BatchPage(f.Rows, store.FieldErrors{"rows": err.Error()}, nil))
	}
	res, err := h.store.CreateUsers(c.Request().Context(), shell(c).Tenant.ID, items)
	var fe store.FieldErrors
	if request.AsFieldErrors(err, &fe) {
		return request.Render(c, http.StatusUnprocessableEntity, templates.BatchPage(f.Rows, store.FieldErrors{"rows": fe["users"]}, nil))
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
	return request.Render(c, http.StatusOK, templates.BatchPage(retry.String(), nil, rows))
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
