package userfile

import (
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// A CSV row is appended to one buffer, cell by cell, and written at once:
// an export writes millions of cells, and encoding/csv wants each as a
// string of its own (a list's cell built only to be copied). The cells
// come out exactly as encoding/csv writes them (comma-separated, "\n"
// line ends).

// appendCSVRecord appends cells as one row.
func appendCSVRecord(dst []byte, cells []string) []byte {
	for i, c := range cells {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendCell(dst, c)
	}
	return append(dst, '\n')
}

// appendCell appends a cell, quoted when encoding/csv would quote it:
// when it holds a comma, a quote or a line break, starts with a space, or
// is `\.` (which PostgreSQL's COPY reads as the end of its data).
func appendCell[T string | []byte](dst []byte, cell T) []byte {
	if !needsQuotes(cell) {
		return append(dst, cell...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(cell); i++ {
		if cell[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, cell[i])
	}
	return append(dst, '"')
}

func needsQuotes[T string | []byte](cell T) bool {
	if len(cell) == 0 {
		return false
	}
	if string(cell) == `\.` {
		return true
	}
	for i := 0; i < len(cell); i++ {
		if c := cell[i]; c == '\n' || c == '\r' || c == '"' || c == ',' {
			return true
		}
	}
	if cell[0] < utf8.RuneSelf {
		return unicode.IsSpace(rune(cell[0]))
	}
	r, _ := utf8.DecodeRuneInString(string(cell[:min(len(cell), utf8.UTFMax)]))
	return unicode.IsSpace(r)
}

// appendListCell appends a list (or, with sep '/', an org unit's path) as
// one cell (see JoinList), built in *scratch.
func appendListCell(dst []byte, scratch *[]byte, items []string, sep byte) []byte {
	*scratch = appendJoin((*scratch)[:0], items, sep)
	return appendCell(dst, *scratch)
}

// appendTimeCell appends a time as timeCell writes it (never quoted).
func appendTimeCell(dst []byte, t *time.Time) []byte {
	if t == nil {
		return dst
	}
	return t.UTC().AppendFormat(dst, time.RFC3339Nano)
}

// appendCSVRow appends r as a row of w's columns.
func (w *Writer) appendCSVRow(dst []byte, r Row) []byte {
	for i, c := range []string{r.Username, r.ExternalID, r.Email} {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendCell(dst, c)
	}
	dst = strconv.AppendBool(append(dst, ','), r.EmailVerified)
	for _, c := range []string{r.DisplayName, r.Description, r.PhoneRegion, r.PhoneNumber} {
		dst = appendCell(append(dst, ','), c)
	}
	dst = strconv.AppendBool(append(dst, ','), r.PhoneVerified)
	for _, c := range []string{r.Status, r.UserType, r.Language, r.Timezone} {
		dst = appendCell(append(dst, ','), c)
	}
	dst = appendTimeCell(append(dst, ','), r.AccountExpiresAt)
	dst = appendTimeCell(append(dst, ','), r.AutoLockAt)
	dst = appendListCell(append(dst, ','), &w.cell, r.RequiredActions, '|')
	dst = appendListCell(append(dst, ','), &w.cell, r.OrgUnit, '/')
	dst = appendListCell(append(dst, ','), &w.cell, r.Groups, '|')
	for _, t := range w.tags {
		dst = appendCell(append(dst, ','), r.Tags[t])
	}
	for _, p := range w.props {
		// Every property's cell is a list, one item unless a multiselect:
		// a reader needs no property's type to read it.
		dst = appendListCell(append(dst, ','), &w.cell, r.Properties[p.Key], '|')
	}
	return append(dst, '\n')
}
