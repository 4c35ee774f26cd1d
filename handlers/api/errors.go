package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
)

// apiError is the JSON API's error envelope.
type apiError struct {
	Error     apiErrorBody `json:"error"`
	RequestID string       `json:"request_id"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

var statusCodes = map[int]string{
	http.StatusBadRequest:            "bad_request",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "payload_too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   "validation_failed",
	http.StatusTooManyRequests:       "rate_limited",
	http.StatusInternalServerError:   "internal",
}

// Answer writes an error as the API's envelope, with a stable code name
// for the status, and the request id to quote when asking for help.
func Answer(c echo.Context, code int, msg, field string) error {
	name := statusCodes[code]
	if name == "" {
		name = strings.ToLower(strings.ReplaceAll(http.StatusText(code), " ", "_"))
	}
	return c.JSON(code, apiError{Error: apiErrorBody{Code: name, Message: msg, Field: field}, RequestID: request.ID(c)})
}
