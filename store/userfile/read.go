package userfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// MaxLine is the longest JSON Lines line (and CSV record) a reader takes:
// a user is far smaller, and a file that is not one of users must not make
// the reader hold it whole.
const MaxLine = 1 << 20

// RowError is what is wrong with one cell (or, with no column, one row) of
// a file. Row 1 is the first user: the line after a CSV's header row, the
// first line of JSON Lines.
type RowError struct {
	Row     int
	Column  string
	Message string
}

func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	}
	return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Message)
}

// RowErrors are every error of one row; the reader goes on with the next.
type RowErrors []RowError

func (e RowErrors) Error() string {
	msgs := make([]string, len(e))
	for i, re := range e {
		msgs[i] = re.Error()
	}
	return strings.Join(msgs, "; ")
}

// Record is one row read: its number, the user, and the columns the row
// has (a CSV row has its header's; a JSON line the keys it holds, tags
// and properties as their "tag:" and "property:" columns). A column it
// lacks leaves that field of an existing user as it is.
type Record struct {
	Row     int
	User    Row
	Columns map[string]bool
}

// Has reports whether the record has the column.
func (r Record) Has(col string) bool { return r.Columns[col] }

// Reader reads a users' file a row at a time, holding one row in memory.
type Reader struct {
	format string
	row    int
	csv    *csv.Reader
	header []string
	cols   map[string]bool
	lines  *bufio.Reader
}

// NewReader starts reading a users' file: JSON Lines when its first
// character is "{", CSV otherwise. A CSV's header row is read and checked
// here: an error names what is wrong with it (an unknown or repeated
// column, no username column), and nothing of such a file is read.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	head, err := peekLine(br)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return &Reader{format: FormatJSONL, lines: br}, nil
	}
	rd := &Reader{format: FormatCSV, csv: csv.NewReader(br)}
	line, _, _ := bytes.Cut(head, []byte("\n"))
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		rd.csv.Comma = ';'
	}
	rd.csv.FieldsPerRecord = -1
	rd.csv.ReuseRecord = true
	header, err := rd.csv.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("The file is empty: it needs a header row naming its columns.")
	}
	if err != nil {
		return nil, fmt.Errorf("The header row cannot be read: %w", err)
	}
	rd.header = make([]string, len(header))
	rd.cols = map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if msg := checkColumn(h); msg != "" {
			return nil, fmt.Errorf("Column %d of the header row, %q: %s", i+1, h, msg)
		}
		if rd.cols[h] {
			return nil, fmt.Errorf("Column %q appears twice in the header row.", h)
		}
		rd.header[i], rd.cols[h] = h, true
	}
	if !rd.cols[ColUsername] {
		return nil, fmt.Errorf("The header row has no %s column; it is required.", ColUsername)
	}
	return rd, nil
}

// peekLine returns the start of the file up to its first line's end (or
// the buffer's size) without reading it.
func peekLine(br *bufio.Reader) ([]byte, error) {
	for n := 512; ; n *= 2 {
		b, err := br.Peek(min(n, br.Size()))
		if bytes.IndexByte(b, '\n') >= 0 || n >= br.Size() || errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Format is FormatCSV or FormatJSONL.
func (r *Reader) Format() string { return r.format }

// Header is a CSV's columns in the file's order; nil for JSON Lines,
// whose rows each name their own.
func (r *Reader) Header() []string { return r.header }

// checkColumn says why name is not a column of the format, or "".
func checkColumn(name string) string {
	switch {
	case slices.Contains(Columns, name):
		return ""
	case strings.HasPrefix(name, TagPrefix) && len(name) > len(TagPrefix),
		strings.HasPrefix(name, PropertyPrefix) && len(name) > len(PropertyPrefix):
		return ""
	}
	return "not a column of the users' file (the fixed columns, \"tag:\" and a key, or \"property:\" and a key)."
}

// Next returns the next row, or io.EOF after the last. A row with bad
// cells comes back with RowErrors naming each (the rest of its fields
// read as far as they could be); the reader goes on with the next row.
// Any other error ends the file.
func (r *Reader) Next() (Record, error) {
	if r.format == FormatJSONL {
		return r.nextJSON()
	}
	for {
		cells, err := r.csv.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				r.row++
				return Record{Row: r.row}, RowErrors{{Row: r.row, Message: "The CSV cannot be read here: " + pe.Err.Error()}}
			}
			return Record{}, err
		}
		if len(cells) == 1 && strings.TrimSpace(cells[0]) == "" {
			continue // a blank line
		}
		r.row++
		rec := Record{Row: r.row, Columns: r.cols}
		var errs RowErrors
		if len(cells) != len(r.header) {
			errs = append(errs, RowError{Row: r.row, Message: fmt.Sprintf("The row has %d cells; the header row has %d columns.", len(cells), len(r.header))})
		}
		for i, cell := range cells[:min(len(cells), len(r.header))] {
			if msg := setCell(&rec.User, r.header[i], cell); msg != "" {
				errs = append(errs, RowError{Row: r.row, Column: r.header[i], Message: msg})
			}
		}
		return rec, checkRow(rec, errs)
	}
}

