package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Paging limits of spec §2.
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
	q := "SELECT count(*) FROM (" + query + " LIMIT " + strconv.Itoa(CountCap+1) + ")"
	if err := s.r.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
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
