package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PropertyValue is a user's value of one property: Values holds one
// canonical text for single-valued types and the chosen option values for
// multiselect. Property is the tenant's definition, shared by every value
// of that property a store decodes: read it, never change it.
type PropertyValue struct {
	Property *Property
	Values   []string
}

// JSON returns the value as the API shows it: a number, a boolean, a list
// for multiselect, a string otherwise.
func (v PropertyValue) JSON() any {
	switch v.Property.Type {
	case "multiselect":
		return v.Values
	case "number":
		f, _ := strconv.ParseFloat(v.Values[0], 64)
		return f
	case "boolean":
		return v.Values[0] == "true"
	}
	return v.Values[0]
}

// canonical checks values against p's type and returns what is stored:
// option ids for select types, canonical text otherwise.
func canonical(p Property, values []string) (optionIDs []int64, text string, msg string) {
	if len(values) == 0 {
		return nil, "", "A value is required."
	}
	if p.Type != "multiselect" && len(values) > 1 {
		return nil, "", fmt.Sprintf("%s takes one value.", p.Label())
	}
	v := strings.TrimSpace(values[0])
	switch p.Type {
	case "text":
		if v == "" || !cleanText(v) || len([]rune(v)) > 256 {
			return nil, "", "Text must be 1-256 characters without control characters."
		}
		return nil, v, ""
	case "number":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, "", fmt.Sprintf("%q is not a number.", v)
		}
		return nil, strconv.FormatFloat(f, 'f', -1, 64), ""
	case "boolean":
		switch strings.ToLower(v) {
		case "true", "yes", "1", "on":
			return nil, "true", ""
		case "false", "no", "0", "off":
			return nil, "false", ""
		}
		return nil, "", fmt.Sprintf("%q is not true or false.", v)
	case "date":
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return nil, "", fmt.Sprintf("%q is not a date like 2026-11-23.", v)
		}
		return nil, d.Format(time.DateOnly), ""
	}
	for _, raw := range values {
		raw = strings.TrimSpace(raw)
		i := slices.IndexFunc(p.Options, func(o PropertyOption) bool { return o.Value == raw })
		if i < 0 {
			return nil, "", fmt.Sprintf("%q is not one of the values of %s.", raw, p.Label())
		}
		if !slices.Contains(optionIDs, p.Options[i].ID) {
			optionIDs = append(optionIDs, p.Options[i].ID)
		}
	}
	return optionIDs, "", ""
}

// SetUserProperty replaces a user's value of the property with key.
func (s *Store) SetUserProperty(ctx context.Context, tenant, user int64, key string, values []string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := getUser(ctx, s.in(tx), tenant, user); err != nil {
			return err
		}
		p, err := getProperty(ctx, s.in(tx), tenant, 0, key)
		if err != nil {
			return err
		}
		msg, err := s.setUserProperty(ctx, tx, p, user, values)
		if msg != "" {
			return FieldErrors{"value": msg}
		}
		return err
	})
}

// SetUserProperties sets several of a user's properties at once, by key:
// no values clears one (refused for a required property). Any invalid
// value refuses them all, with FieldErrors keyed by property key.
func (s *Store) SetUserProperties(ctx context.Context, tenant, user int64, values map[string][]string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := getUser(ctx, s.in(tx), tenant, user); err != nil {
			return err
		}
		return s.setUserProperties(ctx, tx, tenant, user, values)
	})
}

