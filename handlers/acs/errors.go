package acs

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

// Error is an answer in the protocol's error shape: an HTTP status and a
// Code the SDKs raise as the error's name.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// errorBody is the protocol's error envelope.
type errorBody struct {
	RequestId string `json:"RequestId"` //nolint:revive // the protocol's spelling
	HostId    string `json:"HostId"`    //nolint:revive // the protocol's spelling
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}

var errSignature = &Error{http.StatusBadRequest, "SignatureDoesNotMatch",
	"Specified signature does not match our calculation: check the AccessKeySecret and how the request is signed."}

func missing(name string) *Error {
	return &Error{http.StatusBadRequest, "MissingParameter", "The input parameter " + name + " that is mandatory for processing this request is not supplied."}
}

func invalid(name, why string) *Error {
	if !strings.HasSuffix(why, ".") {
		why += "."
	}
	return &Error{http.StatusBadRequest, "InvalidParameter", "The parameter " + name + " is not valid: " + why}
}

// Invalid is a parameter an action refuses, saying why.
func Invalid(name, why string) error { return invalid(name, why) }

// Missing is a required parameter an action did not get.
func Missing(name string) error { return missing(name) }

// fail writes err in the protocol's shape: an *Error as it is, the
// store's kinds of error by their meaning; anything else goes to the
// server's error handler (logged, answered by Answer).
func fail(c echo.Context, err error) error {
	var e *Error
	var fe store.FieldErrors
	switch {
	case errors.As(err, &e):
	case errors.Is(err, store.ErrNotFound):
		e = &Error{http.StatusNotFound, "EntityNotExist", "The object named does not exist in this tenant."}
	case errors.Is(err, store.ErrBadCursor):
		e = invalid("NextToken", "not a token this server gave, or one of another list")
	case errors.Is(err, store.ErrConflict):
		e = &Error{http.StatusBadRequest, "EntityAlreadyExists", err.Error()}
	case request.AsFieldErrors(err, &fe):
		for field, msg := range fe {
			e = invalid(field, msg)
			break
		}
	default:
		return err
	}
	return write(c, e)
}

func write(c echo.Context, e *Error) error {
	return c.JSON(e.Status, errorBody{RequestId: request.ID(c), HostId: c.Request().Host, Code: e.Code, Message: e.Message})
}

// codes names the statuses the server's error handler answers with.
var codes = map[int]string{
	http.StatusBadRequest:            "InvalidParameter",
	http.StatusNotFound:              "InvalidAction.NotFound",
	http.StatusMethodNotAllowed:      "UnsupportedHTTPMethod",
	http.StatusRequestTimeout:        "RequestTimeout",
	http.StatusRequestEntityTooLarge: "RequestEntityTooLarge",
	http.StatusTooManyRequests:       "Throttling",
	http.StatusServiceUnavailable:    "ServiceUnavailable",
}

// Answer is how the server's error handler answers errors of this
// surface (a body too large, a failure inside an action).
func Answer(c echo.Context, code int, msg, _ string) error {
	name := codes[code]
	if name == "" {
		name = "InternalError"
	}
	return write(c, &Error{Status: code, Code: name, Message: msg})
}
