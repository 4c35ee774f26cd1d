package userfile

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Formats lists the formats, in the order offered.
var Formats = []string{FormatCSV, FormatJSONL}

// Property is a custom property's column: its key, and its type (one of
// the store's property types), which says how a value is written: a
// multiselect's values as a list, a number as a JSON number, a boolean
// as a JSON boolean, anything else as text.
type Property struct {
	Key  string
	Type string
}

// Writer writes users one row at a time in a format, buffered: a row is
// in w once Flush returns.
type Writer struct {
	out   *bufio.Writer
	csv   bool
	tags  []string
	props []Property
	types map[string]string // property type by key
	cell  []byte            // a list's cell being built
}

// NewWriter starts a file of format on w. For CSV it writes the header:
// the fixed Columns, a column per tag key of tags, a column per property
// of props, in the order given. JSON Lines needs no header; tags and
// props only give the properties' types there.
func NewWriter(w io.Writer, format string, tags []string, props []Property) (*Writer, error) {
	wr := &Writer{out: bufio.NewWriterSize(w, 64<<10), tags: tags, props: props, types: map[string]string{}}
	for _, p := range props {
		wr.types[p.Key] = p.Type
	}
	switch format {
	case FormatJSONL:
		return wr, nil
	case FormatCSV:
	default:
		return nil, fmt.Errorf("userfile: unknown format %q (csv or jsonl)", format)
	}
	wr.csv = true
	header := append([]string{}, Columns...)
	for _, t := range tags {
		header = append(header, TagPrefix+t)
	}
	for _, p := range props {
		header = append(header, PropertyPrefix+p.Key)
	}
	_, err := wr.out.Write(appendCSVRecord(wr.out.AvailableBuffer(), header))
	return wr, err
}

// Write adds one row, and keeps nothing of it. In CSV, a tag or property
// the header has no column for is left out.
func (w *Writer) Write(r Row) error {
	if !w.csv {
		return w.writeJSON(r)
	}
	// A row longer than what is left of the buffer is built apart and
	// copied in.
	_, err := w.out.Write(w.appendCSVRow(w.out.AvailableBuffer(), r))
	return err
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error {
	return w.out.Flush()
}

// jsonRow is a row as a JSON Lines object, keyed by the column names.
type jsonRow struct {
	Username         string            `json:"username"`
	ExternalID       string            `json:"external_id"`
	Email            string            `json:"email"`
	EmailVerified    bool              `json:"email_verified"`
	DisplayName      string            `json:"display_name"`
	Description      string            `json:"description"`
	PhoneRegion      string            `json:"phone_region"`
	PhoneNumber      string            `json:"phone_number"`
	PhoneVerified    bool              `json:"phone_verified"`
	Status           string            `json:"status"`
	UserType         string            `json:"user_type"`
	Language         string            `json:"language"`
	Timezone         string            `json:"timezone"`
	AccountExpiresAt *string           `json:"account_expires_at"`
	AutoLockAt       *string           `json:"auto_lock_at"`
	RequiredActions  []string          `json:"required_actions"`
	OrgUnit          string            `json:"org_unit"`
	Groups           []string          `json:"groups"`
	Tags             map[string]string `json:"tags"`
	Properties       map[string]any    `json:"properties"`
}

func (w *Writer) writeJSON(r Row) error {
	j := jsonRow{Username: r.Username, ExternalID: r.ExternalID, Email: r.Email, EmailVerified: r.EmailVerified,
		DisplayName: r.DisplayName, Description: r.Description, PhoneRegion: r.PhoneRegion, PhoneNumber: r.PhoneNumber,
		PhoneVerified: r.PhoneVerified, Status: r.Status, UserType: r.UserType, Language: r.Language,
		Timezone: r.Timezone, AccountExpiresAt: timeJSON(r.AccountExpiresAt), AutoLockAt: timeJSON(r.AutoLockAt),
		RequiredActions: nonNil(r.RequiredActions), OrgUnit: JoinPath(r.OrgUnit), Groups: nonNil(r.Groups),
		Tags: r.Tags, Properties: make(map[string]any, len(r.Properties))}
	if j.Tags == nil {
		j.Tags = map[string]string{}
	}
	for k, vals := range r.Properties {
		j.Properties[k] = w.propertyJSON(k, vals)
	}
	b, err := json.Marshal(&j)
	if err != nil {
		return err
	}
	if _, err := w.out.Write(b); err != nil {
		return err
	}
	return w.out.WriteByte('\n')
}

// propertyJSON is a property's value as JSON: a list for a multiselect,
// else its one value as a number, a boolean or a string.
func (w *Writer) propertyJSON(key string, vals []string) any {
	typ := w.types[key]
	if typ == "multiselect" {
		return nonNil(vals)
	}
	if len(vals) == 0 {
		return nil
	}
	switch typ {
	case "number":
		// The store's canonical text of a number is valid JSON as it is.
		if _, err := strconv.ParseFloat(vals[0], 64); err == nil {
			return json.Number(vals[0])
		}
	case "boolean":
		if b, err := strconv.ParseBool(vals[0]); err == nil {
			return b
		}
	}
	return vals[0]
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// timeCell is t in RFC 3339, in UTC, with as many fractional digits as it
// has (none for a whole second); "" for no time.
func timeCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func timeJSON(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := timeCell(t)
	return &s
}

// JoinList is a list as one cell: the items joined by "|", each "|" or
// "\" inside an item escaped with a "\". No items is an empty cell.
func JoinList(items []string) string {
	return join(items, '|')
}

// JoinPath is an org unit's path (names below the root) as one cell: the
// names joined by "/", each "/" or "\" inside a name escaped with a "\".
// The root is an empty cell.
func JoinPath(names []string) string {
	return join(names, '/')
}

func join(items []string, sep byte) string {
	return string(appendJoin(nil, items, sep))
}

func appendJoin(dst []byte, items []string, sep byte) []byte {
	for i, it := range items {
		if i > 0 {
			dst = append(dst, sep)
		}
		for j := 0; j < len(it); j++ {
			if c := it[j]; c == sep || c == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, it[j])
		}
	}
	return dst
}
