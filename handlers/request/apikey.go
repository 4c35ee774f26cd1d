package request

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/store"
)

const apiKeyKey = "api_key"

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
			c.Set(apiKeyKey, k)
			ctx := store.WithActor(c.Request().Context(), store.Actor{Type: store.ActorAPIKey, ID: k.PublicID, Name: k.Name})
			c.SetRequest(c.Request().WithContext(ctx))
			if !k.Role.CanWrite() && !reads(c) {
				return echo.NewHTTPError(http.StatusForbidden, "This API key is read-only (role viewer).")
			}
			return next(c)
		}
	}
}

// KeyOf is the API key that authenticated the request (Authenticate).
func KeyOf(c echo.Context) store.APIKey {
	k, _ := c.Get(apiKeyKey).(store.APIKey)
	return k
}
