package scim

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

// maxCount is the most resources one list answers.
const maxCount = store.QueryMaxResults

// listUsers answers GET /Users: a filter, a sort and a page of startIndex
// and count (RFC 7644 section 3.4.2), in a stable order.
func (h *Handler) listUsers(c echo.Context) error {
	ctx, tenant := c.Request().Context(), request.KeyOf(c).TenantID
	pg, err := readPage(c)
	if err != nil {
		return err
	}
	q := store.UserQuery{Offset: pg.start - 1, Limit: pg.count, CountOnly: pg.count == 0,
		Sort: []store.QuerySort{{Field: "created_at"}}}
	if f := c.QueryParam("filter"); f != "" {
		if q.Where, err = userFilter(f); err != nil {
			return err
		}
	}
	if by := c.QueryParam("sortBy"); by != "" {
		field, ok := userSortFields[lowerPath(by)]
		if !ok {
			return invalidValue("sortBy: users cannot be sorted by %s; sort by userName, displayName, emails, meta.created or meta.lastModified.", by)
		}
		q.Sort = []store.QuerySort{{Field: field, Desc: pg.desc}}
	} else if pg.desc {
		q.Sort[0].Desc = true
	}
	l, err := h.store.QueryUsers(ctx, tenant, q)
	if err != nil {
		return queryError(err)
	}
	resources, err := h.userResources(c, l.Items)
	if err != nil {
		return err
	}
	setResult(c, "Listed %d of %d users", len(resources), l.Total)
	return writeList(c, pg, l.Total, project(c, resources))
}

var userSortFields = map[string]string{"username": "username", "displayname": "display_name", "name.formatted": "display_name",
	"emails": "email", "emails.value": "email", "meta.created": "created_at", "meta.lastmodified": "updated_at", "id": "id"}

// userResources are users as SCIM Users, with their groups.
func (h *Handler) userResources(c echo.Context, users []store.User) ([]map[string]any, error) {
	ctx, tenant := c.Request().Context(), request.KeyOf(c).TenantID
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	groups, err := h.store.GroupsOfUsers(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	defs, err := h.store.PropertyDefinitions(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(users))
	for i, u := range users {
		out[i] = h.userResource(h.location(c, "Users", u.PublicID()), u, groups[u.ID], defs)
	}
	return out, nil
}

func (h *Handler) writeUser(c echo.Context, code int, u store.User) error {
	rs, err := h.userResources(c, []store.User{u})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, rs[0]["meta"].(map[string]any)["location"].(string))
	return write(c, code, project(c, rs)[0])
}

// user is the user the request's :id names.
func (h *Handler) user(c echo.Context) (store.User, error) {
	pid := c.Param("id")
	id, ok := store.ParseID(store.PrefixUser, pid)
	if !ok {
		return store.User{}, notFound("User", pid)
	}
	u, err := h.store.GetUser(c.Request().Context(), request.KeyOf(c).TenantID, id)
	if err != nil {
		if _, ok := answerable(err); ok {
			return store.User{}, notFound("User", pid)
		}
		return store.User{}, err
	}
	return u, nil
}

func (h *Handler) getUser(c echo.Context) error {
	u, err := h.user(c)
	if err != nil {
		return err
	}
	setResult(c, "Read user %s", u.Username)
	return h.writeUser(c, http.StatusOK, u)
}

// createUser answers POST /Users. Users an identity provider creates are
// of the source "scim", and enabled unless it says active is false.
func (h *Handler) createUser(c echo.Context) error {
	body, err := bind(c)
	if err != nil {
		return err
	}
	s, err := readUser(body)
	if err != nil {
		return err
	}
	n := store.NewUser{Username: s.Username, DisplayName: s.DisplayName, Email: s.Email, PhoneRegion: s.PhoneRegion,
		PhoneNumber: s.PhoneNumber, Password: s.Password, SourceType: "scim", ExternalID: s.ExternalID,
		Language: s.Language, Timezone: s.Timezone, Tags: s.Tags}
	if !s.Active {
		n.Status = store.StatusDisabled
	}
	if len(s.Properties) > 0 {
		n.Properties = s.Properties
	}
	u, err := h.store.CreateUser(c.Request().Context(), request.KeyOf(c).TenantID, n)
	if err != nil {
		return err
	}
	setResult(c, "Created user %s (%s)", u.Username, u.PublicID())
	return h.writeUser(c, http.StatusCreated, u)
}

