package edsuser

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"roster/handlers/acs"
	"roster/store"
)

// endUserID is eds-user's rule for usernames, stricter than Roster's.
var endUserID = regexp.MustCompile(`^[a-z0-9_]{3,24}$`)

type createdUser struct {
	EndUserId    string //nolint:revive // the protocol's spelling
	Email        string
	Phone        string `json:",omitempty"`
	RealNickName string
	Remark       string
}

type failedNewUser struct {
	EndUserId    string //nolint:revive // the protocol's spelling
	Email        string
	Phone        string `json:",omitempty"`
	ErrorCode    string
	ErrorMessage string
}

type createUsersReply struct {
	acs.Common
	AllSucceed   bool
	CreateResult struct {
		CreatedUsers []createdUser
		FailedUsers  []failedNewUser
	}
}

// createUsers creates users, each alone: one refused does not stop the
// others. A user without a password is emailed an invitation to set one.
func (a api) createUsers(c *acs.Call) (acs.Reply, error) {
	lockAt, err := a.lockTimeParam(c)
	if err != nil {
		return nil, err
	}
	if _, err := boolParam(c, "IsLocalAdmin"); err != nil {
		return nil, err
	}
	items, err := objectListParam(c, "Users")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, acs.Missing("Users")
	}
	out := &createUsersReply{}
	out.CreateResult.CreatedUsers, out.CreateResult.FailedUsers = []createdUser{}, []failedNewUser{}
	var news []store.NewUser
	var given []map[string]string
	for _, it := range items {
		n, code, msg, err := a.newUser(c, it, c.Params.Get("Password"))
		if err != nil {
			return nil, err
		}
		n.LockAt = lockAt
		if code != "" {
			out.CreateResult.FailedUsers = append(out.CreateResult.FailedUsers,
				failedNewUser{EndUserId: it["EndUserId"], Email: it["Email"], Phone: it["Phone"], ErrorCode: code, ErrorMessage: msg})
			continue
		}
		news, given = append(news, n), append(given, it)
	}
	if len(news) > 0 {
		res, err := a.store.CreateUsers(c.Request().Context(), c.Key.TenantID, news)
		if err != nil {
			return nil, err
		}
		for _, ok := range res.Succeeded {
			it := given[ok.Index]
			out.CreateResult.CreatedUsers = append(out.CreateResult.CreatedUsers, createdUser{EndUserId: it["EndUserId"],
				Email: it["Email"], Phone: it["Phone"], RealNickName: it["RealNickName"], Remark: it["Remark"]})
		}
		for _, f := range res.Failed {
			it := given[f.Index]
			code := failureCodes[f.Code]
			if code == "" {
				code = "InvalidParameter"
			}
			out.CreateResult.FailedUsers = append(out.CreateResult.FailedUsers,
				failedNewUser{EndUserId: it["EndUserId"], Email: it["Email"], Phone: it["Phone"], ErrorCode: code, ErrorMessage: f.Message})
		}
	}
	out.AllSucceed = len(out.CreateResult.FailedUsers) == 0
	return out, nil
}