func (r *Reader) nextJSON() (Record, error) {
	for {
		line, err := r.lines.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: read on to its end, up to MaxLine.
			long := slices.Clone(line)
			for errors.Is(err, bufio.ErrBufferFull) && len(long) <= MaxLine {
				line, err = r.lines.ReadSlice('\n')
				long = append(long, line...)
			}
			if len(long) > MaxLine {
				for errors.Is(err, bufio.ErrBufferFull) {
					_, err = r.lines.ReadSlice('\n')
				}
				r.row++
				return Record{Row: r.row}, RowErrors{{Row: r.row, Message: fmt.Sprintf("The line is longer than %d bytes.", MaxLine)}}
			}
			line = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return Record{}, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			if err != nil {
				return Record{}, io.EOF
			}
			continue
		}
		r.row++
		return r.decodeJSON(line)
	}
}

func (r *Reader) decodeJSON(line []byte) (Record, error) {
	rec := Record{Row: r.row, Columns: map[string]bool{}}
	var obj map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&obj); err != nil || obj == nil {
		return rec, RowErrors{{Row: r.row, Message: "The line is not a JSON object."}}
	}
	var errs RowErrors
	add := func(col, msg string) { errs = append(errs, RowError{Row: r.row, Column: col, Message: msg}) }
	for key, raw := range obj {
		switch key {
		case "tags":
			var tags map[string]*string
			if err := json.Unmarshal(raw, &tags); err != nil {
				add(key, "Tags must be an object of strings by key.")
				continue
			}
			for k, v := range tags {
				rec.Columns[TagPrefix+k] = true
				if rec.User.Tags == nil {
					rec.User.Tags = map[string]string{}
				}
				if v != nil { // JSON, unlike a CSV cell, holds an empty value
					rec.User.Tags[k] = *v
				}
			}
		case "properties":
			var props map[string]json.RawMessage
			if err := json.Unmarshal(raw, &props); err != nil {
				add(key, "Properties must be an object by key.")
				continue
			}
			for k, v := range props {
				col := PropertyPrefix + k
				rec.Columns[col] = true
				vs, ok := jsonValues(v)
				if !ok {
					add(col, "A property's value must be a string, number, boolean or an array of them.")
					continue
				}
				if len(vs) > 0 {
					if rec.User.Properties == nil {
						rec.User.Properties = map[string][]string{}
					}
					rec.User.Properties[k] = vs
				}
			}
		default:
			if !slices.Contains(Columns, key) {
				add(key, "Not a column of the users' file.")
				continue
			}
			rec.Columns[key] = true
			if msg := setJSON(&rec.User, key, raw); msg != "" {
				add(key, msg)
			}
		}
	}
	slices.SortFunc(errs, func(a, b RowError) int { return strings.Compare(a.Column, b.Column) })
	if !rec.Columns[ColUsername] {
		errs = append(errs, RowError{Row: r.row, Column: ColUsername, Message: "Every row needs a username."})
		return rec, errs
	}
	return rec, checkRow(rec, errs)
}

// checkRow adds the rules of a whole row to its cells' errors.
func checkRow(rec Record, errs RowErrors) error {
	if strings.TrimSpace(rec.User.Username) == "" && !slices.ContainsFunc(errs, func(e RowError) bool { return e.Column == ColUsername }) {
		errs = append(errs, RowError{Row: rec.Row, Column: ColUsername, Message: "Every row needs a username."})
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// jsonValues turns a JSON property value into its text values: none for
// null, one for a string, number or boolean, each item of an array.
func jsonValues(raw json.RawMessage) ([]string, bool) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		items = []json.RawMessage{raw}
	}
	var out []string
	for _, it := range items {
		var v any
		d := json.NewDecoder(bytes.NewReader(it))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return nil, false
		}
		switch v := v.(type) {
		case nil:
		case string:
			out = append(out, v)
		case json.Number:
			out = append(out, v.String())
		case bool:
			out = append(out, fmt.Sprint(v))
		default:
			return nil, false
		}
	}
	return out, true
}

