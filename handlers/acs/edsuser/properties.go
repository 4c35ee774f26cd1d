package edsuser

import (
	"slices"
	"strconv"
	"strings"

	"roster/handlers/acs"
	"roster/store"
)

type savedValues struct {
	SavePropertyValues   []propertyValue
	FailedPropertyValues []failedValue
}

type failedValue struct {
	PropertyId    int64 //nolint:revive // the protocol's spelling
	PropertyValue string
	ErrorCode     string
	ErrorMessage  string
}

// propertyResult is what creating or updating a property answers.
type propertyResult struct {
	PropertyId             int64 //nolint:revive // the protocol's spelling
	PropertyKey            string
	SavePropertyValueModel savedValues
}

type createPropertyReply struct {
	acs.Common
	CreateResult propertyResult
}

// createProperty creates a property whose users hold any of its values
// (a multiselect property). A value given twice is saved once, the
// repeat reported failed, as eds-user does.
func (a api) createProperty(c *acs.Call) (acs.Reply, error) {
	key := c.Params.Get("PropertyKey")
	if key == "" {
		return nil, acs.Missing("PropertyKey")
	}
	values, err := c.List("PropertyValues")
	if err != nil {
		return nil, err
	}
	var opts []store.OptionInput
	var failed []failedValue
	seen := map[string]bool{}
	for _, v := range values {
		if seen[v] {
			failed = append(failed, failedValue{PropertyValue: v, ErrorCode: "ExistedPropertyValue", ErrorMessage: "The value is given twice."})
			continue
		}
		seen[v] = true
		opts = append(opts, store.OptionInput{Value: v})
	}
	p, err := a.store.CreateProperty(c.Request().Context(), c.Key.TenantID, store.NewProperty{Key: key, Type: "multiselect", Options: opts})
	if err != nil {
		return nil, err
	}
	out := &createPropertyReply{}
	out.CreateResult.PropertyId, out.CreateResult.PropertyKey = p.ID, p.Key
	out.CreateResult.SavePropertyValueModel = savedValues{SavePropertyValues: propertyValues(p), FailedPropertyValues: []failedValue{}}
	for _, f := range failed {
		f.PropertyId = p.ID
		out.CreateResult.SavePropertyValueModel.FailedPropertyValues = append(out.CreateResult.SavePropertyValueModel.FailedPropertyValues, f)
	}
	return out, nil
}

type updatePropertyReply struct {
	acs.Common
	UpdateResult propertyResult
}

// updateProperty renames a property (PropertyKey; users keep their values)
// and edits its values by PropertyValueId; an entry without an id adds a
// value. Values not named stay as they are. An unknown id or a value
// another value of the property already has fails alone, as eds-user
// reports it; the rest is saved in one transaction.
func (a api) updateProperty(c *acs.Call) (acs.Reply, error) {
	p, err := a.property(c)
	if err != nil {
		return nil, err
	}
	key := c.Params.Get("PropertyKey")
	if key == "" {
		return nil, acs.Missing("PropertyKey")
	}
	edits, err := objectListParam(c, "PropertyValues")
	if err != nil {
		return nil, err
	}
	opts := make([]store.OptionInput, len(p.Options))
	at := map[string]int{} // PropertyValueId -> the value's place in opts
	for i, o := range p.Options {
		opts[i] = store.OptionInput{ID: o.PublicID(), Value: o.Value, DisplayName: o.DisplayName}
		at[strconv.FormatInt(o.ID, 10)] = i
	}
	failed := []failedValue{}
	var saved []int // places in opts of the values edited or added
	for _, e := range edits {
		id, v := e["PropertyValueId"], strings.TrimSpace(e["PropertyValue"])
		i, known := at[id]
		if id == "" {
			i = -1
		}
		switch taken := slices.IndexFunc(opts, func(o store.OptionInput) bool { return o.Value == v }); {
		case id != "" && !known:
			failed = append(failed, failedValue{PropertyId: p.ID, PropertyValue: v, ErrorCode: "PropertyValueNotFound",
				ErrorMessage: "The property has no value with PropertyValueId " + id + "."})
		case taken >= 0 && taken != i:
			failed = append(failed, failedValue{PropertyId: p.ID, PropertyValue: v, ErrorCode: "ExistedPropertyValue",
				ErrorMessage: "The property already has this value."})
		case i < 0:
			saved = append(saved, len(opts))
			opts = append(opts, store.OptionInput{Value: v})
		default:
			opts[i].Value = v
			saved = append(saved, i)
		}
	}
	upd := store.PropertyUpdate{Key: &key}
	if len(saved) > 0 {
		upd.Options = &opts
	}
	if p, err = a.store.UpdateProperty(c.Request().Context(), c.Key.TenantID, p.ID, upd); err != nil {
		return nil, err
	}
	out := &updatePropertyReply{UpdateResult: propertyResult{PropertyId: p.ID, PropertyKey: p.Key,
		SavePropertyValueModel: savedValues{SavePropertyValues: []propertyValue{}, FailedPropertyValues: failed}}}
	for _, i := range saved {
		// Values come back in id order: those there before as they were,
		// then the added ones in the order given, as in opts.
		o := p.Options[i]
		out.UpdateResult.SavePropertyValueModel.SavePropertyValues = append(out.UpdateResult.SavePropertyValueModel.SavePropertyValues,
			propertyValue{PropertyValueId: o.ID, PropertyValue: o.Value})
	}
	return out, nil
}

