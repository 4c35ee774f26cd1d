package request

import (
	"errors"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/store"
)

// Upload is a users' file a request sent, spooled to a temporary file so
// it can be read twice (checked, then stored) without being held in
// memory, and the request's fields besides it.
type Upload struct {
	Name   string
	File   *os.File
	Fields url.Values
}

// Close removes the temporary file.
func (u *Upload) Close() {
	if u.File != nil {
		u.File.Close()
		os.Remove(u.File.Name())
	}
}

// SpoolUpload reads a file sent as a multipart form's "file" part (its
// other parts are fields) or as the whole body, and the query's fields.
// Fields of the form win over the query's.
func SpoolUpload(c echo.Context) (*Upload, error) {
	r := c.Request()
	u := &Upload{Fields: url.Values{}}
	for k, vs := range r.URL.Query() {
		u.Fields[k] = vs
	}
	f, err := os.CreateTemp("", "roster-upload-*")
	if err != nil {
		return nil, err
	}
	u.File = f
	mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEMultipartForm {
		u.Name = u.Fields.Get("file_name")
		if _, err := io.Copy(f, r.Body); err != nil {
			u.Close()
			return nil, err
		}
		return u, u.rewind()
	}
	if r.MultipartForm != nil {
		return u, u.parsed(r.MultipartForm)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		u.Close()
		return nil, &ParamError{Field: "file", Msg: "The multipart form cannot be read."}
	}
	found := false
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			u.Close()
			return nil, &ParamError{Field: "file", Msg: "The multipart form cannot be read."}
		}
		if p.FormName() == "file" && !found {
			found, u.Name = true, p.FileName()
			if _, err := io.Copy(f, p); err != nil {
				u.Close()
				return nil, err
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(p, 4096))
		if err != nil {
			u.Close()
			return nil, err
		}
		u.Fields.Set(p.FormName(), string(v))
	}
	if !found {
		u.Close()
		return nil, store.FieldErrors{"file": "Choose a users' file (CSV or JSON Lines) to import."}
	}
	return u, u.rewind()
}

// parsed takes the file and fields of a form parsed already (the
// console's CSRF check reads its token from the form).
func (u *Upload) parsed(form *multipart.Form) error {
	for k, vs := range form.Value {
		u.Fields[k] = vs
	}
	fhs := form.File["file"]
	if len(fhs) == 0 {
		u.Close()
		return store.FieldErrors{"file": "Choose a users' file (CSV or JSON Lines) to import."}
	}
	f, err := fhs[0].Open()
	if err != nil {
		u.Close()
		return err
	}
	defer f.Close()
	u.Name = fhs[0].Filename
	if _, err := io.Copy(u.File, f); err != nil {
		u.Close()
		return err
	}
	return u.rewind()
}

// OnlyFields refuses a field (of the query or the form) not among names,
// naming it: a misspelt option would otherwise be ignored without a word.
func (u *Upload) OnlyFields(names ...string) error {
	for _, k := range slices.Sorted(maps.Keys(u.Fields)) {
		if !slices.Contains(names, k) {
			return &ParamError{Field: k, Msg: "Unknown parameter " + k + "; this request takes " + strings.Join(names, ", ") + "."}
		}
	}
	return nil
}

func (u *Upload) rewind() error {
	_, err := u.File.Seek(0, io.SeekStart)
	return err
}

// ImportOptions reads an import's options from an upload's fields:
// source, and the booleans dry_run, sync and create_org_units (true,
// false, 1, 0, or on as a checkbox sends it).
func (u *Upload) ImportOptions() (store.ImportOptions, error) {
	o := store.ImportOptions{Source: strings.TrimSpace(u.Fields.Get("source"))}
	for name, dst := range map[string]*bool{"dry_run": &o.DryRun, "sync": &o.Sync, "create_org_units": &o.CreateOrgUnits} {
		v := strings.TrimSpace(u.Fields.Get(name))
		if v == "" {
			continue
		}
		b, err := strconv.ParseBool(v)
		if v == "on" {
			b, err = true, nil
		}
		if err != nil {
			return o, &ParamError{Field: name, Msg: name + " must be true or false."}
		}
		*dst = b
	}
	return o, nil
}
