package scim

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	filter "github.com/scim2/filter-parser/v2"

	"roster/handlers/request"
	"roster/store"
)

// maxMembers is the most members a Group lists; a larger group's
// members are read through Users (filter groups, or the console).
const maxMembers = 10_000

func (h *Handler) groupResource(c echo.Context, g store.Group) (map[string]any, error) {
	r := map[string]any{
		"schemas":     []string{schemaGroup},
		"id":          g.PublicID(),
		"displayName": g.Name,
		"meta": map[string]any{"resourceType": "Group", "created": g.CreatedAt.UTC().Format(time.RFC3339),
			"lastModified": g.UpdatedAt.UTC().Format(time.RFC3339), "location": h.location(c, "Groups", g.PublicID())},
	}
	if excluded(c, "members") {
		return r, nil
	}
	refs, err := h.store.GroupMemberRefs(c.Request().Context(), g.TenantID, g.ID, maxMembers)
	if err != nil {
		return nil, err
	}
	members := make([]any, len(refs))
	for i, m := range refs {
		id := store.PublicID(store.PrefixUser, m.ID)
		members[i] = map[string]any{"value": id, "display": m.Username, "type": "User", "$ref": h.location(c, "Users", id)}
	}
	r["members"] = members
	return r, nil
}

func (h *Handler) writeGroup(c echo.Context, code int, g store.Group) error {
	r, err := h.groupResource(c, g)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, h.location(c, "Groups", g.PublicID()))
	return write(c, code, project(c, []map[string]any{r})[0])
}

