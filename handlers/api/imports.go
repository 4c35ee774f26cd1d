package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/store/jobs"
)

// importErrorsShown is how many errors an import's JSON lists; the error
// report (GET …/errors) has them all.
const importErrorsShown = 100

type apiImport struct {
	ID             string           `json:"id"`
	Status         string           `json:"status"`
	Error          string           `json:"error,omitempty"`
	JobID          string           `json:"job_id"`
	DryRun         bool             `json:"dry_run"`
	Sync           bool             `json:"sync"`
	Source         string           `json:"source"`
	CreateOrgUnits bool             `json:"create_org_units"`
	FileName       string           `json:"file_name"`
	Format         string           `json:"format"`
	FileSize       int64            `json:"file_size"`
	RowsTotal      int              `json:"rows_total"`
	RowsDone       int              `json:"rows_done"`
	Counts         apiImportCounts  `json:"counts"`
	Errors         []apiImportError `json:"errors"`
	ErrorsURL      string           `json:"errors_url"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
}

type apiImportCounts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Disabled  int `json:"disabled"`
	Failed    int `json:"failed"`
}

type apiImportError struct {
	Row      int    `json:"row"`
	Column   string `json:"column"`
	Username string `json:"username"`
	Message  string `json:"message"`
}

// importJSON is an import with its job's status and its first errors.
func (h *Handler) importJSON(c echo.Context, imp store.Import) (apiImport, error) {
	ctx := c.Request().Context()
	out := apiImport{ID: imp.PublicID(), DryRun: imp.DryRun, Sync: imp.Sync, Source: imp.Source, CreateOrgUnits: imp.CreateOrgUnits,
		FileName: imp.FileName, Format: imp.Format, FileSize: imp.FileSize, RowsTotal: imp.TotalRows, RowsDone: imp.RowsDone,
		Counts:    apiImportCounts{imp.Created, imp.Updated, imp.Unchanged, imp.Disabled, imp.Failed},
		Errors:    []apiImportError{},
		ErrorsURL: "/api/v1/imports/" + imp.PublicID() + "/errors",
		CreatedAt: imp.CreatedAt.UTC(), UpdatedAt: imp.UpdatedAt.UTC()}
	j, err := h.store.GetJob(ctx, imp.TenantID, imp.JobID)
	if err != nil {
		return out, err
	}
	out.Status, out.Error, out.JobID = j.Status, j.Error, j.PublicID()
	rows, err := h.store.ImportRows(ctx, imp.TenantID, imp.ID, 0, importErrorsShown, true)
	if err != nil {
		return out, err
	}
	for _, r := range rows {
		out.Errors = append(out.Errors, apiImportError{Row: r.Row, Column: r.Column, Username: r.Username, Message: r.Message})
	}
	return out, nil
}

// createImport takes a users' file, as the body or a multipart form's
// "file", and queues its import: 202 with the import to poll.
func (h *Handler) createImport(c echo.Context) error {
	up, err := request.SpoolUpload(c)
	if err != nil {
		return err
	}
	defer up.Close()
	if err := up.OnlyFields("source", "dry_run", "sync", "create_org_units", "file_name"); err != nil {
		return err
	}
	o, err := up.ImportOptions()
	if err != nil {
		return err
	}
	imp, err := jobs.CreateImport(c.Request().Context(), h.store, request.KeyOf(c).TenantID, o, up.Name, up.File)
	if err != nil {
		return err
	}
	return h.acceptedImport(c, imp)
}

func (h *Handler) acceptedImport(c echo.Context, imp store.Import) error {
	h.jobs.Wake()
	out, err := h.importJSON(c, imp)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/imports/"+imp.PublicID())
	return c.JSON(http.StatusAccepted, out)
}

func (h *Handler) getImport(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixImport)
	if err != nil {
		return err
	}
	imp, err := h.store.GetImport(c.Request().Context(), request.KeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	out, err := h.importJSON(c, imp)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// resumeImport goes on with an import whose job ended before it did.
func (h *Handler) resumeImport(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixImport)
	if err != nil {
		return err
	}
	imp, err := h.store.ResumeImport(c.Request().Context(), request.KeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return h.acceptedImport(c, imp)
}

// applyImport applies a dry run's file as a new import.
func (h *Handler) applyImport(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixImport)
	if err != nil {
		return err
	}
	imp, err := h.store.ApplyImport(c.Request().Context(), request.KeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return h.acceptedImport(c, imp)
}

// importErrors is an import's error report as CSV: every error, a row
// each, read a page at a time.
func (h *Handler) importErrors(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixImport)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), request.KeyOf(c).TenantID
	rows, err := h.store.ImportRows(ctx, tenant, id, 0, store.MaxPageSize, true)
	if err != nil {
		return err
	}
	return request.WriteImportErrors(c, store.PublicID(store.PrefixImport, id), rows, func(after int64) ([]store.ImportRow, error) {
		return h.store.ImportRows(ctx, tenant, id, after, store.MaxPageSize, true)
	})
}
