package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// initial is what a new user gets besides their row: group memberships and
// property values, checked and resolved against the tenant's definitions.
type initial struct {
	groups []Group
	values []initialValue
}

type initialValue struct {
	property Property
	options  []int64 // option ids of select types
	text     string  // canonical text of the other types
}

// PropertyField is the field name under which FieldErrors report a new
// user's value of the property with key.
func PropertyField(key string) string { return "properties." + key }

// hasInitial reports whether n asks for more than a user row.
func (n NewUser) hasInitial() bool { return len(n.Groups) > 0 || n.Properties != nil }

// checkInitial resolves n's groups and property values with q, and says
// per field what is wrong with them: "group_ids" for a group that is not
// the tenant's, PropertyField(key) for a value the property refuses or a
// required property left without one. Keys whose values are all blank are
// left unset.
func checkInitial(ctx context.Context, q querier, tenant int64, n NewUser) (initial, FieldErrors, error) {
	var in initial
	fe := FieldErrors{}
	seen := map[int64]bool{}
	for _, id := range n.Groups {
		if seen[id] {
			continue
		}
		seen[id] = true
		g, err := getGroup(ctx, q, tenant, id)
		if errors.Is(err, ErrNotFound) {
			fe["group_ids"] = "One of the chosen groups no longer exists in this tenant."
			continue
		}
		if err != nil {
			return initial{}, nil, err
		}
		in.groups = append(in.groups, g)
	}
	keys := make([]string, 0, len(n.Properties))
	for k := range n.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		var vs []string
		for _, v := range n.Properties[key] {
			if strings.TrimSpace(v) != "" {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			continue
		}
		p, err := getProperty(ctx, q, tenant, 0, key)
		if errors.Is(err, ErrNotFound) {
			fe[PropertyField(key)] = "No such property in this tenant."
			continue
		}
		if err != nil {
			return initial{}, nil, err
		}
		opts, text, msg := canonical(p, vs)
		if msg != "" {
			fe[PropertyField(key)] = msg
			continue
		}
		in.values = append(in.values, initialValue{property: p, options: opts, text: text})
	}
	if n.Properties != nil {
		rows, err := q.QueryContext(ctx, `SELECT `+propertyColumns+` FROM properties p
			WHERE p.tenant_id = ? AND p.required = 1 ORDER BY p.key`, tenant)
		if err != nil {
			return initial{}, nil, fmt.Errorf("store: required properties: %w", err)
		}
		required, err := collect(rows, scanProperty)
		if err != nil {
			return initial{}, nil, err
		}
		for _, p := range required {
			given := slices.ContainsFunc(in.values, func(v initialValue) bool { return v.property.ID == p.ID })
			if !given && fe[PropertyField(p.Key)] == "" {
				fe[PropertyField(p.Key)] = p.Label() + " is required; give every new user a value."
			}
		}
	}
	return in, fe, nil
}

// optionIDs are the option ids v writes a row for: 0 alone for a type
// without options.
func (v initialValue) optionIDs() []int64 {
	if v.options == nil {
		return []int64{0}
	}
	return v.options
}

// changes are in's groups and property values as changes of the new user's
// creation event.
func (in initial) changes() Changes {
	ch := Changes{}
	var groupIDs []string
	for _, g := range in.groups {
		groupIDs = append(groupIDs, g.PublicID())
	}
	if len(groupIDs) > 0 {
		ch["group_ids"] = Change{After: strings.Join(groupIDs, ",")}
	}
	for _, v := range in.values {
		var shown []string
		for _, o := range v.optionIDs() {
			if i := slices.IndexFunc(v.property.Options, func(po PropertyOption) bool { return po.ID == o }); i >= 0 {
				shown = append(shown, v.property.Options[i].Value)
			}
		}
		if v.options == nil {
			shown = []string{v.text}
		}
		ch[PropertyField(v.property.Key)] = Change{After: strings.Join(shown, ",")}
	}
	return ch
}
