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
// statements. Zero is the store's ImportChunk; tests shorten it.
var importChunk int

// CreateImport checks a users' file (its header, and its rows counted)
// and stores it with an import job of tenant: the file is read twice, so
// it must seek. A file that cannot be imported at all is a FieldErrors
// under "file" saying why; rows with errors are the import's to report.
func CreateImport(ctx context.Context, st *store.Store, tenant int64, o store.ImportOptions, name string, f io.ReadSeeker) (store.Import, error) {
	if fe := store.CheckImportOptions(o); len(fe) > 0 {
		return store.Import{}, fe
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		return store.Import{}, fmt.Errorf("jobs: import file: %w", err)
	}
	r, err := userfile.NewReader(f)
	if err != nil {
		return store.Import{}, store.FieldErrors{"file": err.Error()}
	}
	repeats := store.NewRepeatFinder(size)
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
		repeats.Add(rec)
	}
	if rows == 0 {
		return store.Import{}, store.FieldErrors{"file": "The file holds no users."}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return store.Import{}, fmt.Errorf("jobs: import file: %w", err)
	}
	return st.CreateImport(ctx, tenant, o, store.ImportFile{Name: name, Format: r.Format(), Rows: rows, Body: f,
		Repeated: repeats.Repeated()})
}

// ImportParams are an import job's parameters.
type ImportParams struct {
	ImportID int64 `json:"import_id"`
}

// runImport reads an import's file from the database and applies the
// rows no chunk has applied yet, a chunk at a time (on PostgreSQL, chunks
// of new users side by side), then, for a sync import, disables the users
// of its source the file lacks. Each chunk is recorded with the rows it
// applied, and counted into the job, in its own transaction, so the job
// may stop (or its process die) between any two and be resumed.
func runImport(ctx context.Context, st *store.Store, j store.Job, p *Progress) error {
	var params ImportParams
	if err := json.Unmarshal(j.Params, &params); err != nil {
		return fmt.Errorf("jobs: parameters of %s: %w", j.PublicID(), err)
	}
	imp, err := st.GetImport(ctx, j.TenantID, params.ImportID)
	if err != nil {
		return err
	}
	applied, err := st.AppliedImportRows(ctx, imp.ID)
	if err != nil {
		return err
	}
	if imp.Repeated, err = st.ImportRepeatedKeys(ctx, imp.ID); err != nil {
		return err
	}
	r, err := userfile.NewReader(st.OpenImportFile(ctx, imp.ID))
	if err != nil {
		return store.FieldErrors{"file": err.Error()}
	}
	// The file is read and parsed a chunk ahead, beside the chunks being
	// written: on PostgreSQL the writing is the server's, on SQLite a
	// read connection serves the file, so each takes a core of its own.
	chunks := make(chan []store.ImportRecord, 1)
	stop := make(chan struct{})
	read := make(chan error, 1)
	size := importChunk
	if size == 0 {
		size = st.ImportChunk()
	}
	go func() { read <- readChunks(r, imp, applied, size, chunks, stop) }()
	defer func() {
		close(stop)
		for range chunks { // the reader closes it as it returns
		}
	}()
	side := st.ImportSideBySide()
	if imp.DryRun {
		side = 1 // a dry run records every row, in the file's order
	}
	if err := applyChunks(ctx, st, imp, j.ID, chunks, side, p); err != nil {
		return err
	}
	if err := <-read; err != nil {
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
