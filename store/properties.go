package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Public id prefixes of properties and their allowed values.
const (
	PrefixProperty = "prop"
	PrefixOption   = "pv"
)

// PropertyTypes are the types a custom property can have.
var PropertyTypes = []string{"text", "number", "boolean", "date", "select", "multiselect"}

// Default limits of custom properties per tenant; Store.Limits changes them.
const (
	DefaultMaxProperties     = 100
	DefaultMaxPropertyValues = 1000
)

// Limits bounds what one tenant may define.
type Limits struct {
	Properties     int // properties per tenant
	PropertyValues int // allowed values per select property
}

// Property is a custom user attribute. Options are the allowed values of
// select and multiselect properties; UserCount counts users with a value.
type Property struct {
	ID          int64
	TenantID    int64
	Key         string
	DisplayName string
	Type        string
	Required    bool
	UserCount   int
	Options     []PropertyOption
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// PublicID is the property's id as shown in URLs and the API.
func (p Property) PublicID() string { return PublicID(PrefixProperty, p.ID) }

// IsSelect reports whether values must be among the property's options.
func (p Property) IsSelect() bool { return p.Type == "select" || p.Type == "multiselect" }

// Label is the display name, or the key when there is none.
func (p Property) Label() string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Key
}

// PropertyOption is one allowed value, with the number of users holding it.
type PropertyOption struct {
	ID          int64
	Value       string
	DisplayName string
	UserCount   int
}

// PublicID is the option's id as shown in the API.
func (o PropertyOption) PublicID() string { return PublicID(PrefixOption, o.ID) }

// Label is the display name, or the value when there is none.
func (o PropertyOption) Label() string {
	if o.DisplayName != "" {
		return o.DisplayName
	}
	return o.Value
}

// OptionInput is an allowed value as given: ID (public) names an existing
// option to keep or rename; without it the value is new.
type OptionInput struct {
	ID          string
	Value       string
	DisplayName string
}

// NewProperty is the input for defining a property.
type NewProperty struct {
	Key         string
	DisplayName string
	Type        string
	Required    bool
	Options     []OptionInput
}

// PropertyUpdate changes the fields that are not nil. Options, when given,
// is the complete new list: options left out are removed, which clears
// them from users and needs ConfirmRemoval when any user has them.
type PropertyUpdate struct {
	DisplayName    *string
	Required       *bool
	Options        *[]OptionInput
	ConfirmRemoval bool
}

var propertyKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func (s *Store) limits() Limits {
	l := s.Limits
	if l.Properties <= 0 {
		l.Properties = DefaultMaxProperties
	}
	if l.PropertyValues <= 0 {
		l.PropertyValues = DefaultMaxPropertyValues
	}
	return l
}

// checkOptions validates a full option list of a property of type typ.
func (s *Store) checkOptions(fe FieldErrors, typ string, opts []OptionInput) {
	if typ != "select" && typ != "multiselect" {
		if len(opts) > 0 {
			fe["values"] = "Only select and multiselect properties have a list of values."
		}
		return
	}
	if len(opts) > s.limits().PropertyValues {
		fe["values"] = fmt.Sprintf("A property has at most %d values.", s.limits().PropertyValues)
		return
	}
	seen := map[string]bool{}
	for i, o := range opts {
		field := fmt.Sprintf("values[%d]", i)
		switch {
		case o.Value == "":
			fe[field] = "Each value needs a value."
		case !cleanText(o.Value) || len([]rune(o.Value)) > 64:
			fe[field] = "A value is at most 64 characters of text."
		case !cleanText(o.DisplayName) || len([]rune(o.DisplayName)) > 128:
			fe[field] = "A display name is at most 128 characters of text."
		case seen[o.Value]:
			fe[field] = fmt.Sprintf("The value %q appears twice.", o.Value)
		}
		seen[o.Value] = true
	}
}

func trimOptions(opts []OptionInput) []OptionInput {
	out := make([]OptionInput, len(opts))
	for i, o := range opts {
		out[i] = OptionInput{ID: strings.TrimSpace(o.ID), Value: strings.TrimSpace(o.Value), DisplayName: strings.TrimSpace(o.DisplayName)}
	}
	return out
}

const propertyColumns = `p.id, p.tenant_id, p.key, p.display_name, p.type, p.required, p.user_count, p.created_at, p.updated_at`

func scanProperty(sc rowScanner) (Property, error) {
	var p Property
	var created, updated int64
	err := sc.Scan(&p.ID, &p.TenantID, &p.Key, &p.DisplayName, &p.Type, &p.Required, &p.UserCount, &created, &updated)
	p.CreatedAt, p.UpdatedAt = fromMillis(created), fromMillis(updated)
	return p, err
}

