package store

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
)

// appendChanges appends ch as encoding/json writes it (keys sorted, HTML
// characters escaped): the changes of a batch's events are nearly all
// plain strings, booleans and nulls, which are written here as they are,
// while the reflection of encoding/json took some 6 % of an import chunk's
// CPU. Any other value is left to encoding/json.
func appendChanges(dst []byte, ch Changes) ([]byte, error) {
	dst = append(dst, '{')
	for i, k := range slices.Sorted(maps.Keys(ch)) {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendJSONValue(dst, k); err != nil {
			return nil, err
		}
		dst = append(dst, `:{"before":`...)
		if dst, err = appendJSONValue(dst, ch[k].Before); err != nil {
			return nil, err
		}
		dst = append(dst, `,"after":`...)
		if dst, err = appendJSONValue(dst, ch[k].After); err != nil {
			return nil, err
		}
		dst = append(dst, '}')
	}
	return append(dst, '}'), nil
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