// replaceUser answers PUT /Users/{id}: the user becomes what the body
// says, except that a body without the enterprise or Roster extension
// leaves what they hold (identity providers that know nothing of a
// tenant's custom properties would otherwise clear them).
func (h *Handler) replaceUser(c echo.Context) error {
	u, err := h.user(c)
	if err != nil {
		return err
	}
	body, err := bind(c)
	if err != nil {
		return err
	}
	s, err := readUser(body)
	if err != nil {
		return err
	}
	_, hasEnterprise := lookup(body, schemaEnterprise)
	_, hasRoster := lookup(body, schemaRoster)
	if u.PasswordSet {
		// Identity providers repeat the password they created the user
		// with in every PUT; it is changed by a PATCH of password.
		s.Password = ""
	}
	if u, err = h.apply(c.Request().Context(), u, s, hasEnterprise, hasRoster); err != nil {
		return err
	}
	setResult(c, "Replaced user %s", u.Username)
	return h.writeUser(c, http.StatusOK, u)
}

// patchUser answers PATCH /Users/{id}: the operations apply to the user
// as SCIM shows it, and the result is saved as a PUT of it would be.
func (h *Handler) patchUser(c echo.Context) error {
	u, err := h.user(c)
	if err != nil {
		return err
	}
	body, err := bind(c)
	if err != nil {
		return err
	}
	ops, err := readPatch(body)
	if err != nil {
		return err
	}
	for _, op := range ops {
		if attr, _, _ := strings.Cut(lowerPath(op.Path), "."); readOnly[attr] {
			return &Error{Status: http.StatusBadRequest, Type: "mutability", Detail: op.Path + " is read-only" + readOnlyWhy[attr]}
		}
	}
	defs, err := h.store.PropertyDefinitions(c.Request().Context(), request.KeyOf(c).TenantID)
	if err != nil {
		return err
	}
	doc := h.userResource("", u, nil, defs)
	delete(doc, "groups") // read-only: changed through Groups
	if len(defs) == 0 {
		doc[schemaRoster] = map[string]any{}
	}
	// The display name is displayName if an operation sets it, else
	// name.formatted; one made of the name's parts follows them.
	delete(doc, "displayName")
	derived := strings.TrimSpace(u.Tags["givenName"] + " " + u.Tags["familyName"])
	for _, op := range ops {
		if err := applyOp(doc, op); err != nil {
			return err
		}
	}
	if name, ok := doc["name"].(map[string]any); ok && derived != "" && name["formatted"] == derived {
		if _, set := lookup(doc, "displayName"); !set {
			delete(name, "formatted")
		}
	}
	s, err := readUser(doc)
	if err != nil {
		return err
	}
	if u, err = h.apply(c.Request().Context(), u, s, true, true); err != nil {
		return err
	}
	setResult(c, "Patched user %s (%d operations)", u.Username, len(ops))
	return h.writeUser(c, http.StatusOK, u)
}

// readOnly are the User attributes a PATCH may not name as its path.
var (
	readOnly    = map[string]bool{"id": true, "meta": true, "groups": true}
	readOnlyWhy = map[string]string{"id": ".", "meta": ".", "groups": "; change a user's groups through Groups."}
)

