// Package scim is Roster's SCIM 2.0 server (RFC 7643 and 7644) for
// identity providers that provision users and groups into a tenant:
// Users and Groups with filters, paging, PATCH and PUT, and the discovery
// resources, under /scim/v2. A bearer API key with the admin role names
// the tenant. Every request the tenant's identity provider makes is kept
// in a short log, which the console's Provisioning page shows.
package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

// Prefix is where the server's routes are mounted.
const Prefix = "/scim/v2"

// MediaType is SCIM's content type; plain application/json is accepted too.
const MediaType = "application/scim+json"

// Schema URNs.
const (
	schemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	schemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	// schemaRoster carries the tenant's custom properties, one attribute
	// per property key.
	schemaRoster = "urn:ietf:params:scim:schemas:extension:roster:2.0:User"
	schemaList   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaPatch  = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	schemaError  = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// Handler serves one tenant's SCIM resources per request.
type Handler struct {
	store *store.Store
	// baseURL is the server's public address, for resources' locations.
	baseURL string
}

// New returns the SCIM server over st; baseURL is the address identity
// providers reach Roster at ("" takes the request's own host).
func New(st *store.Store, baseURL string) *Handler {
	return &Handler{store: st, baseURL: strings.TrimSuffix(baseURL, "/")}
}

// Register adds the server's routes to g (mounted at Prefix). Every
// request needs an admin key: an identity provider that may only read is
// of no use, and its reads list every user's attributes.
func (h *Handler) Register(g *echo.Group) {
	g.Use(request.Authenticate(h.store, func(echo.Context) bool { return false }), h.logRequests)
	g.GET("/Users", h.listUsers)
	g.POST("/Users", h.createUser)
	g.GET("/Users/:id", h.getUser)
	g.PUT("/Users/:id", h.replaceUser)
	g.PATCH("/Users/:id", h.patchUser)
	g.DELETE("/Users/:id", h.deleteUser)
	g.GET("/Groups", h.listGroups)
	g.POST("/Groups", h.createGroup)
	g.GET("/Groups/:id", h.getGroup)
	g.PUT("/Groups/:id", h.replaceGroup)
	g.PATCH("/Groups/:id", h.patchGroup)
	g.DELETE("/Groups/:id", h.deleteGroup)
	g.GET("/ServiceProviderConfig", h.serviceProviderConfig)
	g.GET("/ResourceTypes", h.resourceTypes)
	g.GET("/ResourceTypes/:id", h.resourceType)
	g.GET("/Schemas", h.schemas)
	g.GET("/Schemas/:id", h.schema)
	g.Any("/*", func(c echo.Context) error {
		return &Error{Status: http.StatusNotFound, Detail: "No SCIM resource at " + c.Request().URL.Path + "."}
	})
}

const resultKey = "scim_result"

// setResult is the short account of a request the log keeps.
func setResult(c echo.Context, format string, args ...any) {
	c.Set(resultKey, fmt.Sprintf(format, args...))
}

// logRequests records each authenticated request of the tenant with its
// status and result. Errors are answered here (c.Error), so the status
// logged is the one sent.
func (h *Handler) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := next(c); err != nil {
			if e, ok := answerable(err); ok {
				err = writeError(c, e)
			}
			if err != nil {
				c.Error(err)
			}
		}
		r := c.Request()
		result, _ := c.Get(resultKey).(string)
		if result == "" {
			result = http.StatusText(c.Response().Status)
		}
		err := h.store.LogSCIMRequest(r.Context(), request.KeyOf(c).TenantID, store.SCIMRequest{
			Method: r.Method, Path: r.URL.RequestURI(), Status: c.Response().Status, Result: result})
		if err != nil {
			c.Logger().Error(err)
		}
		return nil
	}
}

// write answers a SCIM resource or message.
func write(c echo.Context, code int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Blob(code, MediaType+"; charset=utf-8", b)
}

// bind reads a request body: a JSON object, sent as SCIM's or plain JSON.
func bind(c echo.Context) (map[string]any, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(ct, MediaType) && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return nil, &Error{Status: http.StatusUnsupportedMediaType, Detail: "Send the body as " + MediaType + " or application/json."}
	}
	var body map[string]any
	dec := json.NewDecoder(c.Request().Body)
	err := dec.Decode(&body)
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return nil, err // the server's error handler answers 413
	}
	if err != nil || body == nil {
		return nil, &Error{Status: http.StatusBadRequest, Type: "invalidSyntax", Detail: "The body is not a JSON object."}
	}
	return body, nil
}

// location is the address of a resource.
func (h *Handler) location(c echo.Context, kind, id string) string {
	return h.base(c) + Prefix + "/" + kind + "/" + id
}

// base is the server's public address.
func (h *Handler) base(c echo.Context) string {
	if h.baseURL != "" {
		return h.baseURL
	}
	return c.Scheme() + "://" + c.Request().Host
}
