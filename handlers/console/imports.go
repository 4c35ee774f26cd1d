package console

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/store/jobs"
	"roster/web/templates"
)

// importRowsShown is how many recorded rows an import's page lists.
const importRowsShown = 200

func (h *Handler) showImportUpload(c echo.Context) error {
	return request.Render(c, http.StatusOK, templates.ImportUploadPage(nil))
}

// uploadImport takes a users' file and starts its dry run: the console
// applies a file only after showing what it would do.
func (h *Handler) uploadImport(c echo.Context) error {
	up, err := request.SpoolUpload(c)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return request.Render(c, http.StatusUnprocessableEntity, templates.ImportUploadPage(fe))
	}
	if err != nil {
		return err
	}
	defer up.Close()
	o, err := up.ImportOptions()
	if err != nil {
		return err
	}
	o.DryRun = true
	imp, err := jobs.CreateImport(c.Request().Context(), h.store, shell(c).Tenant.ID, o, up.Name, up.File)
	if errors.As(err, &fe) {
		return request.Render(c, http.StatusUnprocessableEntity, templates.ImportUploadPage(fe))
	}
	if err != nil {
		return err
	}
	h.jobs.Wake()
	return c.Redirect(http.StatusSeeOther, "/imports/"+imp.PublicID())
}

// showImport is an import's page; htmx polling it gets only its progress.
func (h *Handler) showImport(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixImport)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	imp, err := h.store.GetImport(ctx, tenant, id)
	if err != nil {
		return err
	}
	j, err := h.store.GetJob(ctx, tenant, imp.JobID)
	if err != nil {
		return err
	}
	p := templates.ImportProps{Import: imp, Job: j, Now: time.Now()}
	if !j.Active() {
		rows, err := h.store.ImportRows(ctx, tenant, id, 0, importRowsShown+1, false)
		if err != nil {
			return err
		}
		p.Rows, p.More = rows[:min(len(rows), importRowsShown)], len(rows) > importRowsShown
	}
	if request.IsHTMX(c) && c.Request().Header.Get("HX-Target") == "import-progress" {
		p.Poll = true
		return request.Render(c, http.StatusOK, templates.ImportProgress(p))
	}
	return request.Render(c, http.StatusOK, templates.ImportPage(p))
}

// applyImport applies a dry run as a new import.
func (h *Handler) applyImport(c echo.Context) error {
	return h.queueImport(c, h.store.ApplyImport)
}

// resumeImport goes on with an import whose job stopped before its end.
func (h *Handler) resumeImport(c echo.Context) error {
	return h.queueImport(c, h.store.ResumeImport)
}

func (h *Handler) queueImport(c echo.Context, queue func(ctx context.Context, tenant, id int64) (store.Import, error)) error {
	id, err := request.IDParam(c, store.PrefixImport)
	if err != nil {
		return err
	}
	imp, err := queue(c.Request().Context(), shell(c).Tenant.ID, id)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		_, msg := fe.First()
		h.flash(c, msg)
		return c.Redirect(http.StatusSeeOther, "/imports/"+store.PublicID(store.PrefixImport, id))
	}
	if err != nil {
		return err
	}
	h.jobs.Wake()
	return c.Redirect(http.StatusSeeOther, "/imports/"+imp.PublicID())
}

// importErrors is the import's error report, as the API gives it.
func (h *Handler) importErrors(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixImport)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	rows, err := h.store.ImportRows(ctx, tenant, id, 0, store.MaxPageSize, true)
	if err != nil {
		return err
	}
	return request.WriteImportErrors(c, store.PublicID(store.PrefixImport, id), rows, func(after int64) ([]store.ImportRow, error) {
		return h.store.ImportRows(ctx, tenant, id, after, store.MaxPageSize, true)
	})
}
