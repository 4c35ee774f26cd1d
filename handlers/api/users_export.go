package api

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/store/userfile"
)

// exportTypes are the media types of the export formats.
var exportTypes = map[string]string{userfile.FormatCSV: "text/csv; charset=utf-8", userfile.FormatJSONL: "application/x-ndjson"}

// pageParams are the users list's paging parameters, which an export,
// holding every match, does not take.
var pageParams = []string{"max_results", "next_token", "page_number", "page_size"}

// exportUsers streams every user the users list's filters keep as a
// users' file, a page at a time, flushed as it goes. A bad filter is a 400
// before anything is sent. An error once the file has begun cannot change
// the status any more: the connection is cut before the end of the chunked
// body, which HTTP clients report as a truncated response.
func (h *Handler) exportUsers(c echo.Context) error {
	q := c.QueryParams()
	for k := range q {
		switch {
		case slices.Contains(pageParams, k):
			return &request.ParamError{Field: k, Msg: "An export holds every matching user; it takes no paging parameters."}
		case !request.UserFilterParams[k] && k != "format":
			return &request.ParamError{Field: k, Msg: "Unknown parameter " + k + "."}
		}
	}
	format := q.Get("format")
	if format == "" {
		format = userfile.FormatCSV
	}
	if exportTypes[format] == "" {
		return &request.ParamError{Field: "format", Msg: "Format must be " + strings.Join(userfile.Formats, " or ") + "."}
	}
	f, fe := request.UserFilter(q)
	if len(fe) > 0 {
		return request.BadParam(fe)
	}
	res := c.Response()
	// Set now, sent with the first page: until then an error still answers
	// with its own status and body.
	res.Header().Set(echo.HeaderContentType, exportTypes[format])
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+ExportFilename(format, time.Now())+`"`)
	res.Header().Set("X-Content-Type-Options", "nosniff")
	rc := http.NewResponseController(res)
	_, err := h.store.ExportUsers(c.Request().Context(), request.KeyOf(c).TenantID, f, format, res,
		func(int) error { return rc.Flush() })
	if err == nil {
		return nil
	}
	if !res.Committed {
		res.Header().Del(echo.HeaderContentDisposition)
		var fe store.FieldErrors
		if request.AsFieldErrors(err, &fe) {
			return request.BadParam(fe)
		}
		return err
	}
	slog.ErrorContext(c.Request().Context(), "users export cut short", "err", err, "request_id", request.ID(c))
	panic(http.ErrAbortHandler)
}

// ExportFilename names an export file made at t: the users, when, and the
// format's extension.
func ExportFilename(format string, t time.Time) string {
	return "users-" + t.UTC().Format("20060102-150405") + "." + format
}
