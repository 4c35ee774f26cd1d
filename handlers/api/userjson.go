package api

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// writeJSON sends b, an encoded JSON document, in one write.
func writeJSON(c echo.Context, code int, b []byte) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	c.Response().WriteHeader(code)
	_, err := c.Response().Write(b)
	return err
}

// sendUsers answers with a list of users, or with one user when one is set.
func sendUsers(c echo.Context, code int, build func([]byte) []byte) error {
	bp := jsonBufs.Get().(*[]byte)
	b := build((*bp)[:0])
	err := writeJSON(c, code, b)
	if cap(b) <= 1<<20 { // a huge page once must not be kept forever
		*bp = b
		jsonBufs.Put(bp)
	}
	return err
}

// appendUserListEnd writes what follows a list's items, as encoding/json
// writes a list of users: apiList's fields, prev_token and sorted_by.
func appendUserListEnd(b []byte, total int, capped bool, next, prev, sortedBy string) []byte {
	b = append(b, `],"total_count":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	if capped {
		b = append(b, `,"total_count_capped":true`...)
	}
	if next != "" {
		b = append(b, `,"next_token":`...)
		b = appendString(b, next)
	}
	if prev != "" {
		b = append(b, `,"prev_token":`...)
		b = appendString(b, prev)
	}
	b = append(b, `,"sorted_by":`...)
	b = appendString(b, sortedBy)
	return append(b, "}\n"...)
}

// appendUser writes u as encoding/json writes an apiUser, in the parts a
// listed user is cached in (listedUser): the head, the lock, the body,
// joined_at and the tail.
func appendUser(b []byte, u *apiUser) []byte {
	b = appendUserHead(b, u)
	b = appendUserLock(b, u)
	b = appendUserBody(b, u)
	if u.JoinedAt != nil {
		b = appendTimePtr(b, "joined_at", u.JoinedAt)
	}
	return appendUserTail(b, u)
}

// appendUserHead writes u's fields before locked.
func appendUserHead(b []byte, u *apiUser) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, u.ID)
	b = appendField(b, "username", u.Username)
	b = appendField(b, "display_name", u.DisplayName)
	b = appendField(b, "description", u.Description)
	b = appendField(b, "email", u.Email)
	b = appendBool(b, "email_verified", u.EmailVerified)
	b = appendField(b, "phone_region", u.PhoneRegion)
	b = appendField(b, "phone_number", u.PhoneNumber)
	b = appendBool(b, "phone_verified", u.PhoneVerified)
	return appendField(b, "status", u.Status)
}

// appendUserLock writes locked and the lock's details, which depend on
// the time.
func appendUserLock(b []byte, u *apiUser) []byte {
	b = appendBool(b, "locked", u.Locked)
	b = appendTimePtr(b, "lock_until", u.LockUntil)
	b = append(b, `,"lock_reason":`...)
	return appendStringPtr(b, u.LockReason)
}

// appendUserBody writes u's fields from auto_lock_at to properties.
func appendUserBody(b []byte, u *apiUser) []byte {
	b = appendTimePtr(b, "auto_lock_at", u.AutoLockAt)
	b = appendField(b, "owner_type", u.OwnerType)
	b = appendTimePtr(b, "account_expires_at", u.AccountExpiresAt)
	b = appendTimePtr(b, "password_expires_at", u.PasswordExpiresAt)
	b = appendBool(b, "password_set", u.PasswordSet)
	b = append(b, `,"required_actions":`...)
	b = appendStrings(b, u.RequiredActions)
	b = appendField(b, "user_type", u.UserType)
	b = appendField(b, "source_type", u.SourceType)
	b = appendField(b, "source_id", u.SourceID)
	b = append(b, `,"external_id":`...)
	b = appendStringPtr(b, u.ExternalID)
	b = appendField(b, "language", u.Language)
	b = appendField(b, "timezone", u.Timezone)
	b = append(b, `,"tags":`...)
	if u.Tags == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(u.Tags)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, u.Tags[k])
		}
		b = append(b, '}')
	}
	b = appendField(b, "org_unit_id", u.OrgUnitID)
	if len(u.Groups) > 0 {
		b = append(b, `,"groups":[`...)
		for i, g := range u.Groups {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendString(b, g.ID)
			b = appendField(b, "name", g.Name)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"properties":`...)
	return appendProperties(b, u.Properties)
}

// appendUserTail writes u's fields after joined_at, and the object's end.
func appendUserTail(b []byte, u *apiUser) []byte {
	b = appendTimePtr(b, "registered_at", u.RegisteredAt)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, u.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, u.UpdatedAt)
	b = appendTimePtr(b, "last_login_at", u.LastLoginAt)
	return append(b, '}')
}

func appendField(b []byte, name, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

func appendBool(b []byte, name string, v bool) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendBool(b, v)
}

func appendTimePtr(b []byte, name string, t *time.Time) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	if t == nil {
		return append(b, "null"...)
	}
	return appendTime(b, *t)
}

// appendTime writes t as time.Time.MarshalJSON does.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendProperties writes the typed values of PropertyValue.JSON: text,
// numbers, booleans and lists of text, keys sorted as encoding/json does.
func appendProperties(b []byte, props map[string]any) []byte {
	if props == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		switch v := props[k].(type) {
		case string:
			b = appendString(b, v)
		case bool:
			b = strconv.AppendBool(b, v)
		case []string:
			b = appendStrings(b, v)
		case float64:
			b = appendFloat(b, v)
		default:
			enc, err := json.Marshal(v)
			if err != nil {
				enc = []byte("null")
			}
			b = append(b, enc...)
		}
	}
	return append(b, '}')
}

// appendFloat writes f as encoding/json does (ES6 number formatting).
func appendFloat(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(b, "null"...) // never stored: numbers are validated
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString writes s quoted and escaped as encoding/json does by
// default: HTML's <, > and & escaped, invalid UTF-8 replaced, U+2028 and
// U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// sendUser answers with one user object.
func sendUser(c echo.Context, code int, u *apiUser) error {
	return sendUsers(c, code, func(b []byte) []byte { return append(appendUser(b, u), '\n') })
}
