package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"
)

// PrefixImport is the prefix of imports' public ids.
const PrefixImport = "imp"

// KindImport is the kind of the jobs that run imports: their parameters
// are the import's id.
const KindImport = "import"

// SourceImport is the source_type of the users an import with a source
// creates or takes over; their source_id is the import's source name. A
// sync import's file is the whole of its source: the users of the same
// source it lacks are disabled. External ids are matched within the
// source.
const SourceImport = "import"

// importPart is how much of an import's file one row of import_parts holds.
const importPart = 1 << 20

// ImportOptions are what an import does beyond reading its file.
type ImportOptions struct {
	// Source names where the file comes from (an HR system, say): the
	// users it creates get it, external ids are matched among its users,
	// and sync works on them. Empty is none: users are created as built-in
	// ones and external ids matched among those.
	Source string `json:"source,omitempty"`
	// Sync disables the users of Source that the file does not hold.
	Sync bool `json:"sync,omitempty"`
	// CreateOrgUnits creates the units of paths that do not exist yet,
	// which are otherwise an error of their row.
	CreateOrgUnits bool `json:"create_org_units,omitempty"`
	// DryRun says what every row would do, changing nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

// Import is one import of a users' file and its outcome so far.
type Import struct {
	ImportOptions
	ID        int64
	TenantID  int64
	JobID     int64
	FileName  string
	FileSize  int64
	Format    string
	TotalRows int
	// RowsDone is how many of the file's rows are applied (or, in a dry
	// run, classified): a resumed import goes on from the next.
	RowsDone  int
	SyncDone  bool
	Created   int
	Updated   int
	Unchanged int
	Disabled  int
	Failed    int
	CreatedAt time.Time
	UpdatedAt time.Time
	// Repeated is what the file repeats, which ApplyImportRows reads when
	// set (the runner loads it once: ImportRepeatedKeys); nil is unknown.
	Repeated *RepeatedKeys
}

// PublicID is the import's id in URLs.
func (i Import) PublicID() string { return PublicID(PrefixImport, i.ID) }

// ImportFile is the file an import reads, already checked: its format,
// how many rows it has, and its bytes.
type ImportFile struct {
	Name   string
	Format string
	Rows   int
	Body   io.Reader
	// Repeated is what the file repeats (see RepeatFinder); nil is
	// unknown.
	Repeated *RepeatedKeys
}

// ImportRow actions: what a row did (or, in a dry run, would do).
const (
	ImportCreate    = "create"
	ImportUpdate    = "update"
	ImportUnchanged = "unchanged"
	ImportDisable   = "disable"
	ImportError     = "error"
)

// ImportRow is one recorded outcome of an import: an error of a row
// (Column names the cell at fault, when one is), or in a dry run a row
// that would create or update a user. Row 0 is a user sync disables (or
// would).
type ImportRow struct {
	ID       int64
	Row      int
	Username string
	Action   string
	Column   string
	Message  string
}

const importColumns = `id, tenant_id, coalesce(job_id, 0), file_name, file_size, format, source, dry_run, sync,
	create_org_units, total_rows, rows_done, sync_done, created, updated, unchanged, disabled, failed, created_at, updated_at`

func scanImport(sc rowScanner) (Import, error) {
	var i Import
	var created, updated int64
	err := sc.Scan(&i.ID, &i.TenantID, &i.JobID, &i.FileName, &i.FileSize, &i.Format, &i.Source, &i.DryRun, &i.Sync,
		&i.CreateOrgUnits, &i.TotalRows, &i.RowsDone, &i.SyncDone, &i.Created, &i.Updated, &i.Unchanged, &i.Disabled,
		&i.Failed, &created, &updated)
	i.CreatedAt, i.UpdatedAt = fromMillis(created), fromMillis(updated)
	return i, err
}

func getImport(ctx context.Context, q rowQuerier, tenant, id int64) (Import, error) {
	i, err := scanImport(q.QueryRowContext(ctx, `SELECT `+importColumns+` FROM imports WHERE tenant_id = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Import{}, fmt.Errorf("store: import %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Import{}, fmt.Errorf("store: get import: %w", err)
	}
	return i, nil
}

// GetImport returns an import of tenant, or ErrNotFound.
func (s *Store) GetImport(ctx context.Context, tenant, id int64) (Import, error) {
	return getImport(ctx, s.rd, tenant, id)
}

// CheckImportOptions says what is wrong with an import's options.
func CheckImportOptions(o ImportOptions) FieldErrors {
	fe := FieldErrors{}
	checkText(fe, "source", "Source", o.Source, 128)
	if o.Sync && o.Source == "" {
		fe["source"] = "A sync import needs a source: the users it disables are those of the same source its file lacks."
	}
	return fe
}

// CreateImport stores an import's file and queues the job that runs it,
// audited as started by the context's actor.
func (s *Store) CreateImport(ctx context.Context, tenant int64, o ImportOptions, f ImportFile) (Import, error) {
	if fe := CheckImportOptions(o); len(fe) > 0 {
		return Import{}, fe
	}
	var imp Import
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		id, err := s.insertImport(ctx, tx, tenant, o, f.Name, f.Format, f.Rows)
		if err != nil {
			return err
		}
		buf := make([]byte, importPart)
		var size int64
		for seq := 0; ; seq++ {
			n, err := io.ReadFull(f.Body, buf)
			if n > 0 {
				size += int64(n)
				if _, err := tx.ExecContext(ctx, `INSERT INTO import_parts (import_id, seq, data) VALUES (?, ?, ?)`, id, seq, buf[:n]); err != nil {
					return fmt.Errorf("store: import file: %w", err)
				}
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("store: import file: %w", err)
			}
		}
		repeated, err := f.Repeated.bytes()
		if err != nil {
			return fmt.Errorf("store: import file: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET file_size = ?, repeated_keys = ? WHERE id = ?`, size, repeated, id); err != nil {
			return fmt.Errorf("store: import file: %w", err)
		}
		imp, err = s.queueImport(ctx, tx, tenant, id, "import.create")
		return err
	})
	return imp, err
}

