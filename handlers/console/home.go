package console

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/web/templates"
)

// Home shows users whose access ends within this many days, the first
// homeExpiringListed of them by name, and the latest homeRecent changes.
const (
	homeHorizonDays    = 14
	homeExpiringListed = 5
	homeRecent         = 10
)

// showHome is the console's home page: the tenant's users by status,
// pending work and the latest changes.
func (h *Handler) showHome(c echo.Context) error {
	o, err := h.store.Overview(c.Request().Context(), shell(c).Tenant.ID,
		homeHorizonDays*24*time.Hour, homeExpiringListed, homeRecent)
	if err != nil {
		return err
	}
	return request.Render(c, http.StatusOK, templates.HomePage(templates.HomeProps{
		Overview: o, SMTPConfigured: h.cfg.SMTPConfigured, HorizonDays: homeHorizonDays, Now: time.Now()}))
}
