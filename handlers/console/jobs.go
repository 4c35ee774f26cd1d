package console

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

// listJobs is the tenant's jobs, newest first.
func (h *Handler) listJobs(c echo.Context) error {
	page, fe := request.Page(c.QueryParams())
	if len(fe) > 0 {
		return request.BadParam(fe)
	}
	l, err := h.store.ListJobs(c.Request().Context(), shell(c).Tenant.ID, store.JobFilter{Page: page})
	if errors.Is(err, store.ErrBadCursor) {
		return &request.ParamError{Field: "next_token", Msg: "That page link is out of date."}
	}
	if err != nil {
		return err
	}
	p := templates.JobsProps{List: l}
	if l.Next != "" {
		p.NextURL = "/jobs?next_token=" + l.Next
	}
	return request.Render(c, http.StatusOK, templates.JobsPage(p))
}

// showJob is a job's page; htmx polling it gets only its progress.
func (h *Handler) showJob(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixJob)
	if err != nil {
		return err
	}
	j, err := h.store.GetJob(c.Request().Context(), shell(c).Tenant.ID, id)
	if err != nil {
		return err
	}
	p := templates.JobProps{Job: j, Now: time.Now()}
	if request.IsHTMX(c) && c.Request().Header.Get("HX-Target") == "job-progress" {
		p.Poll = true
		return request.Render(c, http.StatusOK, templates.JobProgress(p))
	}
	return request.Render(c, http.StatusOK, templates.JobPage(p))
}

// cancelJob stops a job: a queued one at once, a running one after its
// batch under way.
func (h *Handler) cancelJob(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixJob)
	if err != nil {
		return err
	}
	j, err := h.store.CancelJob(c.Request().Context(), shell(c).Tenant.ID, id)
	if err != nil {
		return err
	}
	switch {
	case j.Status == store.JobCancelled:
		h.flash(c, "Job cancelled.")
	case j.Active():
		h.flash(c, "The job stops after the batch under way.")
	default:
		h.flash(c, "The job had already ended.")
	}
	return c.Redirect(http.StatusSeeOther, "/jobs/"+j.PublicID())
}