func scanOption(sc rowScanner) (PropertyOption, error) {
	var o PropertyOption
	err := sc.Scan(&o.ID, &o.Value, &o.DisplayName, &o.UserCount)
	return o, err
}

// getProperty reads a property with its options, by id or (id 0) by key.
func getProperty(ctx context.Context, q querier, tenant, id int64, key string) (Property, error) {
	p, err := scanProperty(q.QueryRowContext(ctx, `SELECT `+propertyColumns+` FROM properties p
		WHERE p.tenant_id = ? AND (p.id = ? OR (? = 0 AND p.key = ?))`, tenant, id, id, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Property{}, fmt.Errorf("store: property %d %q: %w", id, key, ErrNotFound)
	}
	if err != nil {
		return Property{}, fmt.Errorf("store: get property: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, value, display_name, user_count FROM property_options
		WHERE property_id = ? ORDER BY id`, p.ID)
	if err != nil {
		return Property{}, fmt.Errorf("store: property values: %w", err)
	}
	p.Options, err = collect(rows, scanOption)
	return p, err
}

// GetProperty returns a property of tenant with its allowed values.
func (s *Store) GetProperty(ctx context.Context, tenant, id int64) (Property, error) {
	return getProperty(ctx, s.rd, tenant, id, "")
}

// PropertyDefinitions returns a tenant's properties by key with their
// allowed values but no usage counts, from memory: every users page and
// user object needs them, and they change rarely. Only this process
// changes them (as with API keys), and every change drops the tenant's
// entry.
func (s *Store) PropertyDefinitions(ctx context.Context, tenant int64) ([]Property, error) {
	d, err := s.propertyDefs(ctx, tenant)
	return d.list, err
}

// propertyDefs is a tenant's cached definitions with their lookups.
type propertyDefs struct {
	list    []Property
	byID    map[int64]Property
	options map[int64]string // option id -> value
}

func (s *Store) propertyDefs(ctx context.Context, tenant int64) (propertyDefs, error) {
	if v, ok := s.propDefs.Load(tenant); ok {
		return v.(propertyDefs), nil
	}
	ps, err := s.ListProperties(ctx, tenant)
	if err != nil {
		return propertyDefs{}, err
	}
	d := propertyDefs{list: ps, byID: map[int64]Property{}, options: map[int64]string{}}
	for i := range ps {
		ps[i].UserCount = 0
		for j := range ps[i].Options {
			ps[i].Options[j].UserCount = 0
			d.options[ps[i].Options[j].ID] = ps[i].Options[j].Value
		}
		d.byID[ps[i].ID] = ps[i]
	}
	s.propDefs.Store(tenant, d)
	return d, nil
}

// forgetProperties drops a tenant's cached property definitions; called
// after any change to them commits.
func (s *Store) forgetProperties(tenant int64) { s.propDefs.Delete(tenant) }

// ListProperties returns every property of a tenant, by key, with their
// allowed values and usage counts. A tenant has at most Limits.Properties.
func (s *Store) ListProperties(ctx context.Context, tenant int64) ([]Property, error) {
	rows, err := s.rd.QueryContext(ctx, `SELECT `+propertyColumns+` FROM properties p WHERE p.tenant_id = ? ORDER BY p.key`, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: list properties: %w", err)
	}
	props, err := collect(rows, scanProperty)
	if err != nil || len(props) == 0 {
		return props, err
	}
	// Every property's allowed values in one query.
	rows, err = s.rd.QueryContext(ctx, `SELECT o.property_id, o.id, o.value, o.display_name, o.user_count
		FROM property_options o JOIN properties p ON p.id = o.property_id WHERE p.tenant_id = ? ORDER BY o.property_id, o.id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: property values: %w", err)
	}
	defer rows.Close()
	at := map[int64]int{}
	for i, p := range props {
		at[p.ID] = i
	}
	for rows.Next() {
		var pid int64
		var o PropertyOption
		if err := rows.Scan(&pid, &o.ID, &o.Value, &o.DisplayName, &o.UserCount); err != nil {
			return nil, fmt.Errorf("store: property values: %w", err)
		}
		props[at[pid]].Options = append(props[at[pid]].Options, o)
	}
	return props, rows.Err()
}

// CreateProperty defines a property.
func (s *Store) CreateProperty(ctx context.Context, tenant int64, n NewProperty) (Property, error) {
	if fe := s.checkNewProperty(&n); len(fe) > 0 {
		return Property{}, fe
	}
	var p Property
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if p, err = s.insertProperty(ctx, tx, tenant, n, s.nowMillis()); err != nil {
			return err
		}
		return s.audit(ctx, tx, tenant, "property.create", "property", p.PublicID(), Changes{
			"key": {After: p.Key}, "type": {After: p.Type}, "values": {After: optionValues(p.Options)}})
	})
	s.forgetProperties(tenant)
	return p, err
}

