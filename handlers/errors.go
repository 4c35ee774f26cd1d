package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
)

// handleError is the one place that turns an error into a status and a body,
// which the surface that served the route writes (request.Answering).
// Internal details are logged, never sent.
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
	code, msg, field, internal := request.Problem(err)
	if internal {
		h.log.Error("request failed", "err", err, "method", c.Request().Method, "path", c.Path(), "request_id", request.ID(c))
	}
	if err := request.AnswerOf(c)(c, code, msg, field); err != nil {
		h.log.Error("answering an error", "err", err, "request_id", request.ID(c))
	}
}
