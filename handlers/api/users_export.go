package api

import (
	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

// exportUsers streams every user the users list's filters keep as a
// users' file (request.StreamUsers); a bad filter is a 400 naming its
// parameter before anything is sent.
func (h *Handler) exportUsers(c echo.Context) error {
	q := c.QueryParams()
	for k := range q {
		if !request.UserFilterParams[k] && k != "format" {
			return &request.ParamError{Field: k, Msg: "Unknown parameter " + k + "."}
		}
	}
	f, format, fe := request.ExportFilter(q)
	if len(fe) > 0 {
		return request.BadParam(fe)
	}
	err := request.StreamUsers(c, h.store, request.KeyOf(c).TenantID, f, format)
	var sfe store.FieldErrors
	if request.AsFieldErrors(err, &sfe) {
		return request.BadParam(sfe)
	}
	return err
}