func (s *Store) insertImport(ctx context.Context, tx *sql.Tx, tenant int64, o ImportOptions, name, format string, rows int) (int64, error) {
	now := s.nowMillis()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO imports (tenant_id, file_name, format, source, dry_run, sync, create_org_units,
		total_rows, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		tenant, name, format, o.Source, o.DryRun, o.Sync, o.CreateOrgUnits, rows, now, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: create import: %w", err)
	}
	return id, nil
}

// queueImport queues a job that runs an import from where it stands, and
// audits action.
func (s *Store) queueImport(ctx context.Context, tx *sql.Tx, tenant, id int64, action string) (Import, error) {
	imp, err := getImport(ctx, s.in(tx), tenant, id)
	if err != nil {
		return Import{}, err
	}
	title := "Import users from " + imp.FileName
	if imp.DryRun {
		title = "Dry run of importing users from " + imp.FileName
	}
	job, err := s.insertJob(ctx, tx, tenant, NewJob{Kind: KindImport, Title: title, Link: "/imports/" + imp.PublicID(),
		Params: map[string]int64{"import_id": id}}, imp.TotalRows, imp.RowsDone)
	if err != nil {
		return Import{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET job_id = ?, updated_at = ? WHERE id = ?`, job, s.nowMillis(), id); err != nil {
		return Import{}, fmt.Errorf("store: queue import: %w", err)
	}
	imp.JobID = job
	return imp, s.audit(ctx, tx, tenant, action, "import", imp.PublicID(), Changes{
		"file_name": {After: imp.FileName}, "rows": {After: imp.TotalRows}, "dry_run": {After: imp.DryRun},
		"sync": {After: imp.Sync}, "source": {After: imp.Source}})
}

// ResumeImport queues a new job for an import whose job ended before it
// did (interrupted, failed or cancelled): it goes on from the first row
// not applied. Returns FieldErrors when the import is running or done.
func (s *Store) ResumeImport(ctx context.Context, tenant, id int64) (Import, error) {
	var imp Import
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if imp, err = getImport(ctx, s.in(tx), tenant, id); err != nil {
			return err
		}
		if imp.JobID != 0 {
			j, err := getJob(ctx, tx, tenant, imp.JobID)
			if err != nil {
				return err
			}
			switch {
			case j.Active():
				return FieldErrors{"import": "The import is running."}
			case j.Status == JobDone:
				return FieldErrors{"import": "The import has ended; there is nothing to resume."}
			}
		}
		imp, err = s.queueImport(ctx, tx, tenant, id, "import.resume")
		return err
	})
	return imp, err
}

// ApplyImport starts applying the file of a dry run, with the dry run's
// options, as a new import. Returns FieldErrors when id is not a dry run.
func (s *Store) ApplyImport(ctx context.Context, tenant, id int64) (Import, error) {
	var imp Import
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		dry, err := getImport(ctx, s.in(tx), tenant, id)
		if err != nil {
			return err
		}
		if !dry.DryRun {
			return FieldErrors{"import": "Only a dry run is applied; this import changed the directory already."}
		}
		o := dry.ImportOptions
		o.DryRun = false
		nid, err := s.insertImport(ctx, tx, tenant, o, dry.FileName, dry.Format, dry.TotalRows)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_parts (import_id, seq, data)
			SELECT ?, seq, data FROM import_parts WHERE import_id = ?`, nid, id); err != nil {
			return fmt.Errorf("store: apply import: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET file_size = ?,
			repeated_keys = (SELECT repeated_keys FROM imports WHERE id = ?) WHERE id = ?`, dry.FileSize, id, nid); err != nil {
			return fmt.Errorf("store: apply import: %w", err)
		}
		imp, err = s.queueImport(ctx, tx, tenant, nid, "import.create")
		return err
	})
	return imp, err
}

// ImportRows returns up to limit of an import's recorded rows after the
// cursor id after, in order; errorsOnly keeps the errors.
func (s *Store) ImportRows(ctx context.Context, tenant, id, after int64, limit int, errorsOnly bool) ([]ImportRow, error) {
	if _, err := getImport(ctx, s.rd, tenant, id); err != nil {
		return nil, err
	}
	q := `SELECT id, row_no, username, action, column_name, message FROM import_rows WHERE import_id = ? AND id > ?`
	if errorsOnly {
		q += ` AND action = 'error'`
	}
	rows, err := s.rd.QueryContext(ctx, q+` ORDER BY id LIMIT ?`, id, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: import rows: %w", err)
	}
	return collect(rows, func(sc rowScanner) (ImportRow, error) {
		var r ImportRow
		return r, sc.Scan(&r.ID, &r.Row, &r.Username, &r.Action, &r.Column, &r.Message)
	})
}

// OpenImportFile reads an import's file from the database a part at a
// time (the runner's side: by id alone).
func (s *Store) OpenImportFile(ctx context.Context, id int64) io.Reader {
	return &importFile{ctx: ctx, s: s, id: id}
}

type importFile struct {
	ctx  context.Context
	s    *Store
	id   int64
	seq  int
	part []byte
	end  bool
}

func (f *importFile) Read(p []byte) (int, error) {
	for len(f.part) == 0 {
		if f.end {
			return 0, io.EOF
		}
		err := f.s.rd.QueryRowContext(f.ctx, `SELECT data FROM import_parts WHERE import_id = ? AND seq = ?`, f.id, f.seq).Scan(&f.part)
		if errors.Is(err, sql.ErrNoRows) {
			f.end = true
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("store: import file: %w", err)
		}
		f.seq++
	}
	n := copy(p, f.part)
	f.part = f.part[n:]
	return n, nil
}