// listGroups answers GET /Groups, filtered by any of SCIM's filters over
// displayName, id and members.value, in name order.
func (h *Handler) listGroups(c echo.Context) error {
	pg, err := readPage(c)
	if err != nil {
		return err
	}
	q := store.GroupQuery{Offset: pg.start - 1, Limit: max(pg.count, 1), Desc: pg.desc}
	if f := c.QueryParam("filter"); f != "" {
		if q.Where, err = parseFilter(f, groupTest); err != nil {
			return err
		}
	}
	if by := lowerPath(c.QueryParam("sortBy")); by != "" && by != "displayname" {
		return invalidValue("sortBy: groups are sorted by displayName only.")
	}
	l, err := h.store.QueryGroups(c.Request().Context(), request.KeyOf(c).TenantID, q)
	if err != nil {
		return queryError(err)
	}
	var out []map[string]any
	if pg.count > 0 {
		for _, g := range l.Items {
			r, err := h.groupResource(c, g)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
	}
	setResult(c, "Listed %d of %d groups", len(out), l.Total)
	return writeList(c, pg, l.Total, project(c, out))
}

// groupTest translates one comparison of a filter on Groups: of
// displayName, id, externalId (which groups do not keep) or a member's
// value (the groups a user belongs to, as Entra and Okta ask).
func groupTest(e *filter.AttributeExpression, parent string) (store.UserExpr, error) {
	attr := e.AttributePath.String()
	if parent != "" {
		attr = parent + "." + attr
	}
	switch lowerPath(attr) {
	case "displayname":
		return textTest(e, store.GroupFieldName, attr)
	case "id":
		return idTest(e, store.GroupFieldID, attr, store.PrefixGroup)
	case "members", "members.value":
		return idTest(e, store.GroupFieldMember, attr, store.PrefixUser)
	case "externalid":
		// Roster keeps no external id of groups: none has one.
		return never, nil
	}
	return store.UserExpr{}, invalidFilter("Groups cannot be filtered by %s; filter by displayName, id or members.value.", attr)
}

func (h *Handler) group(c echo.Context) (store.Group, error) {
	pid := c.Param("id")
	id, ok := store.ParseID(store.PrefixGroup, pid)
	if !ok {
		return store.Group{}, notFound("Group", pid)
	}
	g, err := h.store.GetGroup(c.Request().Context(), request.KeyOf(c).TenantID, id)
	if err != nil {
		if _, ok := answerable(err); ok {
			return store.Group{}, notFound("Group", pid)
		}
		return store.Group{}, err
	}
	return g, nil
}

func (h *Handler) getGroup(c echo.Context) error {
	g, err := h.group(c)
	if err != nil {
		return err
	}
	setResult(c, "Read group %s", g.Name)
	return h.writeGroup(c, http.StatusOK, g)
}

// createGroup answers POST /Groups: the group with its members at once.
func (h *Handler) createGroup(c echo.Context) error {
	body, err := bind(c)
	if err != nil {
		return err
	}
	name, err := text(body, "displayName")
	if err != nil {
		return err
	}
	v, _ := lookup(body, "members")
	members, err := memberIDs(v)
	if err != nil {
		return err
	}
	g, err := h.store.CreateGroupWith(c.Request().Context(), request.KeyOf(c).TenantID, name, members)
	if err != nil {
		return err
	}
	setResult(c, "Created group %s (%s) with %d members", g.Name, g.PublicID(), g.MemberCount)
	return h.writeGroup(c, http.StatusCreated, g)
}

// replaceGroup answers PUT /Groups/{id}: its name and whole membership.
func (h *Handler) replaceGroup(c echo.Context) error {
	g, err := h.group(c)
	if err != nil {
		return err
	}
	body, err := bind(c)
	if err != nil {
		return err
	}
	name, err := text(body, "displayName")
	if err != nil {
		return err
	}
	v, _ := lookup(body, "members")
	members, err := memberIDs(v)
	if err != nil {
		return err
	}
	ch := store.GroupChange{Members: &members}
	if name != "" {
		ch.Name = &name
	}
	if g, err = h.store.ChangeGroup(c.Request().Context(), g.TenantID, g.ID, ch); err != nil {
		return err
	}
	setResult(c, "Replaced group %s: %d members", g.Name, g.MemberCount)
	return h.writeGroup(c, http.StatusOK, g)
}

// patchGroup answers PATCH /Groups/{id}: every operation of the request
// (name, members added, removed or replaced) is applied in one
// transaction with their audit events.
func (h *Handler) patchGroup(c echo.Context) error {
	g, err := h.group(c)
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
	var ch store.GroupChange
	for _, op := range ops {
		if err := groupOp(&ch, op); err != nil {
			return err
		}
	}
	if g, err = h.store.ChangeGroup(c.Request().Context(), g.TenantID, g.ID, ch); err != nil {
		return err
	}
	setResult(c, "Patched group %s: +%d -%d members, now %d", g.Name, len(ch.Add), len(ch.Remove), g.MemberCount)
	if excluded(c, "members") {
		// Entra asks so, and takes 204: the group without its members
		// would say nothing of the change.
		return c.NoContent(http.StatusNoContent)
	}
	return h.writeGroup(c, http.StatusOK, g)
}

// groupOp adds one PATCH operation to a group's change.
func groupOp(ch *store.GroupChange, op patchOp) error {
	if op.Path == "" {
		m, ok := op.Value.(map[string]any)
		if !ok {
			return invalidValue("An operation without a path needs an object of attributes as its value.")
		}
		for k, v := range m {
			if err := groupOp(ch, patchOp{Op: op.Op, Path: k, Value: v}); err != nil {
				return err
			}
		}
		return nil
	}
	p, err := filter.ParsePath([]byte(op.Path))
	if err != nil {
		return invalidPath("%q is not a SCIM attribute path.", op.Path)
	}
	switch lowerPath(p.AttributePath.AttributeName) {
	case "displayname":
		if op.Op == "remove" {
			return &Error{Status: http.StatusBadRequest, Type: "mutability", Detail: "displayName is required; it can be replaced, not removed."}
		}
		name := toString(op.Value)
		ch.Name = &name
		return nil
	case "id", "externalid", "schemas", "meta":
		return nil // read-only, or not kept: nothing to change
	case "members":
	default:
		return invalidPath("Groups have no attribute %s.", op.Path)
	}
	if p.ValueExpression != nil {
		// members[value eq "…"]: the users it names.
		el, ok := equalities(p.ValueExpression)
		ids, err := memberIDs([]any{el})
		if !ok || err != nil || op.Op != "remove" {
			return invalidPath("Members are removed by a filter of value eq \"<id>\"; they are added as a list of values.")
		}
		ch.Remove = append(ch.Remove, ids...)
		return nil
	}
	ids, err := memberIDs(op.Value)
	if err != nil {
		return err
	}
	switch {
	case op.Op == "add":
		ch.Add = append(ch.Add, ids...)
	case op.Op == "replace" || op.Value == nil:
		ch.Members, ch.Add, ch.Remove = &ids, nil, nil
	default:
		ch.Remove = append(ch.Remove, ids...)
	}
	return nil
}

// memberIDs reads members: values ({"value": "<user id>"}) or a single one.
func memberIDs(v any) ([]int64, error) {
	list, ok := v.([]any)
	if !ok && v != nil {
		list = []any{v}
	}
	ids := []int64{}
	for _, e := range list {
		var pid string
		switch e := e.(type) {
		case map[string]any:
			pid, _ = text(e, "value")
		case string:
			pid = e
		}
		id, ok := store.ParseID(store.PrefixUser, pid)
		if !ok {
			return nil, invalidValue("members: %q is not the id of a user of this tenant.", pid)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// deleteGroup answers DELETE /Groups/{id}.
func (h *Handler) deleteGroup(c echo.Context) error {
	g, err := h.group(c)
	if err != nil {
		return err
	}
	if _, err := h.store.RemoveGroups(c.Request().Context(), g.TenantID, []string{g.PublicID()}); err != nil {
		return err
	}
	setResult(c, "Deleted group %s", g.Name)
	return c.NoContent(http.StatusNoContent)
}