func propertyValues(p store.Property) []propertyValue {
	vs := []propertyValue{}
	for _, o := range p.Options {
		vs = append(vs, propertyValue{PropertyValueId: o.ID, PropertyValue: o.Value})
	}
	return vs
}

type listPropertyValueReply struct {
	acs.Common
	PropertyValueInfos []propertyValue
}

// listPropertyValue answers a property's values.
func (a api) listPropertyValue(c *acs.Call) (acs.Reply, error) {
	p, err := a.property(c)
	if err != nil {
		return nil, err
	}
	return &listPropertyValueReply{PropertyValueInfos: propertyValues(p)}, nil
}

type useCountReply struct {
	acs.Common
	UseCount int64
}

// checkUsedProperty answers how many users hold a value of a property.
func (a api) checkUsedProperty(c *acs.Call) (acs.Reply, error) {
	p, err := a.property(c)
	if err != nil {
		return nil, err
	}
	return &useCountReply{UseCount: int64(p.UserCount)}, nil
}

// checkUsedPropertyValue answers how many users hold one value.
func (a api) checkUsedPropertyValue(c *acs.Call) (acs.Reply, error) {
	p, err := a.property(c)
	if err != nil {
		return nil, err
	}
	id, err := int64Param(c, "PropertyValueId")
	if err != nil {
		return nil, err
	}
	for _, o := range p.Options {
		if o.ID == id {
			return &useCountReply{UseCount: int64(o.UserCount)}, nil
		}
	}
	return nil, &acs.Error{Status: 404, Code: "PropertyValueNotFound", Message: "The property has no value with this PropertyValueId."}
}

// property reads the property PropertyId names, with its values and
// usage counts.
func (a api) property(c *acs.Call) (store.Property, error) {
	id, err := int64Param(c, "PropertyId")
	if err != nil {
		return store.Property{}, err
	}
	return a.store.GetProperty(c.Request().Context(), c.Key.TenantID, id)
}

// changeUserValue binds one value of a property to a user (the numeric
// UserId; UserName, when given, must name the same user), or unbinds it.
func (a api) changeUserValue(add bool) func(*acs.Call) (acs.Reply, error) {
	return func(c *acs.Call) (acs.Reply, error) {
		property, err := int64Param(c, "PropertyId")
		if err != nil {
			return nil, err
		}
		option, err := int64Param(c, "PropertyValueId")
		if err != nil {
			return nil, err
		}
		user, err := int64Param(c, "UserId")
		if err != nil {
			return nil, err
		}
		ctx := c.Request().Context()
		if name := c.Params.Get("UserName"); name != "" {
			ids, err := a.store.UserIDsByUsername(ctx, c.Key.TenantID, []string{name})
			if err != nil {
				return nil, err
			}
			if ids[name] != store.PublicID(store.PrefixUser, user) {
				return nil, acs.Invalid("UserName", "it does not name the user UserId names")
			}
		}
		if err := a.store.ChangeUserPropertyOption(ctx, c.Key.TenantID, user, property, option, add); err != nil {
			return nil, err
		}
		return &emptyReply{}, nil
	}
}
