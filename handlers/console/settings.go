package console

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

func (h *Handler) showTenantSettings(c echo.Context) error {
	t := shell(c).Tenant
	return request.Render(c, http.StatusOK, templates.TenantSettingsPage(
		templates.TenantForm{Name: t.Name, Alias: t.Alias}, nil, shell(c).Role.CanWrite()))
}

type tenantForm struct {
	Name  string `form:"name"`
	Alias string `form:"alias"`
}

// updateTenant saves the tenant's name and alias (InitTenantAlias). Errors
// re-render the form next to the fields; htmx swaps just the form.
func (h *Handler) updateTenant(c echo.Context) error {
	var f tenantForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	view := templates.TenantForm{Name: f.Name, Alias: f.Alias}
	_, err := h.store.UpdateTenant(c.Request().Context(), shell(c).Tenant.ID,
		store.TenantUpdate{Name: &f.Name, Alias: &f.Alias})
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		if request.IsHTMX(c) {
			return request.Render(c, http.StatusUnprocessableEntity, templates.TenantSettingsForm(view, fe, true))
		}
		return request.Render(c, http.StatusUnprocessableEntity, templates.TenantSettingsPage(view, fe, true))
	}
	if err != nil {
		return err
	}
	h.flash(c, "Tenant settings saved.")
	if request.IsHTMX(c) {
		// The tenant's name shows in the header too, so reload the page.
		c.Response().Header().Set("HX-Redirect", "/settings/tenant")
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, "/settings/tenant")
}

func (h *Handler) listAdmins(c echo.Context) error {
	return h.renderAdmins(c, http.StatusOK, templates.AdminsProps{Form: templates.AdminForm{Role: "admin"}})
}

func (h *Handler) renderAdmins(c echo.Context, code int, p templates.AdminsProps) error {
	ms, err := h.store.ListMembers(c.Request().Context(), shell(c).Tenant.ID)
	if err != nil {
		return err
	}
	p.Members, p.Now = ms, time.Now()
	return request.Render(c, code, templates.AdminsPage(p))
}

type adminForm struct {
	Username    string `form:"username"`
	DisplayName string `form:"display_name"`
	Email       string `form:"email"`
	Role        string `form:"role"`
}

// addAdmin adds an administrator to the tenant: an existing account by its
// username, or a new one with a generated password shown once.
func (h *Handler) addAdmin(c echo.Context) error {
	var f adminForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	p := templates.AdminsProps{Form: templates.AdminForm(f)}
	role, ok := store.ParseRole(f.Role)
	if !ok {
		p.Errors = store.FieldErrors{"role": "Choose owner, admin or viewer."}
		return h.renderAdmins(c, http.StatusUnprocessableEntity, p)
	}
	ctx := c.Request().Context()
	tenant := shell(c).Tenant.ID
	a, err := h.store.AddMember(ctx, tenant, f.Username, role)
	var fe store.FieldErrors
	if errors.As(err, &fe) && fe["username"] == store.NoSuchAdmin {
		pw := store.GeneratePassword()
		a, err = h.store.CreateAdmin(ctx, tenant, store.NewAdmin{Username: f.Username,
			DisplayName: f.DisplayName, Email: f.Email, Password: pw}, role)
		if err == nil {
			p.Form, p.Created, p.Password = templates.AdminForm{Role: "admin"}, a.Username, pw
			return h.renderAdmins(c, http.StatusCreated, p)
		}
	}
	if errors.As(err, &fe) {
		p.Errors = fe
		return h.renderAdmins(c, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Administrator "+a.Username+" added.")
	return c.Redirect(http.StatusSeeOther, "/settings/administrators")
}

type roleForm struct {
	Role string `form:"role"`
}

func (h *Handler) changeAdminRole(c echo.Context) error {
	var f roleForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	id, ok := store.ParseID(store.PrefixAdmin, c.Param("id"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "Not found.")
	}
	role, ok := store.ParseRole(f.Role)
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "Role must be owner, admin or viewer.")
	}
	err := h.store.SetMemberRole(c.Request().Context(), shell(c).Tenant.ID, id, role)
	return h.afterAdminChange(c, id, err, "Role changed.")
}

