package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Paging limits: pages of up to MaxPageSize, DefaultPageSize when unasked.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	// CountCap bounds exact counting: past it a list says "10,000+" instead of
	// walking every matching row on each request.
	CountCap = 10000
)

// ErrBadCursor means a next_token was not one this server issued.
var ErrBadCursor = errors.New("malformed cursor")

// Page selects one page of a list: by cursor (Cursor, from a previous List's
// Next) or by 1-based page Number. Size is the page length.
type Page struct {
	Cursor string
	Number int
	Size   int
}

func (p Page) limit() int {
	if p.Size <= 0 {
		return DefaultPageSize
	}
	return min(p.Size, MaxPageSize)
}

func (p Page) offset() int {
	if p.Number <= 1 {
		return 0
	}
	return (p.Number - 1) * p.limit()
}

// List is one page of results. Next is empty on the last page. Total counts
// every match up to CountCap; TotalCapped says the real number is larger.
type List[T any] struct {
	Items       []T
	Next        string
	Total       int
	TotalCapped bool
}

// count counts the rows of query (a SELECT of matching rows) up to CountCap.
func (s *Store) count(ctx context.Context, query string, args []any) (n int, capped bool, err error) {
	q := "SELECT count(*) FROM (" + query + " LIMIT " + strconv.Itoa(CountCap+1) + ") AS matched"
	if err := s.rd.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, false, err
	}
	if n > CountCap {
		return CountCap, true, nil
	}
	return n, false, nil
}

// Cursors are opaque to clients: base64url of the key values that the next
// page starts after, prefixed with a version letter.
func encodeIDCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("1:" + strconv.FormatInt(id, 10)))
}

func decodeIDCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, fmt.Errorf("store: %w", ErrBadCursor)
	}
	v, ok := strings.CutPrefix(string(b), "1:")
	if !ok {
		return 0, fmt.Errorf("store: %w", ErrBadCursor)
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("store: %w", ErrBadCursor)
	}
	return id, nil
}

// nameCursor is where a page of a name-ordered list starts: after the row
// with this name and id.
func encodeNameCursor(name string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("n1\x00" + strconv.FormatInt(id, 10) + "\x00" + name))
}

func decodeNameCursor(c string) (string, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, fmt.Errorf("store: %w", ErrBadCursor)
	}
	parts := strings.SplitN(string(b), "\x00", 3)
	if len(parts) != 3 || parts[0] != "n1" {
		return "", 0, fmt.Errorf("store: %w", ErrBadCursor)
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || id <= 0 {
		return "", 0, fmt.Errorf("store: %w", ErrBadCursor)
	}
	return parts[2], id, nil
}

// NameFilter narrows a name-ordered list (org units, groups, resource
// groups) to names containing Name, without case.
type NameFilter struct {
	Name string
	Page Page
}

// named is a list query ordered by a name column then id: the directory's
// org units, groups, properties and resource groups all page this way.
// from is "table alias", where the conditions (values bound by args), cols
// the selected columns.
type named[T any] struct {
	cols, from, nameCol, idCol string
	where                      []string
	args                       []any
	scan                       func(rowScanner) (T, error)
	key                        func(T) (string, int64)
}

type rowScanner interface{ Scan(...any) error }

// search returns one page of the rows whose name contains f.Name (a
// tenant has thousands of these, not millions: a scan of its names is
// cheap and finds any part of a name).
func (n named[T]) search(ctx context.Context, s *Store, f NameFilter) (List[T], error) {
	if f.Name != "" {
		fe := FieldErrors{}
		if checkText(fe, "name", "Name", f.Name, 64); len(fe) > 0 {
			return List[T]{}, fe
		}
		n.where, n.args = append(slices.Clone(n.where), n.nameCol+` `+s.like()+` ? ESCAPE '\'`), append(slices.Clone(n.args), likeContains(f.Name))
	}
	return n.list(ctx, s, f.Page)
}

// list returns one page by keyset on (name, id), with the count capped at
// CountCap.
func (n named[T]) list(ctx context.Context, s *Store, p Page) (List[T], error) {
	where := strings.Join(n.where, " AND ")
	out := List[T]{Items: []T{}}
	args := slices.Clone(n.args)
	q := `SELECT ` + n.cols + ` FROM ` + n.from + ` WHERE ` + where
	limit := p.limit()
	if p.Cursor != "" {
		name, id, err := decodeNameCursor(p.Cursor)
		if err != nil {
			return out, err
		}
		q += ` AND (` + n.nameCol + `, ` + n.idCol + `) > (?, ?)`
		args = append(args, name, id)
	}
	q += ` ORDER BY ` + n.nameCol + `, ` + n.idCol + ` LIMIT ? OFFSET ?`
	off := 0
	if p.Cursor == "" {
		off = p.offset()
	}
	args = append(args, limit+1, off)
	stmt, err := s.read(ctx, q)
	if err != nil {
		return out, fmt.Errorf("store: list: %w", err)
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return out, fmt.Errorf("store: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		it, err := n.scan(rows)
		if err != nil {
			return out, fmt.Errorf("store: list: %w", err)
		}
		out.Items = append(out.Items, it)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("store: list: %w", err)
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		out.Next = encodeNameCursor(n.key(out.Items[limit-1]))
	}
	// A first page that is not full is its own count: most layers of a
	// tree and most tenants' groups fit on one.
	if p.Cursor == "" && off == 0 && out.Next == "" {
		out.Total = len(out.Items)
		return out, nil
	}
	if out.Total, out.TotalCapped, err = s.count(ctx, `SELECT 1 FROM `+n.from+` WHERE `+where, n.args); err != nil {
		return out, fmt.Errorf("store: count: %w", err)
	}
	return out, nil
}

// greatest is the function returning the largest of its arguments: SQLite's
// scalar max, PostgreSQL's greatest.
func (s *Store) greatest() string {
	if s.pg {
		return "greatest"
	}
	return "max"
}

// like is the operator matching a pattern without case: SQLite's LIKE
// ignores ASCII case, PostgreSQL's ILIKE is that.
func (s *Store) like() string {
	if s.pg {
		return "ILIKE"
	}
	return "LIKE"
}

// likeContains is a LIKE pattern matching names that contain s, for the
// directory's name searches: LIKE compares ASCII without case and scans a
// tenant's few thousand names faster than lower() on each.
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
