package store

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// appendChanges appends ch as encoding/json writes it (keys sorted, HTML
// characters escaped): the changes of a batch's events are nearly all
// plain strings, booleans and nulls, which are written here as they are,
// while the reflection of encoding/json took some 6 % of an import chunk's
// CPU. Any other value is left to encoding/json.
func appendChanges(dst []byte, ch Changes) ([]byte, error) {
	// The changes sorted by key, read from the map once; an event's few
	// fit the array, which stays on the stack.
	var room [32]keyedChange
	sorted := room[:0]
	for k, c := range ch {
		sorted = append(sorted, keyedChange{k, c})
	}
	slices.SortFunc(sorted, func(a, b keyedChange) int { return strings.Compare(a.key, b.key) })
	dst = append(dst, '{')
	for i, kc := range sorted {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendJSONValue(dst, kc.key); err != nil {
			return nil, err
		}
		dst = append(dst, `:{"before":`...)
		if dst, err = appendJSONValue(dst, kc.change.Before); err != nil {
			return nil, err
		}
		dst = append(dst, `,"after":`...)
		if dst, err = appendJSONValue(dst, kc.change.After); err != nil {
			return nil, err
		}
		dst = append(dst, '}')
	}
	return append(dst, '}'), nil
}

type keyedChange struct {
	key    string
	change Change
}

// appendJSONValue appends v as encoding/json writes it.
func appendJSONValue(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case string:
		if plainJSON(v) {
			dst = append(dst, '"')
			dst = append(dst, v...)
			return append(dst, '"'), nil
		}
	}
	js, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(dst, js...), nil
}

// plainJSON reports whether encoding/json writes s between quotes as it
// is: printable ASCII but for the quote, the backslash and the characters
// it escapes for HTML.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x80, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