// setUserProperties is SetUserProperties inside tx, for a user of tenant.
func (s *Store) setUserProperties(ctx context.Context, tx *sql.Tx, tenant, user int64, values map[string][]string) error {
	fe := FieldErrors{}
	for key, vs := range values {
		p, err := getProperty(ctx, s.in(tx), tenant, 0, key)
		if errors.Is(err, ErrNotFound) {
			fe[key] = "No such property."
			continue
		}
		if err != nil {
			return err
		}
		var msg string
		if len(vs) == 0 {
			msg, err = s.clearUserProperty(ctx, tx, p, user)
		} else {
			msg, err = s.setUserProperty(ctx, tx, p, user, vs)
		}
		if err != nil {
			return err
		}
		if msg != "" {
			fe[key] = msg
		}
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// setUserProperty writes a user's value of p inside tx; msg says why the
// value is refused.
func (s *Store) setUserProperty(ctx context.Context, tx *sql.Tx, p Property, user int64, values []string) (msg string, err error) {
	opts, text, msg := canonical(p, values)
	if msg != "" {
		return msg, nil
	}
	return "", s.writeUserProperty(ctx, tx, p, user, opts, text)
}

func (s *Store) writeUserProperty(ctx context.Context, tx *sql.Tx, p Property, user int64, opts []int64, text string) error {
	before, err := userValueText(ctx, tx, p, user)
	if err != nil {
		return err
	}
	if _, err := s.exec(ctx, tx, `DELETE FROM user_property_values WHERE property_id = ? AND user_id = ?`, p.ID, user); err != nil {
		return fmt.Errorf("store: set property: %w", err)
	}
	if opts == nil {
		opts = []int64{0}
	}
	for _, o := range opts {
		if _, err := s.exec(ctx, tx, `INSERT INTO user_property_values (property_id, option_id, value, user_id, username)
			VALUES (?1, ?2, ?3, ?4, (SELECT username FROM users WHERE id = ?4))`, p.ID, o, text, user); err != nil {
			return fmt.Errorf("store: set property: %w", err)
		}
	}
	after, err := userValueText(ctx, tx, p, user)
	if err != nil || before == after {
		return err
	}
	return s.audit(ctx, tx, p.TenantID, "user.set_property", "user", PublicID(PrefixUser, user), Changes{
		"properties." + p.Key: {Before: nilIfEmpty(before), After: after}})
}

// ClearUserProperty removes a user's value of the property with key; a
// required property's value cannot be removed.
func (s *Store) ClearUserProperty(ctx context.Context, tenant, user int64, key string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := getUser(ctx, s.in(tx), tenant, user); err != nil {
			return err
		}
		p, err := getProperty(ctx, s.in(tx), tenant, 0, key)
		if err != nil {
			return err
		}
		msg, err := s.clearUserProperty(ctx, tx, p, user)
		if msg != "" {
			return FieldErrors{"value": msg}
		}
		return err
	})
}

