package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
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

// PropertyUpdate changes the fields that are not nil. A new Key renames
// the property: users keep their values, which belong to the property,
// not to its key. Options, when given, is the complete new list: options
// left out are removed, which clears them from users and needs
// ConfirmRemoval when any user has them.
type PropertyUpdate struct {
	Key            *string
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
// user object needs them, and they change rarely. Every change made here
// drops the tenant's entry; one made by another process (a replica) is
// seen within propDefsRecheck, when the entry is read again.
func (s *Store) PropertyDefinitions(ctx context.Context, tenant int64) ([]Property, error) {
	d, err := s.propertyDefs(ctx, tenant)
	return d.list, err
}

// propertyDefs is a tenant's cached definitions with their lookups.
type propertyDefs struct {
	list    []Property
	byID    map[int64]*Property // into list: decoding a page copies no definition
	options map[int64]string    // option id -> value
	read    time.Time
	// gen changes with anything of the definitions a user's decoded
	// values show (keys, types, option values): values made from users
	// with other definitions are made again (UserCache).
	gen uint64
}

// propDefsRecheck is how long cached definitions are used before they are
// read again: a change another process made is seen within this.
const propDefsRecheck = time.Second

func (s *Store) propertyDefs(ctx context.Context, tenant int64) (propertyDefs, error) {
	now := s.now()
	if v, ok := s.propDefs.Load(tenant); ok && !stale(now, v.(propertyDefs).read, propDefsRecheck) {
		return v.(propertyDefs), nil
	}
	ps, err := s.ListProperties(ctx, tenant)
	if err != nil {
		return propertyDefs{}, err
	}
	d := propertyDefs{list: ps, byID: map[int64]*Property{}, options: map[int64]string{}, read: now}
	for i := range ps {
		ps[i].UserCount = 0
		for j := range ps[i].Options {
			ps[i].Options[j].UserCount = 0
			d.options[ps[i].Options[j].ID] = ps[i].Options[j].Value
		}
		d.byID[ps[i].ID] = &ps[i]
	}
	d.gen = d.fingerprint()
	s.propDefs.Store(tenant, d)
	return d, nil
}

// fingerprint hashes what of the definitions decoded values show.
func (d propertyDefs) fingerprint() uint64 {
	h := fnv.New64a()
	for _, p := range d.list {
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00", p.ID, p.Key, p.Type)
		for _, o := range p.Options {
			fmt.Fprintf(h, "%d\x00%s\x00", o.ID, o.Value)
		}
		h.Write([]byte{1})
	}
	return h.Sum64()
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
	checkPropertyKey(fe, n.Key)
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

func checkPropertyKey(fe FieldErrors, key string) {
	if !propertyKeyPattern.MatchString(key) {
		fe["key"] = "Key must be 1-40 characters of a-z, 0-9 and _, starting with a letter."
	}
}

// insertProperty writes a checked new property and its options, within
// the tenant's limit, and returns it as stored.
func (s *Store) insertProperty(ctx context.Context, tx *sql.Tx, tenant int64, n NewProperty, now int64) (Property, error) {
	if err := s.serialize(ctx, tx, "properties", tenant); err != nil {
		return Property{}, err
	}
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

// UpdateProperty changes a property's key, display name, required flag or
// allowed values (see PropertyUpdate). Its type is fixed.
func (s *Store) UpdateProperty(ctx context.Context, tenant, id int64, upd PropertyUpdate) (Property, error) {
	var p Property
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := getProperty(ctx, s.in(tx), tenant, id, "")
		if err != nil {
			return err
		}
		p = old
		fe := FieldErrors{}
		if upd.Key != nil {
			p.Key = strings.TrimSpace(*upd.Key)
			checkPropertyKey(fe, p.Key)
		}
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
		ch.set("key", old.Key, p.Key)
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
		_, err = s.exec(ctx, tx, `UPDATE properties SET key = ?, display_name = ?, required = ?, updated_at = ? WHERE id = ?`,
			p.Key, p.DisplayName, p.Required, s.nowMillis(), id)
		if isUniqueViolation(err) {
			return conflict("key", "A property with this key already exists.")
		}
		if err != nil {
			return fmt.Errorf("store: update property: %w", err)
		}
		if p.Key != old.Key {
			if err := s.renamePropertyColumn(ctx, tx, tenant, old.Key, p.Key); err != nil {
				return err
			}
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

// renamePropertyColumn keeps a renamed property's column in the users
// list of every administrator who chose it: the column preference names
// property columns "prop:" and the key.
func (s *Store) renamePropertyColumn(ctx context.Context, tx *sql.Tx, tenant int64, from, to string) error {
	rows, err := tx.QueryContext(ctx, `SELECT admin_id, value FROM admin_preferences WHERE tenant_id = ? AND name = ?`, tenant, PrefUserColumns)
	if err != nil {
		return fmt.Errorf("store: rename property column: %w", err)
	}
	type pref struct {
		admin int64
		value string
	}
	prefs, err := collect(rows, func(sc rowScanner) (pref, error) {
		var p pref
		return p, sc.Scan(&p.admin, &p.value)
	})
	if err != nil {
		return err
	}
	for _, p := range prefs {
		cols := strings.Split(p.value, ",")
		i := slices.Index(cols, "prop:"+from)
		if i < 0 {
			continue
		}
		cols[i] = "prop:" + to
		if _, err := s.exec(ctx, tx, `UPDATE admin_preferences SET value = ? WHERE admin_id = ? AND tenant_id = ? AND name = ?`,
			strings.Join(cols, ","), p.admin, tenant, PrefUserColumns); err != nil {
			return fmt.Errorf("store: rename property column: %w", err)
		}
	}
	return nil
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
