package request

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"roster/store"
	"roster/web/templates"
)

// Problem is how an error answers: a status, a message for people and the
// field it is about. Internal is true for Roster's own failures, which are
// logged and never described to the client.
func Problem(err error) (code int, msg, field string, internal bool) {
	code, msg = http.StatusInternalServerError, "Something went wrong. It has been logged."
	var he *echo.HTTPError
	var fe store.FieldErrors
	var pe *ParamError
	switch {
	case errors.As(err, &pe):
		return http.StatusBadRequest, pe.Msg, pe.Field, false
	case errors.Is(err, store.ErrConflict):
		code, msg = http.StatusConflict, "That already exists."
		if errors.As(err, &fe) {
			field, msg = fe.First()
		}
		return code, msg, field, false
	case errors.As(err, &fe):
		field, msg = fe.First()
		return http.StatusUnprocessableEntity, msg, field, false
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "Not found.", "", false
	case errors.Is(err, store.ErrBadCursor):
		return http.StatusBadRequest, "next_token is not a cursor this server issued.", "next_token", false
	case errors.As(err, &he):
		if he.Code >= 500 {
			return he.Code, msg, "", true
		}
		msg = fmt.Sprint(he.Message)
		if he.Code == http.StatusNotFound && msg == "Not Found" {
			msg = "Not found."
		}
		return he.Code, msg, "", false
	}
	return code, msg, "", true
}

// An Answer writes a failed request's answer the way its surface speaks:
// the JSON API's envelope, or a page.
type Answer func(c echo.Context, code int, msg, field string) error

const answerKey = "answer"

// Answering is the first middleware of each surface's routes: the one
// error handler asks it how to answer.
func Answering(a Answer) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(answerKey, a)
			return next(c)
		}
	}
}

// AnswerOf is how the surface that served c answers errors; ErrorPage
// where no surface did (an unknown URL, the plumbing routes).
func AnswerOf(c echo.Context) Answer {
	if a, ok := c.Get(answerKey).(Answer); ok {
		return a
	}
	return ErrorPage
}

// ErrorPage answers with an HTML error page, with the console's navigation
// when an administrator is signed in.
func ErrorPage(c echo.Context, code int, msg, _ string) error {
	return Render(c, code, templates.ErrorPage(code, http.StatusText(code), msg, Shell(c).Admin.ID != 0))
}
