package request

import (
	"net/url"
	"strconv"
	"strings"

	"roster/store"
)

// UserFilterParams are the query parameters of GET /users (and the console's
// users list).
var UserFilterParams = map[string]bool{
	"org_unit_id": true, "include_descendants": true, "group_id": true, "property": true,
	"user_ids": true, "username_prefix": true, "display_name_prefix": true, "email": true,
	"phone_region": true, "phone_number": true, "external_id": true, "source_type": true,
	"source_id": true, "user_type": true, "tag": true, "status": true, "locked": true, "q": true, "sort": true,
	"created_from": true, "created_to": true, "owner_type": true,
	"username": true, "usernames": true, "exclude_usernames": true, "exclude_group_id": true,
	"max_results": true, "next_token": true, "page_number": true, "page_size": true,
}

// UserFilter reads the users list parameters. Every malformed value is
// reported under its parameter's name.
func UserFilter(q url.Values) (store.UserFilter, store.FieldErrors) {
	f := store.UserFilter{
		UsernamePrefix: q.Get("username_prefix"), DisplayNamePrefix: q.Get("display_name_prefix"),
		Email: strings.TrimSpace(q.Get("email")), PhoneRegion: q.Get("phone_region"), PhoneNumber: q.Get("phone_number"),
		ExternalID: q.Get("external_id"), SourceType: q.Get("source_type"), SourceID: q.Get("source_id"),
		UserType: q.Get("user_type"), OwnerType: q.Get("owner_type"), Status: q.Get("status"), Query: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"),
	}
	var fe store.FieldErrors
	var ok bool
	f.Page, fe = Page(q)
	if v := q.Get("user_ids"); v != "" {
		for _, s := range strings.Split(v, ",") {
			id, ok := store.ParseID(store.PrefixUser, strings.TrimSpace(s))
			if !ok {
				fe["user_ids"] = "Give user ids like u_1f, separated by commas."
				break
			}
			f.IDs = append(f.IDs, id)
		}
	}
	for param, to := range map[string]*[]string{"usernames": &f.Usernames, "exclude_usernames": &f.ExcludeUsernames} {
		if v := q.Get(param); v != "" {
			*to = strings.Split(v, ",")
		}
	}
	if v := q.Get("username"); v != "" {
		if f.Usernames != nil {
			fe["username"] = "Give username (one, exact) or usernames (a list), not both."
		}
		f.Usernames = []string{v}
	}
	for _, t := range q["tag"] {
		if t == "" {
			continue // the console's form sends its empty tag field
		}
		k, v, hasValue := strings.Cut(t, "=")
		f.Tags = append(f.Tags, store.TagMatch{Key: k, Value: v, HasValue: hasValue})
	}
	if v := q.Get("exclude_group_id"); v != "" {
		if f.ExcludeGroupID, ok = store.ParseID(store.PrefixGroup, v); !ok {
			fe["exclude_group_id"] = "Give a group id like g_1."
		}
	}
	if v := q.Get("locked"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fe["locked"] = "Must be true or false."
		}
		f.Locked = &b
	}
	if v := q.Get("org_unit_id"); v != "" {
		if f.OrgUnitID, ok = store.ParseID(store.PrefixOrgUnit, v); !ok {
			fe["org_unit_id"] = "Give an org unit id like ou_1."
		}
	}
	if v := q.Get("include_descendants"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fe["include_descendants"] = "Must be true or false."
		}
		f.SubUnits = b
	}
	if v := q.Get("group_id"); v != "" {
		if f.GroupID, ok = store.ParseID(store.PrefixGroup, v); !ok {
			fe["group_id"] = "Give a group id like g_1."
		}
	}
	for _, kv := range q["property"] {
		k, v, found := strings.Cut(kv, ":")
		if !found || k == "" {
			fe["property"] = "Give property filters as key:value, e.g. property=department:sales."
			break
		}
		if f.Properties == nil {
			f.Properties = map[string][]string{}
		}
		f.Properties[k] = append(f.Properties[k], v)
	}
	if f.CreatedFrom, ok = Time(q.Get("created_from"), false); !ok {
		fe["created_from"] = "Enter a date like 2026-01-31 or a time like 2026-01-31T12:00:00Z."
	}
	if f.CreatedTo, ok = Time(q.Get("created_to"), true); !ok {
		fe["created_to"] = "Enter a date like 2026-01-31 or a time like 2026-01-31T12:00:00Z."
	}
	for k, v := range store.CheckUserFilter(f) {
		fe[k] = v
	}
	return f, fe
}
