package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

func (h *Handler) listProperties(c echo.Context) error {
	return h.renderProperties(c, http.StatusOK, nil, templates.PropertyForm{Type: "text"})
}

func (h *Handler) renderProperties(c echo.Context, code int, errs store.FieldErrors, f templates.PropertyForm) error {
	ps, err := h.store.ListProperties(c.Request().Context(), shell(c).Tenant.ID)
	if err != nil {
		return err
	}
	return request.Render(c, code, templates.PropertiesPage(templates.PropertiesProps{List: ps, Errors: errs, Form: f}))
}

// parseValues reads a values box: one value a line, "value|Display name".
func parseValues(text string) []store.OptionInput {
	var out []store.OptionInput
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		v, name, _ := strings.Cut(line, "|")
		out = append(out, store.OptionInput{Value: v, DisplayName: name})
	}
	return out
}

// valuesError moves errors about single values (values[3]) onto the box.
func valuesError(fe store.FieldErrors, box string) store.FieldErrors {
	out := store.FieldErrors{}
	for k, v := range fe {
		if strings.HasPrefix(k, "values") {
			k = box
		}
		out[k] = v
	}
	return out
}

func (h *Handler) createProperty(c echo.Context) error {
	f := templates.PropertyForm{Key: c.FormValue("key"), DisplayName: c.FormValue("display_name"), Type: c.FormValue("type"),
		Required: c.FormValue("required") == "true", Values: c.FormValue("values")}
	p, err := h.store.CreateProperty(c.Request().Context(), shell(c).Tenant.ID, store.NewProperty{Key: f.Key,
		DisplayName: f.DisplayName, Type: f.Type, Required: f.Required, Options: parseValues(f.Values)})
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return h.renderProperties(c, http.StatusUnprocessableEntity, valuesError(fe, "values"), f)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Property "+p.Key+" created.")
	return c.Redirect(http.StatusSeeOther, "/properties/"+p.PublicID())
}

func (h *Handler) propertyOf(c echo.Context) (store.Property, error) {
	id, err := request.IDParam(c, store.PrefixProperty)
	if err != nil {
		return store.Property{}, err
	}
	return h.store.GetProperty(c.Request().Context(), shell(c).Tenant.ID, id)
}

func (h *Handler) showProperty(c echo.Context) error {
	p, err := h.propertyOf(c)
	if err != nil {
		return err
	}
	return request.Render(c, http.StatusOK, templates.PropertyPage(templates.PropertyProps{Property: p, Key: p.Key, DisplayName: p.DisplayName, Required: p.Required}))
}

// updateProperty saves the key, the name, the required flag and the
// values; values ticked for removal that users hold need the confirmation
// box.
func (h *Handler) updateProperty(c echo.Context) error {
	p, err := h.propertyOf(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	view := templates.PropertyProps{Property: p, Key: form.Get("key"), DisplayName: form.Get("display_name"), Required: form.Get("required") == "true",
		NewValues: form.Get("new_values"), Edits: map[int64]templates.OptionEdit{}}
	upd := store.PropertyUpdate{Key: &view.Key, DisplayName: &view.DisplayName, Required: &view.Required, ConfirmRemoval: form.Get("confirm") == "true"}
	if p.IsSelect() {
		ids, values, names := form["option_id"], form["option_value"], form["option_display_name"]
		if len(values) != len(ids) || len(names) != len(ids) {
			return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
		}
		var opts []store.OptionInput
		for i, pid := range ids {
			oid, _ := store.ParseID(store.PrefixOption, pid)
			remove := false
			for _, r := range form["remove"] {
				remove = remove || r == pid
			}
			view.Edits[oid] = templates.OptionEdit{Value: values[i], DisplayName: names[i], Remove: remove}
			if !remove {
				opts = append(opts, store.OptionInput{ID: pid, Value: values[i], DisplayName: names[i]})
			}
		}
		opts = append(opts, parseValues(view.NewValues)...)
		upd.Options = &opts
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	p, err = h.store.UpdateProperty(ctx, tenant, p.ID, upd)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		view.Errors = valuesError(fe, "new_values")
		view.AskConfirm = fe["confirm"] != ""
		return request.Render(c, http.StatusUnprocessableEntity, templates.PropertyPage(view))
	}
	if err != nil {
		return err
	}
	h.flash(c, "Property "+p.Key+" saved.")
	return c.Redirect(http.StatusSeeOther, "/properties/"+p.PublicID())
}

func (h *Handler) removeProperty(c echo.Context) error {
	p, err := h.propertyOf(c)
	if err != nil {
		return err
	}
	err = h.store.RemoveProperty(c.Request().Context(), shell(c).Tenant.ID, p.ID, c.FormValue("confirm") == "true")
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return request.Render(c, http.StatusUnprocessableEntity, templates.PropertyPage(templates.PropertyProps{Property: p,
			Key: p.Key, DisplayName: p.DisplayName, Required: p.Required, Errors: fe}))
	}
	if err != nil {
		return err
	}
	h.flash(c, "Property "+p.Key+" removed.")
	return c.Redirect(http.StatusSeeOther, "/properties")
}