// newUser reads one of CreateUsers' users; code and msg say why it is
// refused, when it is.
func (a api) newUser(c *acs.Call, it map[string]string, password string) (n store.NewUser, code, msg string, err error) {
	id := it["EndUserId"]
	if !endUserID.MatchString(id) {
		return n, "InvalidUsername", "EndUserId must be 3 to 24 lowercase letters, digits or _.", nil
	}
	owner, ok := ownerTypes[it["OwnerType"]]
	if !ok {
		return n, "InvalidParameter", "OwnerType must be Normal (the user is sent the notices) or CreateFromManager (the administrator is).", nil
	}
	// An administrator-activated account may have neither: its notices go
	// to the administrator.
	if it["Email"] == "" && it["Phone"] == "" && owner != store.OwnerManager {
		return n, "InvalidParameter", "Each user needs an Email or a Phone.", nil
	}
	n = store.NewUser{Username: id, Email: it["Email"], DisplayName: it["RealNickName"], Description: it["Remark"], Password: password,
		OwnerType: owner}
	if p := it["Password"]; p != "" {
		n.Password = p
	}
	n.Invite = n.Password == "" && (n.Email != "" || owner == store.OwnerManager)
	if p := it["Phone"]; p != "" {
		region, number, ok := strings.Cut(strings.TrimPrefix(p, "+"), " ")
		if !strings.HasPrefix(p, "+") || !ok {
			return n, "InvalidParameter", "Phone must be +region number, e.g. +86 13800000000.", nil
		}
		n.PhoneRegion, n.PhoneNumber = region, number
	}
	if n.OrgUnitID, err = a.org(c, "OrgId", it["OrgId"]); err != nil {
		return n, "InvalidParameter", err.Error(), nil
	}
	for k, v := range it {
		if !strings.HasPrefix(k, "GroupIdList.") {
			continue
		}
		g, ok := store.ParseID(store.PrefixGroup, v)
		if !ok {
			return n, "InvalidParameter", "GroupIdList holds " + v + ", not a group id.", nil
		}
		n.Groups = append(n.Groups, g)
	}
	slices.Sort(n.Groups)
	return n, "", "", nil
}

// objectListParam reads a list of objects, flattened as name.1.Key,
// name.1.List.1, … or as one JSON array; each object's fields keep their
// flattened names below the item (Key, List.1).
func objectListParam(c *acs.Call, name string) ([]map[string]string, error) {
	if v := c.Params.Get(name); v != "" {
		var raw []map[string]any
		if err := json.Unmarshal([]byte(v), &raw); err != nil {
			return nil, acs.Invalid(name, "not a list of objects")
		}
		out := make([]map[string]string, len(raw))
		for i, r := range raw {
			out[i] = map[string]string{}
			for k, v := range r {
				if list, ok := v.([]any); ok {
					for j, x := range list {
						out[i][k+"."+strconv.Itoa(j+1)] = toString(x)
					}
					continue
				}
				out[i][k] = toString(v)
			}
		}
		return out, nil
	}
	byIndex := map[int]map[string]string{}
	for k, vs := range c.Params {
		rest, ok := strings.CutPrefix(k, name+".")
		if !ok {
			continue
		}
		num, field, ok := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 1 || n > store.MaxBatch {
			return nil, acs.Invalid(k, "list items are numbered from 1 to "+strconv.Itoa(store.MaxBatch))
		}
		if byIndex[n] == nil {
			byIndex[n] = map[string]string{}
		}
		byIndex[n][field] = vs[0]
	}
	var out []map[string]string
	for _, n := range slices.Sorted(maps.Keys(byIndex)) {
		out = append(out, byIndex[n])
	}
	return out, nil
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// modifyUser changes a user's email and phone; a parameter left out stays,
// one given empty clears.
func (a api) modifyUser(c *acs.Call) (acs.Reply, error) {
	id, err := a.endUser(c)
	if err != nil {
		return nil, err
	}
	var upd store.UserUpdate
	if c.Params.Has("Email") {
		email := c.Params.Get("Email")
		upd.Email = &email
	}
	if c.Params.Has("Phone") {
		var region, number string
		if p := c.Params.Get("Phone"); p != "" {
			var ok bool
			region, number, ok = strings.Cut(strings.TrimPrefix(p, "+"), " ")
			if !strings.HasPrefix(p, "+") || !ok {
				return nil, acs.Invalid("Phone", "must be +region number, e.g. +86 13800000000")
			}
		}
		upd.PhoneRegion, upd.PhoneNumber = &region, &number
	}
	if _, err := a.store.UpdateUser(c.Request().Context(), c.Key.TenantID, id, upd); err != nil {
		return nil, err
	}
	return &emptyReply{}, nil
}
