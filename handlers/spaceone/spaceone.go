// Package spaceone speaks SpaceONE (Cloudforet) identity v1's User service
// over its REST mapping: POST /identity/v1/user/<verb> with a JSON body
// naming the domain (the tenant), bearer API keys as on /api/v1, and
// errors in SpaceONE's shape.
package spaceone

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

// Prefix is where the protocol's routes are mounted.
const Prefix = "/identity/v1"

// Handler serves the User service.
type Handler struct {
	store *store.Store
	users *store.UserCache[map[string]any] // of user/list: rowInfo
}

// listCacheBytes bounds user/list's users cache: at about 1.3 KB a user
// (its entry included), some three thousand users. A sync walks every page once and gains
// nothing from it; the pages read over and over are what it is for.
const listCacheBytes = 4 << 20

// New returns the User service over st.
func New(st *store.Store) *Handler {
	return &Handler{store: st, users: store.NewUserCache(listCacheBytes, infoSize)}
}

// reads are the verbs a viewer key may call: they change nothing.
var reads = map[string]bool{Prefix + "/user/get": true, Prefix + "/user/list": true,
	Prefix + "/user/stat": true, Prefix + "/users/find": true}

// Register adds the service's routes to g (mounted at Prefix).
func (h *Handler) Register(g *echo.Group) {
	g.Use(request.Authenticate(h.store, func(c echo.Context) bool { return reads[c.Path()] }))
	g.POST("/user/create", h.create)
	g.POST("/user/update", h.update)
	g.POST("/user/delete", h.delete)
	g.POST("/user/enable", h.setState(store.ActionEnable))
	g.POST("/user/disable", h.setState(store.ActionDisable))
	g.POST("/user/get", h.get)
	g.POST("/user/list", h.list)
	g.POST("/user/stat", h.stat)
	g.POST("/user/verify-email", h.verifyEmail)
	g.POST("/user/confirm-email", h.confirmEmail)
	g.POST("/user/reset-password", h.resetPassword)
	g.POST("/user/set-required-actions", h.setRequiredActions)
	g.POST("/user/sync", h.sync)
	g.POST("/users/find", h.find)
	g.Any("/*", func(c echo.Context) error { return echo.ErrNotFound })
}

// Error is an answer in SpaceONE's error shape: the error class's name as
// code, its gRPC status and message.
type Error struct {
	Status  string // gRPC status name
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// httpStatus is the HTTP status of each gRPC status the service answers.
// SpaceONE's not-found and duplicate errors are INVALID_ARGUMENT, so 400.
var httpStatus = map[string]int{
	"INVALID_ARGUMENT":  http.StatusBadRequest,
	"UNAUTHENTICATED":   http.StatusUnauthorized,
	"PERMISSION_DENIED": http.StatusForbidden,
	"NOT_FOUND":         http.StatusNotFound,
	"INTERNAL":          http.StatusInternalServerError,
}

func invalidArgument(code, msg string, args ...any) *Error {
	return &Error{"INVALID_ARGUMENT", code, fmt.Sprintf(msg, args...)}
}

func required(key string) *Error {
	return invalidArgument("ERROR_REQUIRED_PARAMETER", "Required parameter. (key = %s)", key)
}

func invalid(key, reason string) *Error {
	return invalidArgument("ERROR_INVALID_PARAMETER", "Parameter is invalid. (key = %s, reason = %s)", key, reason)
}

func notFound(key, value string) *Error {
	return invalidArgument("ERROR_NOT_FOUND", "Value not found. (%s = %s)", key, value)
}

// errNoAuthPlugin is what SpaceONE answers for anything that needs the
// domain's external identity provider when the domain has none; Roster
// has none.
var errNoAuthPlugin = invalidArgument("ERROR_NOT_ALLOWED_EXTERNAL_AUTHENTICATION", "Not allowed external authentication.")

// errorBody is the protocol's error envelope.
type errorBody struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	StatusCode string `json:"status_code"`
	RequestID  string `json:"request_id"`
}

func write(c echo.Context, e *Error) error {
	code := httpStatus[e.Status]
	if code == 0 {
		code = http.StatusBadRequest
	}
	return writeAs(c, code, e)
}

func writeAs(c echo.Context, code int, e *Error) error {
	return c.JSON(code, errorBody{Code: e.Code, Message: e.Message, StatusCode: e.Status, RequestID: request.ID(c)})
}

// Answer is how the server's error handler answers errors of this surface
// (a refused key, an unknown verb, a body too large, a failure), with its
// HTTP status and SpaceONE's code and message for it.
func Answer(c echo.Context, code int, msg, _ string) error {
	e := invalidArgument("ERROR_INVALID_ARGUMENT", "%s", msg)
	switch {
	case code == http.StatusUnauthorized:
		e = &Error{"UNAUTHENTICATED", "ERROR_AUTHENTICATE_FAILURE", "Authenticate failure. (message = " + msg + ")"}
	case code == http.StatusForbidden:
		e = &Error{"PERMISSION_DENIED", "ERROR_PERMISSION_DENIED", "Permission denied. " + msg}
	case code == http.StatusNotFound:
		e = &Error{"NOT_FOUND", "ERROR_NOT_FOUND", "Value not found. (path = " + c.Request().URL.Path + ")"}
	case code >= 500:
		e = &Error{"INTERNAL", "ERROR_UNKNOWN", msg}
	}
	return writeAs(c, code, e)
}

// storeFields are the protocol's names of the store's fields.
var storeFields = map[string]string{"username": "user_id", "display_name": "name", "status": "state",
	"last_login_at": "last_accessed_at", "code": "verify_code"}

// fail answers err in the protocol's shape: an *Error as it is, the
// store's kinds of error by their meaning; anything else goes to the
// server's error handler (logged, answered by Answer).
func fail(c echo.Context, err error) error {
	var e *Error
	var fe store.FieldErrors
	switch {
	case errors.As(err, &e):
	case errors.Is(err, store.ErrConflict) && errors.As(err, &fe):
		field, msg := fe.First()
		e = invalidArgument("ERROR_NOT_UNIQUE", "Tried to save duplicate unique key. (%s = %s)", nameOf(field), msg)
	case request.AsFieldErrors(err, &fe):
		field, msg := fe.First()
		e = invalid(nameOf(field), msg)
	default:
		return err
	}
	return write(c, e)
}

func nameOf(field string) string {
	if n, ok := storeFields[field]; ok {
		return n
	}
	return field
}