func (s *Store) clearUserProperty(ctx context.Context, tx *sql.Tx, p Property, user int64) (string, error) {
	before, err := userValueText(ctx, tx, p, user)
	if err != nil || before == "" {
		return "", err
	}
	if p.Required {
		return fmt.Sprintf("%s is required; change the value instead.", p.Label()), nil
	}
	if _, err := s.exec(ctx, tx, `DELETE FROM user_property_values WHERE property_id = ? AND user_id = ?`, p.ID, user); err != nil {
		return "", fmt.Errorf("store: clear property: %w", err)
	}
	return "", s.audit(ctx, tx, p.TenantID, "user.clear_property", "user", PublicID(PrefixUser, user), Changes{
		"properties." + p.Key: {Before: before}})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// userValueText is a user's value of p as one text, for the audit trail.
func userValueText(ctx context.Context, tx *sql.Tx, p Property, user int64) (string, error) {
	var v string
	err := tx.QueryRowContext(ctx, `SELECT coalesce(string_agg(coalesce(o.value, v.value), ','), '')
		FROM user_property_values v LEFT JOIN property_options o ON o.id = v.option_id
		WHERE v.property_id = ? AND v.user_id = ?`, p.ID, user).Scan(&v)
	if err != nil {
		return "", fmt.Errorf("store: property value: %w", err)
	}
	return v, nil
}

// withProperties is u with its Properties decoded.
func (s *Store) withProperties(ctx context.Context, u User) (User, error) {
	us := []User{u}
	err := s.decodeProperties(ctx, u.TenantID, us)
	return us[0], err
}

// decodeProperties fills the Properties of users of tenant read by this
// store, from each row's copy of its values (migration 00005): a page of
// users costs no further query, and the definitions are read once.
func (s *Store) decodeProperties(ctx context.Context, tenant int64, us []User) error {
	var defs *propertyDefs
	var arena []string
	for i := range us {
		if us[i].propertyValues == "" {
			continue
		}
		if defs == nil {
			d, err := s.propertyDefs(ctx, tenant)
			if err != nil {
				return err
			}
			defs = &d
		}
		vals, err := defs.decode(us[i], &arena)
		if err != nil {
			return err
		}
		us[i].Properties = vals
	}
	return nil
}

// decode reads u's copy of its property values, keeping only the tenant's
// properties. Single values, by far the most common, are cut from *arena,
// one allocation for a whole page; each is capped at length one, so a
// second value of a multiselect property moves it out with append.
func (defs propertyDefs) decode(u User, arena *[]string) (map[string]PropertyValue, error) {
	var out map[string]PropertyValue
	err := defs.eachValue(u, func(p *Property, v string) {
		if out == nil {
			out = map[string]PropertyValue{}
		}
		if pv, seen := out[p.Key]; seen {
			pv.Values = append(pv.Values, v)
			out[p.Key] = pv
			return
		}
		out[p.Key] = PropertyValue{Property: p, Values: cutOne(arena, v)}
	})
	return out, err
}

// eachValue calls fn with each value in u's copy of its property values
// whose property is one of the tenant's, and that property.
func (defs propertyDefs) eachValue(u User, fn func(p *Property, v string)) error {
	for rest := u.propertyValues; rest != ""; {
		var pid, oid, n int64
		var ok bool
		if pid, rest, ok = cutInt(rest); ok {
			if oid, rest, ok = cutInt(rest); ok {
				n, rest, ok = cutInt(rest)
			}
		}
		if !ok || n > int64(len(rest)) {
			return fmt.Errorf("store: property values of user %d: malformed copy", u.ID)
		}
		v := rest[:n]
		rest = rest[n:]
		p, known := defs.byID[pid]
		if !known {
			continue
		}
		if oid != 0 {
			v = defs.options[oid]
		}
		fn(p, v)
	}
	return nil
}

// cutOne is a list of the one value v, cut from *arena (which grows 64
// values at a time) and capped at its length.
func cutOne(arena *[]string, v string) []string {
	if len(*arena) == cap(*arena) {
		*arena = make([]string, 0, 64)
	}
	*arena = append(*arena, v)
	k := len(*arena)
	return (*arena)[k-1 : k : k]
}

// appendPropertyValue adds one value to a user's copy of their values, as
// the triggers of migration 00005 write it and decode reads it.
func appendPropertyValue(b []byte, property, option int64, value string) []byte {
	b = strconv.AppendInt(b, property, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, option, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(len(value)), 10)
	b = append(b, ',')
	return append(b, value...)
}

// cutInt reads a decimal number ended by a comma from the front of s.
func cutInt(s string) (int64, string, bool) {
	num, rest, found := strings.Cut(s, ",")
	n, err := strconv.ParseInt(num, 10, 64)
	return n, rest, found && err == nil
}

// ChangeUserPropertyOption adds one value (an option of a list property,
// by id) to a user's values of the property, or removes it, in one
// transaction: protocols that bind one value at a time (eds-user's
// SetUserPropertyValue) do not race a read of the user's values against
// another change. A single-valued property's value is replaced on add.
func (s *Store) ChangeUserPropertyOption(ctx context.Context, tenant, user, property, option int64, add bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := getUser(ctx, s.in(tx), tenant, user); err != nil {
			return err
		}
		p, err := getProperty(ctx, s.in(tx), tenant, property, "")
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(p.Options, func(o PropertyOption) bool { return o.ID == option }) {
			return FieldErrors{"value": fmt.Sprintf("%s has no value with id %d.", p.Label(), option)}
		}
		rows, err := s.in(tx).QueryContext(ctx, `SELECT option_id FROM user_property_values
			WHERE property_id = ? AND user_id = ? AND option_id != 0 ORDER BY option_id`, p.ID, user)
		if err != nil {
			return fmt.Errorf("store: user property values: %w", err)
		}
		held, err := collect(rows, func(sc rowScanner) (int64, error) {
			var id int64
			return id, sc.Scan(&id)
		})
		if err != nil {
			return err
		}
		switch {
		case add && p.Type != "multiselect":
			held = []int64{option}
		case add && !slices.Contains(held, option):
			held = append(held, option)
		case !add:
			held = slices.DeleteFunc(held, func(id int64) bool { return id == option })
		}
		slices.Sort(held)
		if len(held) == 0 {
			msg, err := s.clearUserProperty(ctx, tx, p, user)
			if msg != "" {
				return FieldErrors{"value": msg}
			}
			return err
		}
		return s.writeUserProperty(ctx, tx, p, user, held, "")
	})
}
