package store

import (
	"errors"
	"sort"
	"strings"
)

var (
	// ErrNotFound means the object does not exist in the caller's tenant.
	// Objects of other tenants are reported this way too, never as forbidden.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a uniqueness rule was hit.
	ErrConflict = errors.New("already exists")
	// ErrInvalidCredentials means a sign-in or key check failed; it never says
	// which part was wrong.
	ErrInvalidCredentials = errors.New("invalid credentials")
)

// FieldErrors maps a field name to a message the person can act on. The store
// returns it for rule violations it owns (an alias already taken, the last
// owner); handlers return it from form and JSON validation.
type FieldErrors map[string]string

func (fe FieldErrors) Error() string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+fe[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// First returns the first field (in name order) and its message, so an API
// error can name one field.
func (fe FieldErrors) First() (field, msg string) {
	for k := range fe {
		if field == "" || k < field {
			field = k
		}
	}
	return field, fe[field]
}

// conflictError is a uniqueness violation on a named field: errors.Is
// matches ErrConflict and errors.As finds the FieldErrors naming the field.
type conflictError struct{ fe FieldErrors }

func (e conflictError) Error() string   { return e.fe.Error() }
func (e conflictError) Unwrap() []error { return []error{e.fe, ErrConflict} }

// conflict reports that field's value is already taken.
func conflict(field, msg string) error {
	return conflictError{FieldErrors{field: msg}}
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
// constraint failure of either engine; the one place that maps driver codes
// to ErrConflict.
func isUniqueViolation(err error) bool {
	return isSQLiteUniqueViolation(err) || isPostgresUniqueViolation(err)
}
