package console

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/store"
	"roster/web/templates"
)

// parseAutoLockAt reads a "Lock automatically at" field: the datetime-local
// input's value, in UTC, or a full RFC 3339 time; nil when empty. The store
// refuses a time that is not in the future.
func parseAutoLockAt(v string) (*time.Time, store.FieldErrors) {
	if v == "" {
		return nil, nil
	}
	for _, layout := range []string{templates.AutoLockLayout, "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return &t, nil
		}
	}
	return nil, store.FieldErrors{"auto_lock_at": "Enter a time like 2030-12-31T18:00 (UTC), or leave it empty for no automatic lock."}
}

type ownerForm struct {
	OwnerType string `form:"owner_type"`
}

// updateOwner changes who receives the notices of the user of the URL:
// the user, or the administrator making the change.
func (h *Handler) updateOwner(c echo.Context) error {
	var f ownerForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	return h.saveUser(c, "mail", "Recipient of notices saved.", nil, func(store.User) (store.UserUpdate, store.FieldErrors) {
		return store.UserUpdate{OwnerType: &f.OwnerType}, nil
	})
}

type autoLockForm struct {
	AutoLockAt string `form:"auto_lock_at"`
}

// updateAutoLock schedules, moves or clears (empty) the lock of the user
// of the URL, from the status section of their page.
func (h *Handler) updateAutoLock(c echo.Context) error {
	var f autoLockForm
	if err := c.Bind(&f); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed form.")
	}
	typed := func(p *templates.UserPageProps) { p.AutoLockAt = &f.AutoLockAt }
	return h.saveUser(c, "status", "Automatic lock saved.", typed, func(store.User) (store.UserUpdate, store.FieldErrors) {
		t, fe := parseAutoLockAt(f.AutoLockAt)
		return store.UserUpdate{LockAt: &t}, fe
	})
}
