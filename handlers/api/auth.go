package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

const apiKeyCtx = "api_key"

// auth authenticates the bearer API key, which fixes the tenant and role
// of the request. Console sessions never authenticate the API.
func (h *Handler) auth(next echo.HandlerFunc) echo.HandlerFunc {
	return Authenticate(h.store, func(c echo.Context) bool { return isSafeMethod(c.Request().Method) })(next)
}

// Authenticate is the bearer API key check of the JSON surfaces: the key
// fixes the tenant and role of the request (KeyOf) and acts in its audit
// events; keys that cannot write (viewers) get only the requests reads
// says only read.
func Authenticate(st *store.Store, reads func(echo.Context) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			token, ok := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
			if !ok || token == "" {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="roster"`)
				return echo.NewHTTPError(http.StatusUnauthorized, "Send an API key as Authorization: Bearer <key>.")
			}
			k, err := st.AuthenticateAPIKey(c.Request().Context(), strings.TrimSpace(token))
			if errors.Is(err, store.ErrInvalidCredentials) {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="roster", error="invalid_token"`)
				return echo.NewHTTPError(http.StatusUnauthorized, "The API key is unknown, revoked or expired.")
			}
			if err != nil {
				return err
			}
			c.Set(apiKeyCtx, k)
			ctx := store.WithActor(c.Request().Context(), store.Actor{Type: store.ActorAPIKey, ID: k.PublicID, Name: k.Name})
			c.SetRequest(c.Request().WithContext(ctx))
			if !k.Role.CanWrite() && !reads(c) {
				return echo.NewHTTPError(http.StatusForbidden, "This API key is read-only (role viewer).")
			}
			return next(c)
		}
	}
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// KeyOf is the API key that authenticated the request (Authenticate).
func KeyOf(c echo.Context) store.APIKey { return apiKeyOf(c) }

func apiKeyOf(c echo.Context) store.APIKey {
	k, _ := c.Get(apiKeyCtx).(store.APIKey)
	return k
}

// whoami answers who the API key is (GetManagerInfoByAuthCode).
func (h *Handler) whoami(c echo.Context) error {
	k := apiKeyOf(c)
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
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Alias == nil {
		return store.FieldErrors{"alias": "alias is required."}
	}
	t, err := h.store.UpdateTenant(c.Request().Context(), apiKeyOf(c).TenantID, store.TenantUpdate{Alias: req.Alias})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, request.TenantJSON(t))
}