// apply makes u what s says in one of the store's transactions (each
// change with its audit event): the fields, the status, the password and
// the custom properties, all or none. withTags and withProperties say s
// holds the enterprise extension and the Roster extension.
func (h *Handler) apply(ctx context.Context, u store.User, s userState, withTags, withProperties bool) (store.User, error) {
	tenant := u.TenantID
	upd := store.UserUpdate{Username: &s.Username, DisplayName: &s.DisplayName, Email: &s.Email,
		PhoneRegion: &s.PhoneRegion, PhoneNumber: &s.PhoneNumber, ExternalID: &s.ExternalID}
	if s.hasLanguage {
		upd.Language = &s.Language
	}
	if s.hasTimezone {
		upd.Timezone = &s.Timezone
	}
	tags := maps.Clone(u.Tags)
	for _, k := range scimTags {
		if withTags || slices.Contains(nameTags, k) {
			delete(tags, k)
		}
	}
	for k, v := range s.Tags {
		if withTags || slices.Contains(nameTags, k) {
			tags[k] = v
		}
	}
	if !maps.Equal(tags, u.Tags) {
		upd.Tags = &tags
	}
	r := store.UserReplace{Update: upd, Password: s.Password}
	switch {
	case !s.hasActive: // a PUT without active leaves the status
	case s.Active:
		r.Action = store.ActionEnable
	default:
		r.Action = store.ActionDisable
	}
	if withProperties {
		r.Properties = map[string][]string{}
		for k, v := range s.Properties {
			if old, ok := u.Properties[k]; !ok || !slices.Equal(old.Values, v) {
				r.Properties[k] = v
			}
		}
		for k := range u.Properties {
			if _, ok := s.Properties[k]; !ok {
				r.Properties[k] = nil
			}
		}
	}
	u, err := h.store.ReplaceUser(ctx, tenant, u.ID, r)
	if err != nil {
		return u, propertyError(err)
	}
	return u, nil
}

// propertyError names a refused custom property by its SCIM attribute.
func propertyError(err error) error {
	var fe store.FieldErrors
	if request.AsFieldErrors(err, &fe) {
		k, msg := fe.First()
		if key, ok := strings.CutPrefix(k, store.PropertyField("")); ok {
			return invalidValue("%s:%s: %s", schemaRoster, key, msg)
		}
	}
	return err
}

// deleteUser answers DELETE /Users/{id}: the user is removed, as the
// console's delete does. (Identity providers that only deprovision send
// active=false instead, which disables.)
func (h *Handler) deleteUser(c echo.Context) error {
	u, err := h.user(c)
	if err != nil {
		return err
	}
	res, err := h.store.ApplyUserAction(c.Request().Context(), u.TenantID, store.UserAction{Kind: store.ActionDelete}, []string{u.PublicID()})
	if err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		return notFound("User", u.PublicID())
	}
	setResult(c, "Deleted user %s", u.Username)
	return c.NoContent(http.StatusNoContent)
}

// page is a list request's startIndex, count and sortOrder.
type page struct {
	start, count int
	desc         bool
}

func readPage(c echo.Context) (page, error) {
	p := page{start: 1, count: 100}
	if v := c.QueryParam("startIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return p, invalidValue("startIndex must be a number.")
		}
		p.start = max(n, 1) // RFC 7644: less than 1 is 1
	}
	if v := c.QueryParam("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return p, invalidValue("count must be a number.")
		}
		p.count = min(max(n, 0), maxCount)
	}
	if p.start-1 > store.QueryMaxOffset {
		return p, invalidValue("startIndex may be at most %d; narrow the filter instead.", store.QueryMaxOffset+1)
	}
	switch v := c.QueryParam("sortOrder"); v {
	case "", "ascending":
	case "descending":
		p.desc = true
	default:
		return p, invalidValue("sortOrder must be ascending or descending.")
	}
	return p, nil
}

func writeList(c echo.Context, p page, total int, resources []map[string]any) error {
	if resources == nil {
		resources = []map[string]any{}
	}
	return write(c, http.StatusOK, map[string]any{"schemas": []string{schemaList}, "totalResults": total,
		"startIndex": p.start, "itemsPerPage": len(resources), "Resources": resources})
}
