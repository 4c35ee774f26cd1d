package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"roster/store"
)

const apiKeyCtx = "api_key"

// apiAuth authenticates the bearer API key, which fixes the tenant and role
// of the request. Console sessions never authenticate the API.
func (h *Handler) apiAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, ok := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
		if !ok || token == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="roster"`)
			return echo.NewHTTPError(http.StatusUnauthorized, "Send an API key as Authorization: Bearer <key>.")
		}
		k, err := h.store.AuthenticateAPIKey(c.Request().Context(), strings.TrimSpace(token))
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
		if !k.Role.CanWrite() && !isSafeMethod(c.Request().Method) {
			return echo.NewHTTPError(http.StatusForbidden, "This API key is read-only (role viewer).")
		}
		return next(c)
	}
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func apiKeyOf(c echo.Context) store.APIKey {
	k, _ := c.Get(apiKeyCtx).(store.APIKey)
	return k
}

// bindJSON decodes a JSON body into v, refusing unknown fields so a typo in a
// script fails loudly instead of being ignored.
func bindJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "Send the body as application/json.")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		// The error handler answers 413 or 408 when a body limit caused it.
		return echo.NewHTTPError(http.StatusBadRequest, "The request body could not be read.").SetInternal(err)
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD; refuse it.
	if !utf8.Valid(body) {
		return echo.NewHTTPError(http.StatusBadRequest, "The request body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return echo.NewHTTPError(http.StatusBadRequest, "The request body is empty; send a JSON object.")
		}
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed JSON: "+jsonProblem(err))
	}
	if dec.More() {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed JSON: extra data after the object.")
	}
	return nil
}

// jsonProblem describes a decoding error without Go type names.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d.", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be a %s.", typ.Field, jsonKind(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + "."
	}
	return "could not be read."
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	}
	return "number"
}

type apiList[T any] struct {
	Items       []T    `json:"items"`
	TotalCount  int    `json:"total_count"`
	TotalCapped bool   `json:"total_count_capped,omitempty"` // total_count is a lower bound
	NextToken   string `json:"next_token,omitempty"`
}

func toAPIList[S, T any](l store.List[S], conv func(S) T) apiList[T] {
	out := apiList[T]{Items: make([]T, 0, len(l.Items)), TotalCount: l.Total, TotalCapped: l.TotalCapped, NextToken: l.Next}
	for _, it := range l.Items {
		out.Items = append(out.Items, conv(it))
	}
	return out
}

type apiTenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Alias     string    `json:"alias"`
	CreatedAt time.Time `json:"created_at"`
}

func toAPITenant(t store.Tenant) apiTenant {
	return apiTenant{ID: t.PublicID(), Name: t.Name, Alias: t.Alias, CreatedAt: t.CreatedAt.UTC()}
}

type apiWhoami struct {
	Type    string          `json:"type"` // "api_key" or "admin"
	APIKey  *apiKeyIdentity `json:"api_key,omitempty"`
	Admin   *apiAdmin       `json:"admin,omitempty"`
	Tenant  apiTenant       `json:"tenant"`
	Role    store.Role      `json:"role"`
	Tenants []apiMembership `json:"tenants,omitempty"`
}

type apiKeyIdentity struct {
	ID   string     `json:"id"`
	Name string     `json:"name"`
	Role store.Role `json:"role"`
}

type apiAdmin struct {
	ID          string     `json:"id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Email       string     `json:"email"`
	System      bool       `json:"system"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

type apiMembership struct {
	Tenant apiTenant  `json:"tenant"`
	Role   store.Role `json:"role"`
}

// apiWhoami answers who the API key is (GetManagerInfoByAuthCode).
func (h *Handler) apiWhoami(c echo.Context) error {
	k := apiKeyOf(c)
	t, err := h.store.GetTenant(c.Request().Context(), k.TenantID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiWhoami{Type: "api_key", Tenant: toAPITenant(t), Role: k.Role,
		APIKey: &apiKeyIdentity{ID: k.PublicID, Name: k.Name, Role: k.Role}})
}

// consoleWhoami answers the same for the signed-in administrator, with every
// tenant they belong to.
func (h *Handler) consoleWhoami(c echo.Context) error {
	s := shell(c)
	out := apiWhoami{Type: "admin", Tenant: toAPITenant(s.Tenant), Role: s.Role, Admin: &apiAdmin{
		ID: s.Admin.PublicID(), Username: s.Admin.Username, DisplayName: s.Admin.DisplayName,
		Email: s.Admin.Email, System: s.Admin.IsSystem, LastLoginAt: s.Admin.LastLoginAt}}
	for _, m := range s.Tenants {
		out.Tenants = append(out.Tenants, apiMembership{Tenant: toAPITenant(m.Tenant), Role: m.Role})
	}
	return c.JSON(http.StatusOK, out)
}

type aliasRequest struct {
	Alias *string `json:"alias"`
}

// apiSetAlias sets the tenant's alias (InitTenantAlias).
func (h *Handler) apiSetAlias(c echo.Context) error {
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
	return c.JSON(http.StatusOK, toAPITenant(t))
}

type apiActor struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

type apiAuditEvent struct {
	ID         string        `json:"id"`
	Actor      apiActor      `json:"actor"`
	Action     string        `json:"action"`
	TargetType string        `json:"target_type"`
	TargetID   string        `json:"target_id"`
	Changes    store.Changes `json:"changes"`
	RequestID  string        `json:"request_id"`
	CreatedAt  time.Time     `json:"created_at"`
}

func toAPIAuditEvent(e store.AuditEvent) apiAuditEvent {
	return apiAuditEvent{ID: store.PublicID(store.PrefixEvent, e.ID), Actor: apiActor(e.Actor), Action: e.Action,
		TargetType: e.TargetType, TargetID: e.TargetID, Changes: e.Changes, RequestID: e.RequestID,
		CreatedAt: e.CreatedAt.UTC()}
}

// apiListAuditEvents lists the key's tenant's audit events, newest first.
func (h *Handler) apiListAuditEvents(c echo.Context) error {
	f, fe := auditFilter(c.QueryParams())
	if len(fe) > 0 {
		return badParam(fe)
	}
	l, err := h.store.ListAuditEvents(c.Request().Context(), apiKeyOf(c).TenantID, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIAuditEvent))
}
