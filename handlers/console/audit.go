package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/web/templates"
)

func (h *Handler) showAudit(c echo.Context) error {
	q := c.QueryParams()
	p := templates.AuditProps{Form: templates.AuditForm{Actor: q.Get("actor"), Action: q.Get("action"),
		TargetID: q.Get("target_id"), Since: q.Get("since"), Until: q.Get("until")}}
	f, fe := request.AuditFilter(q)
	if len(fe) > 0 {
		p.Errors = fe
		return request.Render(c, http.StatusBadRequest, templates.AuditPage(p))
	}
	l, err := h.store.ListAuditEvents(c.Request().Context(), shell(c).Tenant.ID, f)
	if err != nil {
		return err
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
