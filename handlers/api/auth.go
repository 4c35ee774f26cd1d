package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

// auth authenticates the bearer API key, which fixes the tenant and role
// of the request. Console sessions never authenticate the API.
func (h *Handler) auth(next echo.HandlerFunc) echo.HandlerFunc {
	return request.Authenticate(h.store, func(c echo.Context) bool { return isSafeMethod(c.Request().Method) })(next)
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// whoami answers who the API key is (GetManagerInfoByAuthCode).
func (h *Handler) whoami(c echo.Context) error {
	k := request.KeyOf(c)
	t, err := h.store.GetTenant(c.Request().Context(), k.TenantID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, request.Whoami{Type: "api_key", Tenant: request.TenantJSON(t), Role: k.Role,
		APIKey: &request.KeyIdentity{ID: k.PublicID, Name: k.Name, Role: k.Role}})
}

type aliasRequest struct {
	Alias *string `json:"alias"`
}

// setAlias sets the tenant's alias (InitTenantAlias).
func (h *Handler) setAlias(c echo.Context) error {
	var req aliasRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	if req.Alias == nil {
		return store.FieldErrors{"alias": "alias is required."}
	}
	t, err := h.store.UpdateTenant(c.Request().Context(), request.KeyOf(c).TenantID, store.TenantUpdate{Alias: req.Alias})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, request.TenantJSON(t))
}
