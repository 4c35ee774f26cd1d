package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/web/templates"
)

// provisioningShown is how many of the tenant's last SCIM requests the
// Provisioning page lists.
const provisioningShown = 50

// showProvisioning is Settings → Provisioning: the SCIM base URL, the key
// to use, and the tenant's last SCIM requests.
func (h *Handler) showProvisioning(c echo.Context) error {
	reqs, err := h.store.SCIMRequests(c.Request().Context(), shell(c).Tenant.ID, provisioningShown)
	if err != nil {
		return err
	}
	base := h.cfg.BaseURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return request.Render(c, http.StatusOK, templates.ProvisioningPage(templates.ProvisioningProps{
		BaseURL: base + "/scim/v2", Requests: reqs}))
}
