package edsuser

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"roster/handlers/acs"
	"roster/store"
)

// filteredUser is eds-user's user object as FilterUsers answers it: much
// of DescribeUsers' object under other names, with the user's property
// values by id. Roster has no desktops, login policies or identity
// providers, so their lists are empty.
type filteredUser struct {
	Id                      int64  //nolint:revive // the protocol's spelling
	EndUserId               string //nolint:revive // the protocol's spelling
	Email                   string
	Phone                   string `json:",omitempty"`
	RealNickName            string
	Remark                  string
	Status                  int
	OwnerType               string
	IsTenantManager         bool
	EnableAdminAccess       bool
	AutoLockTime            string `json:",omitempty"`
	PasswordExpireRestDays  *int   `json:",omitempty"` // days left until the password expires, when it does
	ExternalInfo            externalInfo
	Groups                  []userGroup
	OrgList                 []userOrg
	ResourcePolicyList      []resourcePolicy
	SupportLoginIdps        []loginIdp
	UserSetPropertiesModels []userProperty
}

type externalInfo struct {
	ExternalName string
	JobNumber    string
}

type resourcePolicy struct {
	PolicyId   string //nolint:revive // the protocol's spelling
	PolicyName string
}

type loginIdp struct {
	IdpId   string //nolint:revive // the protocol's spelling
	IdpName string
}

// userProperty is one property's values of one user.
type userProperty struct {
	PropertyId     int64 //nolint:revive // the protocol's spelling
	PropertyKey    string
	PropertyType   int
	PropertyValues []propertyValue
	UserId         int64 //nolint:revive // the protocol's spelling
	UserName       string
}

// propertyType numbers Roster's property types for PropertyType, whose
// values eds-user leaves undocumented: the position in store.PropertyTypes,
// from 1.
func propertyType(p *store.Property) int { return slices.Index(store.PropertyTypes, p.Type) + 1 }

type filterUsersReply struct {
	acs.Common
	Users     []filteredUser
	NextToken string
}