// checkNewProperty trims a new property's fields and validates them.
func (s *Store) checkNewProperty(n *NewProperty) FieldErrors {
	n.Key, n.DisplayName, n.Type = strings.TrimSpace(n.Key), strings.TrimSpace(n.DisplayName), strings.TrimSpace(n.Type)
	n.Options = trimOptions(n.Options)
	fe := FieldErrors{}
	if !propertyKeyPattern.MatchString(n.Key) {
		fe["key"] = "Key must be 1-40 characters of a-z, 0-9 and _, starting with a letter."
	}
	checkText(fe, "display_name", "Display name", n.DisplayName, 128)
	if !slices.Contains(PropertyTypes, n.Type) {
		fe["type"] = "Type must be one of " + strings.Join(PropertyTypes, ", ") + "."
	} else {
		s.checkOptions(fe, n.Type, n.Options)
	}
	for i, o := range n.Options {
		if o.ID != "" {
			fe[fmt.Sprintf("values[%d]", i)] = "A new property's values have no id yet."
		}
	}
	return fe
}

// insertProperty writes a checked new property and its options, within
// the tenant's limit, and returns it as stored.
func (s *Store) insertProperty(ctx context.Context, tx *sql.Tx, tenant int64, n NewProperty, now int64) (Property, error) {
	var count int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM properties WHERE tenant_id = ?`, tenant).Scan(&count); err != nil {
		return Property{}, fmt.Errorf("store: create property: %w", err)
	}
	if count >= s.limits().Properties {
		return Property{}, FieldErrors{"key": fmt.Sprintf("This tenant already has %d properties, the most it may have.", count)}
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO properties (tenant_id, key, display_name, type, required, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, tenant, n.Key, n.DisplayName, n.Type, n.Required, now, now).Scan(&id)
	if isUniqueViolation(err) {
		return Property{}, conflict("key", "A property with this key already exists.")
	}
	if err != nil {
		return Property{}, fmt.Errorf("store: create property: %w", err)
	}
	for _, o := range n.Options {
		if _, err := s.exec(ctx, tx, `INSERT INTO property_options (property_id, value, display_name) VALUES (?, ?, ?)`,
			id, o.Value, o.DisplayName); err != nil {
			return Property{}, fmt.Errorf("store: create property value: %w", err)
		}
	}
	return getProperty(ctx, s.in(tx), tenant, id, "")
}

func optionValues(opts []PropertyOption) string {
	vs := make([]string, len(opts))
	for i, o := range opts {
		vs[i] = o.Value
	}
	return strings.Join(vs, ",")
}

// UpdateProperty changes a property's display name, required flag or
// allowed values (see PropertyUpdate). Its key and type are fixed.
func (s *Store) UpdateProperty(ctx context.Context, tenant, id int64, upd PropertyUpdate) (Property, error) {
	var p Property
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := getProperty(ctx, s.in(tx), tenant, id, "")
		if err != nil {
			return err
		}
		p = old
		fe := FieldErrors{}
		if upd.DisplayName != nil {
			p.DisplayName = strings.TrimSpace(*upd.DisplayName)
			checkText(fe, "display_name", "Display name", p.DisplayName, 128)
		}
		if upd.Required != nil {
			p.Required = *upd.Required
		}
		var keep map[int64]OptionInput
		var removed []PropertyOption
		var added []OptionInput
		if upd.Options != nil {
			opts := trimOptions(*upd.Options)
			s.checkOptions(fe, p.Type, opts)
			keep = map[int64]OptionInput{}
			for i, o := range opts {
				if o.ID == "" {
					added = append(added, o)
					continue
				}
				oid, ok := ParseID(PrefixOption, o.ID)
				if !ok || !slices.ContainsFunc(old.Options, func(x PropertyOption) bool { return x.ID == oid }) {
					fe[fmt.Sprintf("values[%d]", i)] = fmt.Sprintf("%s is not a value of this property.", o.ID)
					continue
				}
				keep[oid] = o
			}
			inUse := 0
			for _, o := range old.Options {
				if _, ok := keep[o.ID]; !ok {
					removed = append(removed, o)
					inUse += o.UserCount
				}
			}
			if len(fe) == 0 && inUse > 0 && !upd.ConfirmRemoval {
				return conflict("confirm", fmt.Sprintf("%s of the removed values; confirm to clear them from those users.",
					plural(inUse, "user")+" "+haveOrHas(inUse)))
			}
		}
		if len(fe) > 0 {
			return fe
		}
		ch := Changes{}
		ch.set("display_name", old.DisplayName, p.DisplayName)
		ch.set("required", old.Required, p.Required)
		for _, o := range removed {
			// Clearing values fires the counters' triggers, then the option goes.
			if _, err := s.exec(ctx, tx, `DELETE FROM user_property_values WHERE property_id = ? AND option_id = ?`, id, o.ID); err != nil {
				return fmt.Errorf("store: remove property value: %w", err)
			}
			if _, err := s.exec(ctx, tx, `DELETE FROM property_options WHERE id = ?`, o.ID); err != nil {
				return fmt.Errorf("store: remove property value: %w", err)
			}
		}
		for oid, o := range keep {
			if _, err := s.exec(ctx, tx, `UPDATE property_options SET value = ?, display_name = ? WHERE id = ?`,
				o.Value, o.DisplayName, oid); err != nil {
				if isUniqueViolation(err) {
					return FieldErrors{"values": fmt.Sprintf("The value %q is used twice.", o.Value)}
				}
				return fmt.Errorf("store: rename property value: %w", err)
			}
		}
		for _, o := range added {
			if _, err := s.exec(ctx, tx, `INSERT INTO property_options (property_id, value, display_name) VALUES (?, ?, ?)`,
				id, o.Value, o.DisplayName); err != nil {
				if isUniqueViolation(err) {
					return FieldErrors{"values": fmt.Sprintf("The value %q is used twice.", o.Value)}
				}
				return fmt.Errorf("store: add property value: %w", err)
			}
		}
		if _, err := s.exec(ctx, tx, `UPDATE properties SET display_name = ?, required = ?, updated_at = ? WHERE id = ?`,
			p.DisplayName, p.Required, s.nowMillis(), id); err != nil {
			return fmt.Errorf("store: update property: %w", err)
		}
		if p, err = getProperty(ctx, s.in(tx), tenant, id, ""); err != nil {
			return err
		}
		ch.set("values", optionValues(old.Options), optionValues(p.Options))
		if len(ch) == 0 {
			return nil
		}
		return s.audit(ctx, tx, tenant, "property.update", "property", p.PublicID(), ch)
	})
	s.forgetProperties(tenant)
	return p, err
}

func haveOrHas(n int) string {
	if n == 1 {
		return "has one"
	}
	return "have one"
}

// RemoveProperty removes a property; when users have values it needs
// confirm, and removes their values too.
func (s *Store) RemoveProperty(ctx context.Context, tenant, id int64, confirm bool) error {
	defer s.forgetProperties(tenant)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		p, err := getProperty(ctx, s.in(tx), tenant, id, "")
		if err != nil {
			return err
		}
		if p.UserCount > 0 && !confirm {
			return conflict("confirm", fmt.Sprintf("%s a value for %s; confirm to remove the property and their values.",
				plural(p.UserCount, "user")+" "+strings.TrimSuffix(haveOrHas(p.UserCount), " one"), p.Key))
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM properties WHERE tenant_id = ? AND id = ?`, tenant, id); err != nil {
			return fmt.Errorf("store: remove property: %w", err)
		}
		return s.audit(ctx, tx, tenant, "property.delete", "property", p.PublicID(), Changes{
			"key": {Before: p.Key}, "user_count": {Before: p.UserCount}})
	})
}

