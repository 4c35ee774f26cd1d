package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"roster/store"
	"roster/web/templates"
)

// parsePage reads the list parameters of spec §5: max_results and
// next_token, or page_number and page_size. Returns FieldErrors naming the
// parameter that is wrong.
func parsePage(q url.Values) (store.Page, store.FieldErrors) {
	var p store.Page
	fe := store.FieldErrors{}
	size := func(name string) {
		v := q.Get(name)
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxPageSize {
			fe[name] = "Must be a whole number from 1 to " + strconv.Itoa(store.MaxPageSize) + "."
			return
		}
		p.Size = n
	}
	size("max_results")
	size("page_size")
	p.Cursor = q.Get("next_token")
	if v := q.Get("page_number"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			fe["page_number"] = "Must be a whole number from 1."
		}
		p.Number = n
		if p.Cursor != "" {
			fe["page_number"] = "Give either next_token or page_number, not both."
		}
	}
	return p, fe
}

// parseTime reads a time filter: an RFC 3339 time, or a date meaning its
// start (for since) or the start of the next day (for until, so the date is
// included).
func parseTime(v string, endOfDay bool) (*time.Time, bool) {
	if v == "" {
		return nil, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, true
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return nil, false
	}
	if endOfDay {
		d = d.AddDate(0, 0, 1)
	}
	return &d, true
}

// auditFilter reads the audit filters shared by the console and the API.
func auditFilter(q url.Values) (store.AuditFilter, store.FieldErrors) {
	f := store.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), TargetID: q.Get("target_id")}
	var fe store.FieldErrors
	f.Page, fe = parsePage(q)
	var ok bool
	if f.Since, ok = parseTime(q.Get("since"), false); !ok {
		fe["since"] = "Enter a date like 2026-01-31 or a time like 2026-01-31T12:00:00Z."
	}
	if f.Until, ok = parseTime(q.Get("until"), true); !ok {
		fe["until"] = "Enter a date like 2026-01-31 or a time like 2026-01-31T12:00:00Z."
	}
	return f, fe
}

func (h *Handler) showAudit(c echo.Context) error {
	q := c.QueryParams()
	p := templates.AuditProps{Form: templates.AuditForm{Actor: q.Get("actor"), Action: q.Get("action"),
		TargetID: q.Get("target_id"), Since: q.Get("since"), Until: q.Get("until")}}
	f, fe := auditFilter(q)
	if len(fe) > 0 {
		p.Errors = fe
		return render(c, http.StatusBadRequest, templates.AuditPage(p))
	}
	l, err := h.store.ListAuditEvents(c.Request().Context(), shell(c).Tenant.ID, f)
	if err != nil {
		return err
	}
	p.List = l
	if l.Next != "" {
		p.NextURL = withParam(q, "next_token", l.Next)
	}
	if f.Page.Cursor != "" || f.Page.Number > 1 {
		p.FirstURL = withParam(q, "next_token", "")
	}
	return render(c, http.StatusOK, templates.AuditPage(p))
}

// withParam returns "?query" with name set to v (or removed when v is empty)
// and page_number dropped.
func withParam(q url.Values, name, v string) string {
	n := url.Values{}
	for k, vs := range q {
		if k != "page_number" && k != name {
			n[k] = vs
		}
	}
	if v != "" {
		n.Set(name, v)
	}
	return "?" + n.Encode()
}
