package session

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec encodes sessions, whose values are only int64s and strings,
// in a few bytes of varints: scs's default gob codec compiles a decoder for
// every request and was a tenth of a console page's CPU (make bench).
// Sessions written before it (gob) are still read.
type sessionCodec struct{}

// sessionMagic starts every session this codec writes; a gob stream never
// starts with it (its first byte is a length below 0x80 or a count of
// length bytes from 0xf8 up).
const sessionMagic = "\xa7rs1"

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	b := []byte(sessionMagic)
	b = binary.AppendVarint(b, deadline.UnixNano())
	for _, k := range slices.Sorted(maps.Keys(values)) {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		switch v := values[k].(type) {
		case int64:
			b = append(b, 'i')
			b = binary.AppendVarint(b, v)
		case string:
			b = append(b, 's')
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		default:
			return nil, fmt.Errorf("session value %q: %T is not stored (int64 and string are)", k, v)
		}
	}
	return b, nil
}

var errSessionFormat = errors.New("session: malformed data")

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) < len(sessionMagic) || string(b[:len(sessionMagic)]) != sessionMagic {
		return scs.GobCodec{}.Decode(b)
	}
	b = b[len(sessionMagic):]
	ns, n := binary.Varint(b)
	if n <= 0 {
		return time.Time{}, nil, errSessionFormat
	}
	b = b[n:]
	values := map[string]any{}
	text := func() (string, bool) {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return "", false
		}
		s := string(b[n : n+int(l)])
		b = b[n+int(l):]
		return s, true
	}
	for len(b) > 0 {
		k, ok := text()
		if !ok || len(b) == 0 {
			return time.Time{}, nil, errSessionFormat
		}
		typ := b[0]
		b = b[1:]
		switch typ {
		case 'i':
			v, n := binary.Varint(b)
			if n <= 0 {
				return time.Time{}, nil, errSessionFormat
			}
			values[k], b = v, b[n:]
		case 's':
			if values[k], ok = text(); !ok {
				return time.Time{}, nil, errSessionFormat
			}
		default:
			return time.Time{}, nil, errSessionFormat
		}
	}
	return time.Unix(0, ns), values, nil
}
