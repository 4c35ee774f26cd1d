package request

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"roster/store"
	"roster/store/userfile"
)

// exportTypes are the media types of the users' file formats.
var exportTypes = map[string]string{userfile.FormatCSV: "text/csv; charset=utf-8", userfile.FormatJSONL: "application/x-ndjson"}

// ExportFilter reads an export's parameters: format (csv when absent) and
// the users list's filters. Paging parameters are refused: an export holds
// every match.
func ExportFilter(q url.Values) (store.UserFilter, string, store.FieldErrors) {
	format := q.Get("format")
	if format == "" {
		format = userfile.FormatCSV
	}
	fe := store.FieldErrors{}
	for _, k := range []string{"max_results", "next_token", "page_number", "page_size"} {
		if q.Has(k) {
			fe[k] = "An export holds every matching user; it takes no paging parameters."
		}
	}
	if exportTypes[format] == "" {
		fe["format"] = "Format must be " + strings.Join(userfile.Formats, " or ") + "."
	}
	f, ffe := UserFilter(q)
	for k, v := range ffe {
		fe[k] = v
	}
	return f, format, fe
}

// StreamUsers answers with every user of tenant that f keeps as a users'
// file of format, an attachment sent a page at a time and flushed as it
// goes. Until the first page has been read nothing is sent, so a filter
// the store refuses is returned as an error to answer in the surface's
// way. An error once the file has begun cannot change the status any
// more: it is logged and the connection cut before the end of the chunked
// body, which HTTP clients and browsers report as a failed, truncated
// download rather than a complete file.
func StreamUsers(c echo.Context, st *store.Store, tenant int64, f store.UserFilter, format string) error {
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, exportTypes[format])
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="users-`+time.Now().UTC().Format("20060102-150405")+"."+format+`"`)
	rc := http.NewResponseController(res)
	_, err := st.ExportUsers(c.Request().Context(), tenant, f, format, res, func(int) error { return rc.Flush() })
	if err == nil {
		return nil
	}
	if !res.Committed {
		// The error is answered as JSON, which Echo labels only when no
		// Content-Type is set yet.
		res.Header().Del(echo.HeaderContentType)
		res.Header().Del(echo.HeaderContentDisposition)
		return err
	}
	slog.ErrorContext(c.Request().Context(), "users export cut short", "err", err, "request_id", ID(c))
	panic(http.ErrAbortHandler)
}
