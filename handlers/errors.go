package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"roster/store"
	"roster/web/templates"
)

// apiError is the JSON API's error envelope, spec §5.
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

// paramError is a malformed request parameter: 400 naming the parameter,
// where a well-formed value that breaks a rule is a 422 (store.FieldErrors).
type paramError struct {
	Field, Msg string
}

func (e *paramError) Error() string { return e.Field + ": " + e.Msg }

// badParam reports the first of fe as a paramError.
func badParam(fe store.FieldErrors) error {
	f, m := fe.First()
	return &paramError{Field: f, Msg: m}
}

// asFieldErrors is errors.As for validation errors that are not conflicts.
func asFieldErrors(err error, fe *store.FieldErrors) bool {
	return errors.As(err, fe) && !errors.Is(err, store.ErrConflict)
}

// handleError is the one place that turns an error into a status and a body:
// the JSON envelope under /api/, an error page elsewhere. Internal details are
// logged, never sent.
func (h *Handler) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if be := bodyError(c); be != nil {
		err = be
		// A failed read of the connection cancels the request's context;
		// the answer is still written, with a context of its own.
		c.SetRequest(c.Request().WithContext(context.WithoutCancel(c.Request().Context())))
	}
	code, msg, field := http.StatusInternalServerError, "Something went wrong. It has been logged.", ""
	var he *echo.HTTPError
	var fe store.FieldErrors
	var pe *paramError
	switch {
	case errors.As(err, &pe):
		code, msg, field = http.StatusBadRequest, pe.Msg, pe.Field
	case errors.Is(err, store.ErrConflict):
		code, msg = http.StatusConflict, "That already exists."
		if errors.As(err, &fe) {
			field, msg = fe.First()
		}
	case errors.As(err, &fe):
		code = http.StatusUnprocessableEntity
		field, msg = fe.First()
	case errors.Is(err, store.ErrNotFound):
		code, msg = http.StatusNotFound, "Not found."
	case errors.Is(err, store.ErrBadCursor):
		code, msg, field = http.StatusBadRequest, "next_token is not a cursor this server issued.", "next_token"
	case errors.As(err, &he):
		code = he.Code
		if code < 500 {
			msg = fmt.Sprint(he.Message)
		}
		if code == http.StatusNotFound && msg == "Not Found" {
			msg = "Not found."
		}
		if code >= 500 {
			h.log.Error("request failed", "err", err, "method", c.Request().Method, "path", c.Path(), "request_id", requestIDOf(c))
		}
	default:
		h.log.Error("request failed", "err", err, "method", c.Request().Method, "path", c.Path(), "request_id", requestIDOf(c))
	}
	if isAPI(c) {
		name := statusCodes[code]
		if name == "" {
			name = strings.ToLower(strings.ReplaceAll(http.StatusText(code), " ", "_"))
		}
		_ = c.JSON(code, apiError{Error: apiErrorBody{Code: name, Message: msg, Field: field}, RequestID: requestIDOf(c)})
		return
	}
	s, _ := c.Get(shellKey).(templates.Shell)
	_ = render(c, code, templates.ErrorPage(code, http.StatusText(code), msg, s.Admin.ID != 0))
}

func isAPI(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, "/api/")
}

// render writes a templ component. It renders to a buffer first so a template
// error becomes a clean 500 instead of half a page.
func render(c echo.Context, code int, comp templ.Component) error {
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	ctx := c.Request().Context()
	if s, ok := c.Get(shellKey).(templates.Shell); ok {
		ctx = templates.WithShell(ctx, s)
	}
	if err := comp.Render(ctx, buf); err != nil {
		return err
	}
	c.Response().Header().Add("Vary", "HX-Request")
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(code, buf.Bytes())
}
