package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

type apiProperty struct {
	ID          string      `json:"id"`
	Key         string      `json:"key"`
	DisplayName string      `json:"display_name"`
	Type        string      `json:"type"`
	Required    bool        `json:"required"`
	UserCount   int         `json:"user_count"`
	Values      []apiOption `json:"values"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

type apiOption struct {
	ID          string `json:"id"`
	Value       string `json:"value"`
	DisplayName string `json:"display_name"`
	UserCount   int    `json:"user_count"`
}

func toAPIOption(o store.PropertyOption) apiOption {
	return apiOption{ID: o.PublicID(), Value: o.Value, DisplayName: o.DisplayName, UserCount: o.UserCount}
}

func toAPIProperty(p store.Property) apiProperty {
	out := apiProperty{ID: p.PublicID(), Key: p.Key, DisplayName: p.DisplayName, Type: p.Type, Required: p.Required,
		UserCount: p.UserCount, Values: []apiOption{}, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	for _, o := range p.Options {
		out.Values = append(out.Values, toAPIOption(o))
	}
	return out
}

type propertyRequest struct {
	Key         *string          `json:"key"`
	DisplayName *string          `json:"display_name"`
	Type        *string          `json:"type"`
	Required    *bool            `json:"required"`
	Values      *[]optionRequest `json:"values"`
}

type optionRequest struct {
	ID          string `json:"id"`
	Value       string `json:"value"`
	DisplayName string `json:"display_name"`
}

func (r propertyRequest) options() []store.OptionInput {
	if r.Values == nil {
		return nil
	}
	out := make([]store.OptionInput, len(*r.Values))
	for i, o := range *r.Values {
		out[i] = store.OptionInput(o)
	}
	return out
}

func (h *Handler) listProperties(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	ps, err := h.store.ListProperties(c.Request().Context(), request.KeyOf(c).TenantID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(store.List[store.Property]{Items: ps, Total: len(ps)}, toAPIProperty))
}

func (h *Handler) createProperty(c echo.Context) error {
	var req propertyRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	p, err := h.store.CreateProperty(c.Request().Context(), request.KeyOf(c).TenantID, store.NewProperty{
		Key: str(req.Key), DisplayName: str(req.DisplayName), Type: str(req.Type),
		Required: req.Required != nil && *req.Required, Options: req.options()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIProperty(p))
}

func (h *Handler) getProperty(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixProperty)
	if err != nil {
		return err
	}
	p, err := h.store.GetProperty(c.Request().Context(), request.KeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIProperty(p))
}

// updateProperty changes a property; a new "key" renames it (users keep
// their values); "values", when given, is the full new list (values keep
// their "id"); removing values that users hold needs ?confirm=true.
func (h *Handler) updateProperty(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixProperty)
	if err != nil {
		return err
	}
	confirm, err := flagParam(c, "confirm")
	if err != nil {
		return err
	}
	var req propertyRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	if req.Type != nil {
		return store.FieldErrors{"type": "A property's type cannot change; define a new property instead."}
	}
	upd := store.PropertyUpdate{Key: req.Key, DisplayName: req.DisplayName, Required: req.Required, ConfirmRemoval: confirm}
	if req.Values != nil {
		opts := req.options()
		upd.Options = &opts
	}
	p, err := h.store.UpdateProperty(c.Request().Context(), request.KeyOf(c).TenantID, id, upd)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIProperty(p))
}

func (h *Handler) deleteProperty(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixProperty)
	if err != nil {
		return err
	}
	confirm, err := flagParam(c, "confirm")
	if err != nil {
		return err
	}
	if err := h.store.RemoveProperty(c.Request().Context(), request.KeyOf(c).TenantID, id, confirm); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// propertyValues lists a property's allowed values with the users
// holding each (ListPropertyValue, CheckUsedPropertyValue).
func (h *Handler) propertyValues(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixProperty)
	if err != nil {
		return err
	}
	p, err := h.store.GetProperty(c.Request().Context(), request.KeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(store.List[store.PropertyOption]{Items: p.Options, Total: len(p.Options)}, toAPIOption))
}

type userPropertyRequest struct {
	Value  json.RawMessage   `json:"value"`
	Values []json.RawMessage `json:"values"`
}

// jsonValue turns a JSON string, number or boolean into the text the store
// validates by type.
func jsonValue(raw json.RawMessage) (string, bool) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// setUserProperty sets a user's value of one property
// (SetUserPropertyValue) and answers the updated user.
func (h *Handler) setUserProperty(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixUser)
	if err != nil {
		return err
	}
	var req userPropertyRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	raws := req.Values
	if req.Value != nil {
		raws = append(raws, req.Value)
	}
	if (req.Value == nil) == (req.Values == nil) {
		return store.FieldErrors{"value": `Give either "value" or "values" (for multiselect).`}
	}
	var vals []string
	for _, r := range raws {
		v, ok := jsonValue(r)
		if !ok {
			return store.FieldErrors{"value": "Values must be strings, numbers or booleans."}
		}
		vals = append(vals, v)
	}
	ctx, tenant := c.Request().Context(), request.KeyOf(c).TenantID
	if err := h.store.SetUserProperty(ctx, tenant, id, c.Param("key"), vals); err != nil {
		return err
	}
	u, err := h.store.GetUser(ctx, tenant, id)
	if err != nil {
		return err
	}
	return h.userJSON(c, http.StatusOK, u)
}

func (h *Handler) clearUserProperty(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixUser)
	if err != nil {
		return err
	}
	if err := h.store.ClearUserProperty(c.Request().Context(), request.KeyOf(c).TenantID, id, c.Param("key")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// --- resource groups
