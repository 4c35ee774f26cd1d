package request

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"roster/store"
)

// Page reads the list parameters every list takes: max_results and
// next_token, or page_number and page_size. Returns FieldErrors naming the
// parameter that is wrong.
func Page(q url.Values) (store.Page, store.FieldErrors) {
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

// Time reads a time filter: an RFC 3339 time, or a date meaning its
// start (for since) or the start of the next day (for until, so the date is
// included).
func Time(v string, endOfDay bool) (*time.Time, bool) {
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

// auditTargetTypes are the kinds of target audit events name.
var auditTargetTypes = []string{"user", "org_unit", "group", "property", "resource_group", "admin", "api_key", "tenant", "message"}

// AuditFilter reads the audit filters shared by the console and the API.
func AuditFilter(q url.Values) (store.AuditFilter, store.FieldErrors) {
	f := store.AuditFilter{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		TargetType: q.Get("target_type"), TargetID: strings.TrimSpace(q.Get("target_id"))}
	var fe store.FieldErrors
	f.Page, fe = Page(q)
	if f.TargetType != "" && !slices.Contains(auditTargetTypes, f.TargetType) {
		fe["target_type"] = "Choose one of: " + strings.Join(auditTargetTypes, ", ") + "."
	}
	var ok bool
	if f.Since, ok = Time(q.Get("since"), false); !ok {
		fe["since"] = "Enter a date like 2026-01-31 or a time like 2026-01-31T12:00:00Z."
	}
	if f.Until, ok = Time(q.Get("until"), true); !ok {
		fe["until"] = "Enter a date like 2026-01-31 or a time like 2026-01-31T12:00:00Z."
	}
	if f.Since != nil && f.Until != nil && !f.Until.After(*f.Since) {
		fe["until"] = "The end is before the start: choose an end on or after the start."
	}
	return f, fe
}

// WithParam returns "?query" with name set to v (or removed when v is empty)
// and page_number dropped.
func WithParam(q url.Values, name, v string) string {
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

// IDParam reads the {id} of a route as an id of the given kind; anything
// else is simply not found.
func IDParam(c echo.Context, prefix string) (int64, error) {
	id, ok := store.ParseID(prefix, c.Param("id"))
	if !ok {
		return 0, store.ErrNotFound
	}
	return id, nil
}

// ListError turns a store validation error of a list's filter into a 400.
func ListError(err error) error {
	var fe store.FieldErrors
	if AsFieldErrors(err, &fe) {
		return BadParam(fe)
	}
	return err
}

// --- org units

// ParamError is a malformed request parameter: 400 naming the parameter,
// where a well-formed value that breaks a rule is a 422 (store.FieldErrors).
type ParamError struct {
	Field, Msg string
}

func (e *ParamError) Error() string { return e.Field + ": " + e.Msg }

// BadParam reports the first of fe as a ParamError.
func BadParam(fe store.FieldErrors) error {
	f, m := fe.First()
	return &ParamError{Field: f, Msg: m}
}

// AsFieldErrors is errors.As for validation errors that are not conflicts.
func AsFieldErrors(err error, fe *store.FieldErrors) bool {
	return errors.As(err, fe) && !errors.Is(err, store.ErrConflict)
}

// LockUntil reads when a lock ends, the same way everywhere a lock is set:
// a date (the lock ends as that day begins, UTC, which is what the console
// then shows) or an RFC 3339 time, in the future. Empty is a lock with no
// end. The message says what to give.
func LockUntil(v string, now time.Time) (*time.Time, string) {
	if v == "" {
		return nil, ""
	}
	t, ok := Time(v, false)
	if !ok || !t.After(now) {
		return nil, "Give a date like 2030-12-31 or a time like 2030-12-31T18:00:00Z, in the future."
	}
	return t, ""
}
