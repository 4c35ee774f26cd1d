package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

// showAudit lists the tenant's audit events, newest first, with the names
// of what they mention; system administrators may read the sign-ins that
// belong to no tenant instead (scope=system). Bad filters are answered
// next to their field, without results.
func (h *Handler) showAudit(c echo.Context) error {
	q := c.QueryParams()
	p := templates.AuditProps{Form: templates.AuditForm{Scope: q.Get("scope"), Actor: q.Get("actor"), Action: q.Get("action"),
		TargetType: q.Get("target_type"), TargetID: q.Get("target_id"), Since: q.Get("since"), Until: q.Get("until")}}
	f, fe := request.AuditFilter(q)
	switch p.Form.Scope {
	case "":
	case "system":
		if !shell(c).Admin.IsSystem {
			return echo.NewHTTPError(http.StatusForbidden, "Only system administrators read the sign-ins outside a tenant.")
		}
	default:
		fe["scope"] = "Choose this tenant's log or the sign-ins outside any tenant."
	}
	if len(fe) > 0 {
		p.Errors = fe
		return request.Render(c, http.StatusUnprocessableEntity, templates.AuditPage(p))
	}
	ctx := c.Request().Context()
	var l store.List[store.AuditEvent]
	var err error
	if p.Form.Scope == "system" {
		l, err = h.store.ListSystemAuditEvents(ctx, f)
	} else {
		l, err = h.store.ListAuditEvents(ctx, shell(c).Tenant.ID, f)
	}
	if err != nil {
		return err
	}
	if p.Form.Scope != "system" {
		if p.Names, err = h.store.AuditNames(ctx, shell(c).Tenant.ID, l.Items); err != nil {
			return err
		}
	}
	p.List = l
	if l.Next != "" {
		p.NextURL = request.WithParam(q, "next_token", l.Next)
	}
	if f.Page.Cursor != "" || f.Page.Number > 1 {
		p.FirstURL = request.WithParam(q, "next_token", "")
	}
	return request.Render(c, http.StatusOK, templates.AuditPage(p))
}