// filterUsers lists users as DescribeUsers does, with FilterUsers' own
// filters too: the owner type, and property values named by id
// (PropertyFilterParam) or by key and text (PropertyKeyValueFilterParam).
// Every entry must hold; within one, any of its comma-separated values.
// MaxResults over 100 is taken as 100.
func (a api) filterUsers(c *acs.Call) (acs.Reply, error) {
	for _, name := range []string{"IncludeDesktopCount", "IncludeDesktopGroupCount"} {
		if yes, err := boolParam(c, name); err != nil {
			return nil, err
		} else if yes {
			return nil, acs.Invalid(name, "Roster has no desktops to count")
		}
	}
	f, err := a.userFilter(c)
	if err != nil {
		return nil, err
	}
	include, err := c.List("IncludeEndUserIds")
	if err != nil {
		return nil, err
	}
	f.Usernames = append(f.Usernames, include...)
	if v := c.Params.Get("OwnerType"); v != "" {
		if f.OwnerType = ownerTypes[v]; f.OwnerType == "" {
			return nil, acs.Invalid("OwnerType", "Normal or CreateFromManager, not "+v)
		}
	}
	ctx := c.Request().Context()
	props, err := a.store.PropertyDefinitions(ctx, c.Key.TenantID)
	if err != nil {
		return nil, err
	}
	if f.Properties, err = propertyFilters(c, props); err != nil {
		return nil, err
	}
	if f.Sort, err = orderParam(c); err != nil {
		return nil, err
	}
	limit, err := c.Int("MaxResults", 100, 1, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	page, next, err := a.listUsers(ctx, c.Key.TenantID, f, c.Params.Get("NextToken"), min(limit, 100))
	if err != nil {
		return nil, err
	}
	users, err := a.compose(ctx, c.Key.TenantID, page)
	if err != nil {
		return nil, err
	}
	out := &filterUsersReply{Users: make([]filteredUser, len(users)), NextToken: next}
	now := a.store.Now()
	for i, u := range users {
		out.Users[i] = filteredUser{Id: u.Id, EndUserId: u.EndUserId, Email: u.Email, Phone: u.Phone,
			RealNickName: u.RealNickName, Remark: u.Remark, Status: u.Status, OwnerType: u.OwnerType,
			IsTenantManager: u.IsTenantManager, AutoLockTime: u.AutoLockTime, Groups: u.Groups, OrgList: u.Orgs,
			ResourcePolicyList: []resourcePolicy{}, SupportLoginIdps: []loginIdp{},
			UserSetPropertiesModels: page.users[i].properties}
		if at := page.users[i].passwordExpiresAt; at != nil {
			days := max(0, int(math.Ceil(at.Sub(now).Hours()/24)))
			out.Users[i].PasswordExpireRestDays = &days
		}
	}
	return out, nil
}

// userProperties are u's property values, a property at a time by key,
// each value with its id (0 for a free value, which has none).
func userProperties(u store.User) []userProperty {
	out := []userProperty{}
	for _, key := range slices.Sorted(maps.Keys(u.Properties)) {
		pv := u.Properties[key]
		m := userProperty{PropertyId: pv.Property.ID, PropertyKey: key, PropertyType: propertyType(pv.Property),
			PropertyValues: []propertyValue{}, UserId: u.ID, UserName: u.Username}
		for _, v := range pv.Values {
			var id int64
			if i := slices.IndexFunc(pv.Property.Options, func(o store.PropertyOption) bool { return o.Value == v }); i >= 0 {
				id = pv.Property.Options[i].ID
			}
			m.PropertyValues = append(m.PropertyValues, propertyValue{PropertyValueId: id, PropertyValue: v})
		}
		out = append(out, m)
	}
	return out
}

// propertyFilters reads PropertyFilterParam and PropertyKeyValueFilterParam
// into the store's filter: values by property key. A property named twice
// is refused: AND or OR between its entries would be a guess.
func propertyFilters(c *acs.Call, props []store.Property) (map[string][]string, error) {
	out := map[string][]string{}
	add := func(param, key string, values []string) error {
		if _, twice := out[key]; twice {
			return acs.Invalid(param, "names property "+key+" twice; list its values in one entry, comma-separated")
		}
		out[key] = values
		return nil
	}
	byID, err := objectListParam(c, "PropertyFilterParam")
	if err != nil {
		return nil, err
	}
	for _, it := range byID {
		id, err := strconv.ParseInt(it["PropertyId"], 10, 64)
		i := slices.IndexFunc(props, func(p store.Property) bool { return p.ID == id })
		if err != nil || i < 0 {
			return nil, acs.Invalid("PropertyFilterParam.PropertyId", "no property of this tenant has the id "+it["PropertyId"])
		}
		p := props[i]
		var values []string
		for _, v := range splitList(it["PropertyValueIds"]) {
			vid, err := strconv.ParseInt(v, 10, 64)
			j := slices.IndexFunc(p.Options, func(o store.PropertyOption) bool { return o.ID == vid })
			if err != nil || j < 0 {
				return nil, acs.Invalid("PropertyFilterParam.PropertyValueIds", "property "+p.Key+" has no value with the id "+v)
			}
			values = append(values, p.Options[j].Value)
		}
		if len(values) == 0 {
			return nil, acs.Missing("PropertyFilterParam.PropertyValueIds")
		}
		if err := add("PropertyFilterParam", p.Key, values); err != nil {
			return nil, err
		}
	}
	byKey, err := objectListParam(c, "PropertyKeyValueFilterParam")
	if err != nil {
		return nil, err
	}
	for _, it := range byKey {
		if it["PropertyKey"] == "" {
			return nil, acs.Missing("PropertyKeyValueFilterParam.PropertyKey")
		}
		values := splitList(it["PropertyValues"])
		if len(values) == 0 {
			return nil, acs.Missing("PropertyKeyValueFilterParam.PropertyValues")
		}
		if err := add("PropertyKeyValueFilterParam", it["PropertyKey"], values); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// splitList reads a comma-separated list, blanks left out.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// orderParam reads OrderParam{OrderField, OrderType}, flattened as
// OrderParam.OrderField or as one JSON object, into the store's sort.
// OrderType is DESC when absent, as eds-user's is. Ordering by id is
// refused: no index keeps users in that order within a tenant.
func orderParam(c *acs.Call) (string, error) {
	field, kind := c.Params.Get("OrderParam.OrderField"), c.Params.Get("OrderParam.OrderType")
	if v := c.Params.Get("OrderParam"); v != "" {
		var o struct{ OrderField, OrderType string }
		if err := json.Unmarshal([]byte(v), &o); err != nil {
			return "", acs.Invalid("OrderParam", "not an object {OrderField, OrderType}")
		}
		field, kind = o.OrderField, o.OrderType
	}
	var sort string
	switch field {
	case "":
		if kind != "" {
			return "", acs.Missing("OrderParam.OrderField")
		}
		return "", nil
	case "EndUserId":
		sort = "username"
	case "gmt_created":
		sort = "created_at"
	case "id":
		return "", acs.Invalid("OrderParam.OrderField", "id is not an order Roster can page through efficiently; use EndUserId or gmt_created")
	default:
		return "", acs.Invalid("OrderParam.OrderField", "EndUserId or gmt_created, not "+field)
	}
	switch strings.ToUpper(kind) {
	case "", "DESC":
		return "-" + sort, nil
	case "ASC":
		return sort, nil
	}
	return "", acs.Invalid("OrderParam.OrderType", "ASC or DESC, not "+kind)
}
