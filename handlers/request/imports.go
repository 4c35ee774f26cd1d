package request

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"roster/store"
)

// WriteImportErrors answers with an import's error report as a CSV
// download: first is its first page of errors, next reads the page after
// a cursor. The API and the console send the same report.
func WriteImportErrors(c echo.Context, name string, first []store.ImportRow, next func(after int64) ([]store.ImportRow, error)) error {
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`-errors.csv"`)
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	if err := w.Write([]string{"row", "column", "username", "message"}); err != nil {
		return err
	}
	for rows := first; len(rows) > 0; {
		for _, r := range rows {
			if err := w.Write([]string{strconv.Itoa(r.Row), r.Column, r.Username, r.Message}); err != nil {
				return err
			}
		}
		var err error
		if rows, err = next(rows[len(rows)-1].ID); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
