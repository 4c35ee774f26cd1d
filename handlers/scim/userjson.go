package scim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"roster/store"
)

// Roster has no columns for a person's name parts or for the enterprise
// extension's attributes, so they are kept as the user's tags, under
// their SCIM names: tags show on the user's page, are filtered by in the
// users list and the API, and need no setup. An administrator who wants a
// typed, validated attribute defines a custom property instead and maps
// it in the identity provider to the tenant's extension schema
// (schemaRoster), where each property is an attribute.
var (
	nameTags       = []string{"givenName", "familyName", "middleName", "honorificPrefix", "honorificSuffix"}
	enterpriseTags = []string{"employeeNumber", "costCenter", "organization", "division", "department"}
)

// managerTag keeps the enterprise manager's id (a user's SCIM id).
const managerTag = "manager"

// scimTags are the tags SCIM writes; a user's other tags are left alone.
var scimTags = append(append(slices.Clone(nameTags), enterpriseTags...), managerTag)

// userState is what a SCIM User sets of a Roster user.
type userState struct {
	Username, DisplayName, Email        string
	PhoneRegion, PhoneNumber            string
	ExternalID, Language, Timezone      string
	Password                            string
	Active                              bool
	Tags                                map[string]string
	Properties                          map[string][]string
	hasLanguage, hasTimezone, hasActive bool
}

// userResource is u as a SCIM User.
func (h *Handler) userResource(loc string, u store.User, groups []store.Group, defs []store.Property) map[string]any {
	r := map[string]any{
		"schemas":  []string{schemaUser, schemaEnterprise},
		"id":       u.PublicID(),
		"userName": u.Username,
		"active":   u.Status != store.StatusDisabled,
		"meta": map[string]any{"resourceType": "User", "created": u.CreatedAt.UTC().Format(time.RFC3339),
			"lastModified": u.UpdatedAt.UTC().Format(time.RFC3339), "location": loc},
	}
	if u.ExternalID != "" {
		r["externalId"] = u.ExternalID
	}
	name := map[string]any{}
	if u.DisplayName != "" {
		r["displayName"], name["formatted"] = u.DisplayName, u.DisplayName
	}
	for _, k := range nameTags {
		if v := u.Tags[k]; v != "" {
			name[k] = v
		}
	}
	if len(name) > 0 {
		r["name"] = name
	}
	if u.Email != "" {
		r["emails"] = []any{map[string]any{"value": u.Email, "type": "work", "primary": true}}
	}
	if u.PhoneNumber != "" {
		r["phoneNumbers"] = []any{map[string]any{"value": "+" + u.PhoneRegion + u.PhoneNumber, "type": "work", "primary": true}}
	}
	if u.Language != "" {
		r["preferredLanguage"], r["locale"] = u.Language, u.Language
	}
	if u.Timezone != "" {
		r["timezone"] = u.Timezone
	}
	gs := []any{}
	for _, g := range groups {
		gs = append(gs, map[string]any{"value": g.PublicID(), "display": g.Name, "type": "direct"})
	}
	r["groups"] = gs
	ent := map[string]any{}
	for _, k := range enterpriseTags {
		if v := u.Tags[k]; v != "" {
			ent[k] = v
		}
	}
	if v := u.Tags[managerTag]; v != "" {
		ent[managerTag] = map[string]any{"value": v}
	}
	r[schemaEnterprise] = ent
	if len(defs) > 0 {
		r["schemas"] = []string{schemaUser, schemaEnterprise, schemaRoster}
		ext := map[string]any{}
		for k, v := range u.Properties {
			ext[k] = v.JSON()
		}
		r[schemaRoster] = ext
	}
	return r
}