func (h *Handler) removeAdmin(c echo.Context) error {
	id, ok := store.ParseID(store.PrefixAdmin, c.Param("id"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "Not found.")
	}
	err := h.store.RemoveMember(c.Request().Context(), shell(c).Tenant.ID, id)
	if err == nil && id == shell(c).Admin.ID {
		// They removed themselves from this tenant: go wherever they still are.
		h.flash(c, "You left "+shell(c).Tenant.Name+".")
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return h.afterAdminChange(c, id, err, "Administrator removed.")
}

// unlockAdmin lifts a lock an administrator earned with failed sign-ins.
func (h *Handler) unlockAdmin(c echo.Context) error {
	id, ok := store.ParseID(store.PrefixAdmin, c.Param("id"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "Not found.")
	}
	err := h.store.UnlockAdmin(c.Request().Context(), shell(c).Tenant.ID, id)
	return h.afterAdminChange(c, id, err, "Administrator unlocked: they can sign in again.")
}

// afterAdminChange shows a rule violation (the last owner) in the row of
// the administrator it was about, beside the action that caused it, and
// anything else through the error handler.
func (h *Handler) afterAdminChange(c echo.Context, id int64, err error, done string) error {
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		_, msg := fe.First()
		return h.renderAdmins(c, http.StatusUnprocessableEntity, templates.AdminsProps{
			Form: templates.AdminForm{Role: "admin"}, RowError: templates.RowError{ID: store.PublicID(store.PrefixAdmin, id), Message: msg}})
	}
	if err != nil {
		return err
	}
	h.flash(c, done)
	return c.Redirect(http.StatusSeeOther, "/settings/administrators")
}

func (h *Handler) listAPIKeys(c echo.Context) error {
	return h.renderAPIKeys(c, http.StatusOK, templates.APIKeysProps{Form: templates.APIKeyForm{Role: "viewer"}})
}

func (h *Handler) renderAPIKeys(c echo.Context, code int, p templates.APIKeysProps) error {
	keys, err := h.store.ListAPIKeys(c.Request().Context(), shell(c).Tenant.ID)
	if err != nil {
		return err
	}
	p.Keys, p.Now = keys, time.Now()
	if p.Access, err = h.accessKeysSection(c, p.Access); err != nil {
		return err
	}
	return request.Render(c, code, templates.APIKeysPage(p))
}

type apiKeyForm struct {
	Name      string `form:"name"`
	Role      string `form:"role"`
	ExpiresAt string `form:"expires_at"`
}

// createAPIKey creates a key and shows its secret on this response only:
// no redirect, so the secret never passes through the session or history.
func (h *Handler) createAPIKey(c echo.Context) error {
	var f apiKeyForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	p := templates.APIKeysProps{Form: templates.APIKeyForm(f)}
	n := store.NewAPIKey{Name: f.Name, Role: store.Role(f.Role)}
	if f.ExpiresAt != "" {
		d, err := time.Parse(time.DateOnly, f.ExpiresAt)
		if err != nil {
			p.Errors = store.FieldErrors{"expires_at": "Enter a date like 2030-12-31."}
			return h.renderAPIKeys(c, http.StatusUnprocessableEntity, p)
		}
		n.ExpiresAt = &d
	}
	k, token, err := h.store.CreateAPIKey(c.Request().Context(), shell(c).Tenant.ID, n)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		p.Errors = fe
		return h.renderAPIKeys(c, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.renderAPIKeys(c, http.StatusCreated, templates.APIKeysProps{
		Form: templates.APIKeyForm{Role: "viewer"}, Created: &k, Token: token})
}

func (h *Handler) revokeAPIKey(c echo.Context) error {
	if err := h.store.RevokeAPIKey(c.Request().Context(), shell(c).Tenant.ID, c.Param("id")); err != nil {
		return err
	}
	h.flash(c, "API key revoked.")
	return c.Redirect(http.StatusSeeOther, "/settings/api-keys")
}

// requireSystem refuses administrators without the system flag.
func requireSystem(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !shell(c).Admin.IsSystem {
			return echo.NewHTTPError(http.StatusForbidden, "Only system administrators create tenants.")
		}
		return next(c)
	}
}

func (h *Handler) listTenants(c echo.Context) error {
	return request.Render(c, http.StatusOK, templates.TenantsPage(templates.TenantForm{}, nil))
}

// createTenant creates a tenant owned by the signed-in system administrator
// and switches to it.
func (h *Handler) createTenant(c echo.Context) error {
	var f tenantForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	t, err := h.store.CreateTenantFor(c.Request().Context(), f.Name, f.Alias, shell(c).Admin.ID)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return request.Render(c, http.StatusUnprocessableEntity, templates.TenantsPage(templates.TenantForm(f), fe))
	}
	if err != nil {
		return err
	}
	h.sessions.Put(c.Request().Context(), sessTenant, t.ID)
	h.flash(c, "Tenant "+t.Name+" created; you are now working in it.")
	return c.Redirect(http.StatusSeeOther, "/settings/tenant")
}
