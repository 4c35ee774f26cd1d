package console

import (
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

func (h *Handler) showNewUser(c echo.Context) error {
	return request.Render(c, http.StatusOK, templates.NewUserPage(templates.UserForm{}, nil))
}

// createUser creates one user from the console form.
func (h *Handler) createUser(c echo.Context) error {
	var f templates.UserForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	u, err := h.store.CreateUser(c.Request().Context(), shell(c).Tenant.ID, newUser(f))
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		f.Password = "" // never sent back
		return request.Render(c, http.StatusUnprocessableEntity, templates.NewUserPage(f, fe))
	}
	if err != nil {
		return err
	}
	h.flash(c, "User "+u.Username+" created.")
	return c.Redirect(http.StatusSeeOther, "/users/"+u.PublicID())
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
