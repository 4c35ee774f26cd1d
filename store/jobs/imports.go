package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"roster/store"
	"roster/store/userfile"
)

// importChunk is how many rows of a file are applied in one transaction:
// matched with one query and created with the batch creation's few
// statements. Tests shorten it.
var importChunk = store.MaxBatch

// CreateImport checks a users' file (its header, and its rows counted)
// and stores it with an import job of tenant: the file is read twice, so
// it must seek. A file that cannot be imported at all is a FieldErrors
// under "file" saying why; rows with errors are the import's to report.
func CreateImport(ctx context.Context, st *store.Store, tenant int64, o store.ImportOptions, name string, f io.ReadSeeker) (store.Import, error) {
	if fe := store.CheckImportOptions(o); len(fe) > 0 {
		return store.Import{}, fe
	}
	r, err := userfile.NewReader(f)
	if err != nil {
		return store.Import{}, store.FieldErrors{"file": err.Error()}
	}
	rows := 0
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.As(err, new(userfile.RowErrors)) {
			return store.Import{}, store.FieldErrors{"file": "The file cannot be read: " + err.Error()}
		}
		rows = rec.Row
	}
	if rows == 0 {
		return store.Import{}, store.FieldErrors{"file": "The file holds no users."}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return store.Import{}, fmt.Errorf("jobs: import file: %w", err)
	}
	return st.CreateImport(ctx, tenant, o, store.ImportFile{Name: name, Format: r.Format(), Rows: rows, Body: f})
}

// ImportParams are an import job's parameters.
type ImportParams struct {
	ImportID int64 `json:"import_id"`
}

// runImport reads an import's file from the database and applies its rows
// a chunk at a time from the first one not applied yet, then, for a sync
// import, disables the users of its source the file lacks. Each chunk is
// recorded with the rows it applied, so the job may stop (or its process
// die) between any two and be resumed.
func runImport(ctx context.Context, st *store.Store, j store.Job, p *Progress) error {
	var params ImportParams
	if err := json.Unmarshal(j.Params, &params); err != nil {
		return fmt.Errorf("jobs: parameters of %s: %w", j.PublicID(), err)
	}
	imp, err := st.GetImport(ctx, j.TenantID, params.ImportID)
	if err != nil {
		return err
	}
	r, err := userfile.NewReader(st.OpenImportFile(ctx, imp.ID))
	if err != nil {
		return store.FieldErrors{"file": err.Error()}
	}
	chunk := make([]store.ImportRecord, 0, importChunk)
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		c, err := st.ApplyImportRows(ctx, imp, chunk, chunk[len(chunk)-1].Row)
		if err != nil {
			return err
		}
		chunk = chunk[:0]
		return p.Add(ctx, c.Created+c.Updated+c.Unchanged, importFailures(c.Errors))
	}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re userfile.RowErrors
		if err != nil && !errors.As(err, &re) {
			return fmt.Errorf("jobs: reading the file of %s: %w", imp.PublicID(), err)
		}
		if rec.Row <= imp.RowsDone {
			continue
		}
		chunk = append(chunk, store.ImportRecord{Row: rec.Row, Record: rec, Errs: re})
		if len(chunk) == importChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	for imp.Sync {
		_, finished, err := st.DisableImportMissing(ctx, imp, store.MaxBatch)
		if err != nil || finished {
			return err
		}
		if err := p.Add(ctx, 0, nil); err != nil {
			return err
		}
	}
	return nil
}

// importFailures are the job's failures of a chunk's failed rows, each
// with its first error.
func importFailures(errs []store.ImportRow) []store.JobFailure {
	out := make([]store.JobFailure, len(errs))
	for i, e := range errs {
		msg := e.Message
		if e.Column != "" {
			msg = e.Column + ": " + msg
		}
		out[i] = store.JobFailure{Item: fmt.Sprintf("row %d", e.Row), Name: e.Username, Message: msg}
	}
	return out
}