// PropertyValue is a user's value of one property: Values holds one
// canonical text for single-valued types and the chosen option values for
// multiselect.
type PropertyValue struct {
	Property Property
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
	})
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
	err := tx.QueryRowContext(ctx, `SELECT coalesce(group_concat(coalesce(o.value, v.value), ','), '')
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
		vals, err := defs.decode(us[i])
		if err != nil {
			return err
		}
		us[i].Properties = vals
	}
	return nil
}

// decode reads u's copy of its property values, keeping only the tenant's
// properties.
func (defs propertyDefs) decode(u User) (map[string]PropertyValue, error) {
	var out map[string]PropertyValue
	for rest := u.propertyValues; rest != ""; {
		var pid, oid, n int64
		var ok bool
		if pid, rest, ok = cutInt(rest); ok {
			if oid, rest, ok = cutInt(rest); ok {
				n, rest, ok = cutInt(rest)
			}
		}
		if !ok || n > int64(len(rest)) {
			return nil, fmt.Errorf("store: property values of user %d: malformed copy", u.ID)
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
		if out == nil {
			out = map[string]PropertyValue{}
		}
		pv := out[p.Key]
		pv.Property = p
		pv.Values = append(pv.Values, v)
		out[p.Key] = pv
	}
	return out, nil
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
