package console

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"roster/store"
	"roster/web/templates"
)

// accessKeysSection is the API keys page's part for AccessKey pairs.
func (h *Handler) accessKeysSection(c echo.Context, p templates.AccessKeysSection) (templates.AccessKeysSection, error) {
	keys, err := h.store.ListAccessKeys(c.Request().Context(), shell(c).Tenant.ID)
	if err != nil {
		return p, err
	}
	p.Keys = keys
	if h.store.Sealer == nil {
		p.Off = "AccessKey pairs are off: start Roster with a server key (--secret-key-file, the same file on every replica)."
	}
	if p.Form.Role == "" {
		p.Form.Role = "viewer"
	}
	return p, nil
}

type accessKeyForm struct {
	Name string `form:"pair_name"`
	Role string `form:"pair_role"`
}

// createAccessKey creates a pair and shows its secret on this response
// only, as createAPIKey does.
func (h *Handler) createAccessKey(c echo.Context) error {
	var f accessKeyForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	p := templates.APIKeysProps{Form: templates.APIKeyForm{Role: "viewer"}}
	p.Access.Form = templates.APIKeyForm{Name: f.Name, Role: f.Role}
	k, secret, err := h.store.CreateAccessKey(c.Request().Context(), shell(c).Tenant.ID, store.NewAccessKey{Name: f.Name, Role: store.Role(f.Role)})
	var fe store.FieldErrors
	switch {
	case errors.As(err, &fe):
		p.Access.Errors = store.FieldErrors{}
		for field, msg := range fe {
			p.Access.Errors["pair_"+field] = msg
		}
		return h.renderAPIKeys(c, http.StatusUnprocessableEntity, p)
	case errors.Is(err, store.ErrNoServerKey):
		return h.renderAPIKeys(c, http.StatusServiceUnavailable, p)
	case err != nil:
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	p.Access = templates.AccessKeysSection{Created: &k, Secret: secret}
	return h.renderAPIKeys(c, http.StatusCreated, p)
}

func (h *Handler) revokeAccessKey(c echo.Context) error {
	if err := h.store.RevokeAccessKey(c.Request().Context(), shell(c).Tenant.ID, c.Param("id")); err != nil {
		return err
	}
	h.flash(c, "AccessKey pair revoked.")
	return c.Redirect(http.StatusSeeOther, "/settings/api-keys#access-keys")
}

// createAuthCode makes a one-time authorization code for the signed-in
// administrator, whatever their role (it tells a client only who they
// are), and shows it on this response only, as createAccessKey does.
func (h *Handler) createAuthCode(c echo.Context) error {
	s := shell(c)
	code, expires, err := h.store.CreateAuthCode(c.Request().Context(), s.Tenant.ID, s.Admin.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	p := templates.APIKeysProps{Form: templates.APIKeyForm{Role: "viewer"}}
	p.Access.AuthCode, p.Access.AuthCodeExpires = code, expires
	return h.renderAPIKeys(c, http.StatusCreated, p)
}
