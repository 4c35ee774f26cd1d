package scim

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

// Error is an answer in SCIM's error shape (RFC 7644 section 3.12): an
// HTTP status, for 400 and 409 a scimType, and a detail for people.
type Error struct {
	Status int
	Type   string
	Detail string
}

func (e *Error) Error() string { return e.Type + ": " + e.Detail }

type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
}

func writeError(c echo.Context, e *Error) error {
	setResult(c, "%s", e.Detail)
	return write(c, e.Status, errorBody{Schemas: []string{schemaError}, Status: strconv.Itoa(e.Status), ScimType: e.Type, Detail: e.Detail})
}

func invalidValue(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "invalidValue", Detail: fmt.Sprintf(format, args...)}
}

func invalidFilter(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "invalidFilter", Detail: fmt.Sprintf(format, args...)}
}

func invalidPath(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "invalidPath", Detail: fmt.Sprintf(format, args...)}
}

func notFound(kind, id string) *Error {
	return &Error{Status: http.StatusNotFound, Detail: kind + " " + id + " not found."}
}

// Answer is how the server's error handler answers errors of this
// surface (a refused key, a body too large, a failure).
func Answer(c echo.Context, code int, msg, _ string) error {
	return writeError(c, &Error{Status: code, Detail: msg})
}

// storeNames are SCIM's names of the store's fields, for messages.
var storeNames = map[string]string{"username": "userName", "display_name": "displayName", "email": "emails",
	"phone_region": "phoneNumbers", "phone_number": "phoneNumbers", "external_id": "externalId",
	"language": "preferredLanguage", "timezone": "timezone", "tags": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
	"name": "displayName", "members": "members", "password": "password", "status": "active"}

func scimName(field string) string {
	if n, ok := storeNames[field]; ok {
		return n
	}
	return field
}

// answerable is err as SCIM's error, if it is one a client caused: an
// *Error as it is, the store's kinds of error by their meaning (a taken
// userName is 409 uniqueness). Anything else is for the server's error
// handler (logged, answered 500 by Answer).
func answerable(err error) (*Error, bool) {
	var e *Error
	var fe store.FieldErrors
	switch {
	case errors.As(err, &e):
		return e, true
	case errors.Is(err, store.ErrConflict) && errors.As(err, &fe):
		field, msg := fe.First()
		e = &Error{Status: http.StatusConflict, Type: "uniqueness", Detail: scimName(field) + ": " + msg}
	case errors.Is(err, store.ErrNotFound):
		e = &Error{Status: http.StatusNotFound, Detail: "Resource not found."}
	case request.AsFieldErrors(err, &fe):
		field, msg := fe.First()
		e = invalidValue("%s: %s", scimName(field), msg)
	default:
		return nil, false
	}
	return e, true
}