// setJSON sets a fixed column from its JSON value: a string (or, for the
// list columns, an array of strings; for the boolean ones, a boolean),
// null being an empty cell.
func setJSON(u *Row, col string, raw json.RawMessage) string {
	if string(bytes.TrimSpace(raw)) == "null" {
		return setCell(u, col, "")
	}
	switch col {
	case ColRequiredActions, ColGroups:
		var items []string
		if err := json.Unmarshal(raw, &items); err != nil {
			return "Must be an array of strings."
		}
		if col == ColGroups {
			u.Groups = items
		} else {
			u.RequiredActions = items
		}
		return ""
	case ColEmailVerified, ColPhoneVerified:
		var b bool
		if err := json.Unmarshal(raw, &b); err == nil {
			setBool(u, col, b)
			return ""
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "Must be a string."
	}
	return setCell(u, col, s)
}

func setBool(u *Row, col string, b bool) {
	if col == ColEmailVerified {
		u.EmailVerified = b
	} else {
		u.PhoneVerified = b
	}
}

// setCell sets the field of col from a cell's text, and says why the
// cell cannot be read, or "". An empty cell is no value.
func setCell(u *Row, col, cell string) string {
	switch {
	case strings.HasPrefix(col, TagPrefix):
		if u.Tags == nil {
			u.Tags = map[string]string{}
		}
		if cell != "" {
			u.Tags[col[len(TagPrefix):]] = cell
		}
		return ""
	case strings.HasPrefix(col, PropertyPrefix):
		if cell == "" {
			return ""
		}
		if u.Properties == nil {
			u.Properties = map[string][]string{}
		}
		u.Properties[col[len(PropertyPrefix):]] = SplitList(cell)
		return ""
	}
	if p := textField(u, col); p != nil {
		*p = cell
		return ""
	}
	switch col {
	case ColEmailVerified, ColPhoneVerified:
		switch strings.ToLower(strings.TrimSpace(cell)) {
		case "", "false":
			setBool(u, col, false)
		case "true":
			setBool(u, col, true)
		default:
			return "Must be true or false."
		}
	case ColAccountExpiresAt, ColAutoLockAt:
		var t *time.Time
		if strings.TrimSpace(cell) != "" {
			v, err := time.Parse(time.RFC3339, strings.TrimSpace(cell))
			if err != nil {
				return "Must be a time in RFC 3339 form, such as 2027-01-31T18:00:00Z."
			}
			t = &v
		}
		if col == ColAccountExpiresAt {
			u.AccountExpiresAt = t
		} else {
			u.AutoLockAt = t
		}
	case ColRequiredActions:
		u.RequiredActions = SplitList(cell)
	case ColGroups:
		u.Groups = SplitList(cell)
	case ColOrgUnit:
		path, msg := SplitPath(cell)
		if msg != "" {
			return msg
		}
		u.OrgUnit = path
	}
	return ""
}

// textField is the field of a text column, or nil. A switch, not a map
// built for each cell: that map was a sixth of an import's CPU time.
func textField(u *Row, col string) *string {
	switch col {
	case ColUsername:
		return &u.Username
	case ColExternalID:
		return &u.ExternalID
	case ColEmail:
		return &u.Email
	case ColDisplayName:
		return &u.DisplayName
	case ColDescription:
		return &u.Description
	case ColPhoneRegion:
		return &u.PhoneRegion
	case ColPhoneNumber:
		return &u.PhoneNumber
	case ColStatus:
		return &u.Status
	case ColUserType:
		return &u.UserType
	case ColLanguage:
		return &u.Language
	case ColTimezone:
		return &u.Timezone
	}
	return nil
}

// SplitList splits a list cell into its items at each "|" that no "\"
// escapes, unescaping them; an empty cell is no items.
func SplitList(cell string) []string {
	return split(cell, '|')
}

// SplitPath splits an org unit's path ("Sales/EMEA/Berlin") into its
// names; a "/" in a name is escaped with a "\". Empty is the root (no
// names); an empty name between two "/" is refused.
func SplitPath(cell string) ([]string, string) {
	cell = strings.TrimSpace(cell)
	names := split(cell, '/')
	for i, n := range names {
		names[i] = strings.TrimSpace(n)
		if names[i] == "" {
			return nil, "An org unit path names units from the top down, separated by \"/\", none of them empty."
		}
	}
	return names, ""
}

func split(cell string, sep byte) []string {
	if cell == "" {
		return nil
	}
	var out []string
	var b strings.Builder
	for i := 0; i < len(cell); i++ {
		switch c := cell[i]; {
		case c == '\\' && i+1 < len(cell):
			i++
			b.WriteByte(cell[i])
		case c == sep:
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(out, b.String())
}
