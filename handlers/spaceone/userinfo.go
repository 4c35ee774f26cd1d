package spaceone

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

// call is a request whose domain_id names the API key's tenant.
type call struct {
	echo.Context
	tenant store.Tenant
}

// domainRequest is what every request carries.
type domainRequest struct {
	DomainID string `json:"domain_id"`
}

// bind reads the body into req (which embeds domainRequest) and checks its
// domain_id: the key's tenant, by id or alias.
func (h *Handler) bind(c echo.Context, req any, domain *string) (*call, error) {
	if err := request.BindJSON(c, req); err != nil {
		return nil, err
	}
	if *domain == "" {
		return nil, required("domain_id")
	}
	t, err := h.store.GetTenant(c.Request().Context(), request.KeyOf(c).TenantID)
	if err != nil {
		return nil, err
	}
	if *domain != t.PublicID() && *domain != t.Alias {
		return nil, &Error{"PERMISSION_DENIED", "ERROR_PERMISSION_DENIED",
			fmt.Sprintf("Permission denied. (domain_id = %s): the API key belongs to domain %s.", *domain, t.PublicID())}
	}
	return &call{Context: c, tenant: t}, nil
}

func (c *call) id() int64 { return c.tenant.ID }

// bindUser binds req, a request about one user (ur, within req), and
// finds that user in the call's domain.
func (h *Handler) bindUser(c echo.Context, req any, ur *userRequest) (*call, store.User, error) {
	cl, err := h.bind(c, req, &ur.DomainID)
	if err != nil {
		return nil, store.User{}, err
	}
	u, err := h.user(cl, ur.UserID)
	return cl, u, err
}

// user finds the user of userID (a username) in the call's domain.
func (h *Handler) user(c *call, userID string) (store.User, error) {
	if userID == "" {
		return store.User{}, required("user_id")
	}
	ids, err := h.store.UserIDsByUsername(c.Request().Context(), c.id(), []string{userID})
	if err != nil {
		return store.User{}, err
	}
	id, ok := store.ParseID(store.PrefixUser, ids[userID])
	if !ok {
		return store.User{}, notFound("user_id", userID)
	}
	return h.store.GetUser(c.Request().Context(), c.id(), id)
}

// backend is LOCAL for users made in Roster, EXTERNAL for users provisioned
// from an outside source.
func backend(u store.User) string {
	if u.SourceType == "built_in" {
		return "LOCAL"
	}
	return "EXTERNAL"
}

// userInfo is u as SpaceONE's UserInfo in domain (as the caller names
// it); only, when not empty, picks the fields returned.
func userInfo(u store.User, domain string, only []string) map[string]any {
	return inDomain(rowInfo(&u), domain, only)
}

// rowInfo is u as SpaceONE's UserInfo but for domain_id: what comes from
// u's row alone, which user/list keeps in its users cache.
func rowInfo(u *store.User) map[string]any {
	actions := make([]string, len(u.RequiredActions))
	for i, a := range u.RequiredActions {
		actions[i] = strings.ToUpper(a)
	}
	lastAccessed := ""
	if u.LastLoginAt != nil {
		lastAccessed = u.LastLoginAt.UTC().Format(time.RFC3339)
	}
	return map[string]any{
		"user_id": u.Username, "name": u.DisplayName, "state": strings.ToUpper(u.Status), "email": u.Email,
		"email_verified": u.EmailVerified, "user_type": strings.ToUpper(u.UserType), "backend": backend(*u),
		"language": u.Language, "timezone": u.Timezone, "required_actions": actions, "tags": u.Tags,
		"last_accessed_at": lastAccessed, "created_at": u.CreatedAt.UTC().Format(time.RFC3339),
	}
}

// inDomain is a new UserInfo of a rowInfo (which it leaves as it is, its
// values shared) in domain; only, when not empty, picks the fields.
func inDomain(info map[string]any, domain string, only []string) map[string]any {
	if len(only) == 0 {
		out := make(map[string]any, len(info)+1)
		maps.Copy(out, info)
		out["domain_id"] = domain
		return out
	}
	out := map[string]any{}
	for _, k := range only {
		if k == "domain_id" {
			out[k] = domain
		} else if v, ok := info[k]; ok {
			out[k] = v
		}
	}
	return out
}

// infoSize is about the bytes a rowInfo holds: its map of 13 entries, and
// the text of its values.
func infoSize(info map[string]any) int {
	n := 1024
	for _, v := range info {
		switch v := v.(type) {
		case string:
			n += len(v)
		case []string:
			for _, s := range v {
				n += 16 + len(s)
			}
		case map[string]string:
			for k, s := range v {
				n += 48 + len(k) + len(s)
			}
		}
	}
	return n
}

// tags reads SpaceONE tags: an object, or a list of {key, value}.
func tags(raw json.RawMessage) (map[string]string, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err == nil {
		out := map[string]string{}
		for k, v := range obj {
			s, ok := v.(string)
			if !ok {
				return nil, invalid("tags", fmt.Sprintf("the value of tag %q is not a string", k))
			}
			out[k] = s
		}
		return out, nil
	}
	var list []struct {
		Key   *string `json:"key"`
		Value *string `json:"value"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, invalid("tags", "tags must be an object or a list of {key, value}")
	}
	out := map[string]string{}
	for _, t := range list {
		if t.Key == nil || t.Value == nil {
			return nil, invalid("tags", "each tag of the list needs a key and a string value")
		}
		out[*t.Key] = *t.Value
	}
	return out, nil
}

// enum reads an upper-case enum value among names (case aside), or
// returns "" when v is empty.
func enum(key, v string, names ...string) (string, error) {
	if v == "" {
		return "", nil
	}
	for _, n := range names {
		if strings.EqualFold(v, n) {
			return strings.ToLower(n), nil
		}
	}
	return "", invalid(key, fmt.Sprintf("%s must be one of %s", key, strings.Join(names, ", ")))
}

var emailUserID = regexp.MustCompile(`^[^@]+@[^@]+\.[^@]+$`)

// checkPassword is SpaceONE's rule for local passwords: 8 characters or
// more, with a lower-case letter, an upper-case letter and a digit. The
// tenant's own password policy applies on top.
func checkPassword(pw string) error {
	var lower, upper, digit bool
	for _, r := range pw {
		lower = lower || unicode.IsLower(r)
		upper = upper || unicode.IsUpper(r)
		digit = digit || unicode.IsDigit(r)
	}
	if len([]rune(pw)) < 8 || !lower || !upper || !digit {
		return invalidArgument("ERROR_INCORRECT_PASSWORD_FORMAT",
			"Incorrect password format. (rule = at least 8 characters, with a lower-case letter, an upper-case letter and a digit)")
	}
	return nil
}