// readUser reads a SCIM User (a request's, or one a PATCH produced) into
// what it sets. Attribute names are matched without case, as SCIM's are.
func readUser(r map[string]any) (userState, error) {
	s := userState{Active: true, Tags: map[string]string{}, Properties: map[string][]string{}}
	var err error
	if s.Username, err = text(r, "userName"); err != nil {
		return s, err
	}
	if s.Username == "" {
		return s, invalidValue("userName is required.")
	}
	if s.ExternalID, err = text(r, "externalId"); err != nil {
		return s, err
	}
	name, err := object(r, "name")
	if err != nil {
		return s, err
	}
	for _, k := range nameTags {
		if s.Tags[k], err = text(name, k); err != nil {
			return s, err
		}
	}
	formatted, err := text(name, "formatted")
	if err != nil {
		return s, err
	}
	if s.DisplayName, err = text(r, "displayName"); err != nil {
		return s, err
	}
	if s.DisplayName == "" {
		s.DisplayName = formatted
	}
	if s.DisplayName == "" {
		s.DisplayName = strings.TrimSpace(s.Tags["givenName"] + " " + s.Tags["familyName"])
	}
	if s.Email, err = primary(r, "emails"); err != nil {
		return s, err
	}
	phone, err := primary(r, "phoneNumbers")
	if err != nil {
		return s, err
	}
	if phone != "" {
		if s.PhoneRegion, s.PhoneNumber = splitPhone(phone); s.PhoneRegion == "" {
			return s, invalidValue("phoneNumbers: %q needs its country code, as in +44 20 7946 0958.", phone)
		}
	}
	if lang, err := text(r, "preferredLanguage"); err != nil {
		return s, err
	} else if lang == "" {
		if lang, err = text(r, "locale"); err != nil {
			return s, err
		}
		s.Language = lang
	} else {
		// An Accept-Language list: its first tag.
		s.Language, _, _ = strings.Cut(lang, ",")
	}
	s.Language = strings.ReplaceAll(strings.TrimSpace(s.Language), "_", "-")
	s.hasLanguage = s.Language != ""
	if s.Timezone, err = text(r, "timezone"); err != nil {
		return s, err
	}
	s.hasTimezone = s.Timezone != ""
	if s.Password, err = text(r, "password"); err != nil {
		return s, err
	}
	if v, ok := lookup(r, "active"); ok && v != nil {
		b, ok := boolean(v)
		if !ok {
			return s, invalidValue("active must be true or false.")
		}
		s.Active, s.hasActive = b, true
	}
	ent, err := object(r, schemaEnterprise)
	if err != nil {
		return s, err
	}
	for _, k := range enterpriseTags {
		if s.Tags[k], err = text(ent, k); err != nil {
			return s, err
		}
	}
	if m, ok := lookup(ent, managerTag); ok {
		switch m := m.(type) {
		case map[string]any:
			s.Tags[managerTag], err = text(m, "value")
		case string:
			s.Tags[managerTag] = m
		}
		if err != nil {
			return s, err
		}
	}
	props, err := object(r, schemaRoster)
	if err != nil {
		return s, err
	}
	for k, v := range props {
		s.Properties[k] = values(v)
	}
	maps.DeleteFunc(s.Tags, func(_, v string) bool { return v == "" })
	return s, nil
}

// values are a custom property's values as the store takes them.
func values(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, values(e)...)
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

// lookup finds an attribute without case.
func lookup(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func text(m map[string]any, name string) (string, error) {
	v, _ := lookup(m, name)
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	case bool, float64:
		return fmt.Sprint(v), nil
	}
	return "", invalidValue("%s must be a string.", name)
}

func object(m map[string]any, name string) (map[string]any, error) {
	v, _ := lookup(m, name)
	switch v := v.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return v, nil
	}
	return nil, invalidValue("%s must be an object.", name)
}

// boolean reads a SCIM boolean; Entra sends them as strings ("False").
func boolean(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// primary is the value of a multi-valued attribute Roster keeps one of:
// the primary one, else the work one, else the first.
func primary(m map[string]any, name string) (string, error) {
	v, _ := lookup(m, name)
	if v == nil {
		return "", nil
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	best, rank := "", -1
	for _, e := range list {
		var val, typ string
		var isPrimary bool
		switch e := e.(type) {
		case string:
			val = e
		case map[string]any:
			var err error
			if val, err = text(e, "value"); err != nil {
				return "", err
			}
			typ, _ = text(e, "type")
			p, _ := lookup(e, "primary")
			isPrimary, _ = boolean(p)
		default:
			return "", invalidValue("%s must be a list of objects with a value.", name)
		}
		r := 0
		switch {
		case isPrimary:
			r = 2
		case strings.EqualFold(typ, "work"):
			r = 1
		}
		if val != "" && r > rank {
			best, rank = val, r
		}
	}
	return best, nil
}
