package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"roster/store"
)

// idParam reads the {id} of a route as an id of the given kind; anything
// else is simply not found.
func idParam(c echo.Context, prefix string) (int64, error) {
	id, ok := store.ParseID(prefix, c.Param("id"))
	if !ok {
		return 0, store.ErrNotFound
	}
	return id, nil
}

// onlyParams refuses query parameters other than allowed (and paging).
func onlyParams(c echo.Context, allowed ...string) error {
	for k := range c.QueryParams() {
		switch k {
		case "max_results", "next_token", "page_number", "page_size":
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return &paramError{Field: k, Msg: "Unknown parameter " + k + "."}
		}
	}
	return nil
}

// listParams reads paging and the optional "name" filter of a directory list.
func listParams(c echo.Context) (store.Page, string, error) {
	if err := onlyParams(c, "name"); err != nil {
		return store.Page{}, "", err
	}
	p, fe := parsePage(c.QueryParams())
	if len(fe) > 0 {
		return p, "", badParam(fe)
	}
	return p, c.QueryParam("name"), nil
}

// flagParam reads the one query parameter a route takes, an optional
// true/false flag; any other parameter is refused.
func flagParam(c echo.Context, name string) (bool, error) {
	if err := onlyParams(c, name); err != nil {
		return false, err
	}
	v := c.QueryParam(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &paramError{Field: name, Msg: "Must be true or false."}
	}
	return b, nil
}

// listError turns a store validation error of a list's filter into a 400.
func listError(err error) error {
	var fe store.FieldErrors
	if asFieldErrors(err, &fe) {
		return badParam(fe)
	}
	return err
}

// --- org units

type apiOrgUnit struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	ParentID         *string   `json:"parent_id"`
	Description      string    `json:"description"`
	UserCount        int       `json:"user_count"`
	SubtreeUserCount int       `json:"subtree_user_count"`
	ChildCount       int       `json:"child_count"`
	Path             []apiRef  `json:"path,omitempty"` // on GET of one unit: root first
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func toAPIOrgUnit(o store.OrgUnit) apiOrgUnit {
	out := apiOrgUnit{ID: o.PublicID(), Name: o.Name, Description: o.Description, UserCount: o.UserCount,
		SubtreeUserCount: o.SubtreeUserCount, ChildCount: o.ChildCount, CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC()}
	if !o.IsRoot() {
		p := o.ParentPublicID()
		out.ParentID = &p
	}
	return out
}

type orgUnitRequest struct {
	Name        *string `json:"name"`
	ParentID    *string `json:"parent_id"`
	Description *string `json:"description"`
}

// parentOf reads a parent_id field: a unit id, or absent for the root.
func parentOf(p *string, fe store.FieldErrors) int64 {
	if p == nil || *p == "" {
		return 0
	}
	id, ok := store.ParseID(store.PrefixOrgUnit, *p)
	if !ok {
		fe["parent_id"] = "Give an org unit id like ou_1."
	}
	return id
}

func (h *Handler) apiListOrgUnits(c echo.Context) error {
	p, name, err := listParams(c)
	if err != nil {
		return err
	}
	l, err := h.store.ListOrgUnits(c.Request().Context(), apiKeyOf(c).TenantID, store.NameFilter{Name: name, Page: p})
	if err != nil {
		return listError(err)
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIOrgUnit))
}

func (h *Handler) apiCreateOrgUnit(c echo.Context) error {
	var req orgUnitRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	fe := store.FieldErrors{}
	parent := parentOf(req.ParentID, fe)
	if len(fe) > 0 {
		return fe
	}
	o, err := h.store.CreateOrgUnit(c.Request().Context(), apiKeyOf(c).TenantID,
		store.NewOrgUnit{ParentID: parent, Name: str(req.Name), Description: str(req.Description)})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIOrgUnit(o))
}

func (h *Handler) apiGetOrgUnit(c echo.Context) error {
	id, err := idParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	path, err := h.store.OrgUnitPath(c.Request().Context(), apiKeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	out := toAPIOrgUnit(path[len(path)-1])
	for _, p := range path {
		out.Path = append(out.Path, apiRef{ID: p.PublicID(), Name: p.Name})
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handler) apiUpdateOrgUnit(c echo.Context) error {
	id, err := idParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	var req orgUnitRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.ParentID != nil {
		return store.FieldErrors{"parent_id": "Move a unit with POST /org-units/{id}/move."}
	}
	o, err := h.store.UpdateOrgUnit(c.Request().Context(), apiKeyOf(c).TenantID, id,
		store.OrgUnitUpdate{Name: req.Name, Description: req.Description})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIOrgUnit(o))
}

func (h *Handler) apiDeleteOrgUnit(c echo.Context) error {
	id, err := idParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	move, err := flagParam(c, "move_users_to_parent")
	if err != nil {
		return err
	}
	if err := h.store.RemoveOrgUnit(c.Request().Context(), apiKeyOf(c).TenantID, id, move); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handler) apiOrgUnitChildren(c echo.Context) error {
	id, err := idParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	if err := onlyParams(c); err != nil {
		return err
	}
	p, fe := parsePage(c.QueryParams())
	if len(fe) > 0 {
		return badParam(fe)
	}
	l, err := h.store.OrgUnitChildren(c.Request().Context(), apiKeyOf(c).TenantID, id, p)
	if err != nil {
		return listError(err)
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIOrgUnit))
}

func (h *Handler) apiMoveOrgUnit(c echo.Context) error {
	id, err := idParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	var req orgUnitRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	fe := store.FieldErrors{}
	parent := parentOf(req.ParentID, fe)
	if req.ParentID == nil || *req.ParentID == "" {
		fe["parent_id"] = "parent_id is required: the unit to move under."
	}
	if req.Name != nil || req.Description != nil {
		fe["parent_id"] = "A move takes only parent_id."
	}
	if len(fe) > 0 {
		return fe
	}
	o, err := h.store.MoveOrgUnit(c.Request().Context(), apiKeyOf(c).TenantID, id, parent)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIOrgUnit(o))
}

type moveUsersRequest struct {
	UserIDs   []string `json:"user_ids"`
	OrgUnitID *string  `json:"org_unit_id"`
}

// apiMoveUsers moves up to 500 users into a unit (MoveUserOrg).
func (h *Handler) apiMoveUsers(c echo.Context) error {
	var req moveUsersRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	fe := store.FieldErrors{}
	unit := orgUnit(req.OrgUnitID, fe)
	if unit == 0 && len(fe) == 0 {
		fe["org_unit_id"] = "org_unit_id is required."
	}
	if req.UserIDs == nil {
		fe["user_ids"] = "user_ids is required: an array of user ids."
	}
	if len(fe) > 0 {
		return fe
	}
	res, err := h.store.MoveUsers(c.Request().Context(), apiKeyOf(c).TenantID, unit, req.UserIDs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIBatch(res))
}

// --- groups

type apiGroup struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	MemberCount int       `json:"member_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toAPIGroup(g store.Group) apiGroup {
	return apiGroup{ID: g.PublicID(), Name: g.Name, Description: g.Description, MemberCount: g.MemberCount,
		CreatedAt: g.CreatedAt.UTC(), UpdatedAt: g.UpdatedAt.UTC()}
}

type groupRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func (h *Handler) apiListGroups(c echo.Context) error {
	p, name, err := listParams(c)
	if err != nil {
		return err
	}
	l, err := h.store.ListGroups(c.Request().Context(), apiKeyOf(c).TenantID, store.NameFilter{Name: name, Page: p})
	if err != nil {
		return listError(err)
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIGroup))
}

func (h *Handler) apiCreateGroup(c echo.Context) error {
	var req groupRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	g, err := h.store.CreateGroup(c.Request().Context(), apiKeyOf(c).TenantID, str(req.Name), str(req.Description))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIGroup(g))
}

func (h *Handler) apiGetGroup(c echo.Context) error {
	id, err := idParam(c, store.PrefixGroup)
	if err != nil {
		return err
	}
	g, err := h.store.GetGroup(c.Request().Context(), apiKeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIGroup(g))
}

func (h *Handler) apiUpdateGroup(c echo.Context) error {
	id, err := idParam(c, store.PrefixGroup)
	if err != nil {
		return err
	}
	var req groupRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	g, err := h.store.UpdateGroup(c.Request().Context(), apiKeyOf(c).TenantID, id, req.Name, req.Description)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIGroup(g))
}

func (h *Handler) apiDeleteGroup(c echo.Context) error {
	res, err := h.store.RemoveGroups(c.Request().Context(), apiKeyOf(c).TenantID, []string{c.Param("id")})
	if err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		return store.ErrNotFound
	}
	return c.NoContent(http.StatusNoContent)
}

type groupIDsRequest struct {
	GroupIDs []string `json:"group_ids"`
}

func (h *Handler) apiDeleteGroups(c echo.Context) error {
	var req groupIDsRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.GroupIDs == nil {
		return store.FieldErrors{"group_ids": "group_ids is required: an array of group ids."}
	}
	res, err := h.store.RemoveGroups(c.Request().Context(), apiKeyOf(c).TenantID, req.GroupIDs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIBatch(res))
}

// apiGroupMembers lists a group's members (DescribeGroupUser): user objects
// with joined_at, by username, searchable with q.
func (h *Handler) apiGroupMembers(c echo.Context) error {
	id, err := idParam(c, store.PrefixGroup)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), apiKeyOf(c).TenantID
	if _, err := h.store.GetGroup(ctx, tenant, id); err != nil {
		return err
	}
	if err := onlyParams(c, "q"); err != nil {
		return err
	}
	p, fe := parsePage(c.QueryParams())
	if len(fe) > 0 {
		return badParam(fe)
	}
	l, err := h.store.ListUsers(ctx, tenant, store.UserFilter{GroupID: id, Query: c.QueryParam("q"), Page: p})
	if err != nil {
		return listError(err)
	}
	out := apiUserList{apiList: toAPIList(l.List, toAPIUser), PrevToken: l.Prev, SortedBy: l.SortedBy}
	ids := make([]int64, len(l.Items))
	for i, u := range l.Items {
		ids[i] = u.ID
	}
	joined, err := h.store.JoinedAt(ctx, id, ids)
	if err != nil {
		return err
	}
	for i, u := range l.Items {
		if t, ok := joined[u.ID]; ok {
			out.Items[i].JoinedAt = &t
		}
	}
	if err := h.addProperties(c, l.Items, out.Items); err != nil {
		return err
	}
	return sendUsers(c, http.StatusOK, func(b []byte) []byte { return appendUserList(b, &out) })
}

type userIDsRequest struct {
	UserIDs []string `json:"user_ids"`
}

// apiChangeMembers adds or removes up to 500 members (UserBatchJoinGroup,
// UserBatchQuitGroup).
func (h *Handler) apiChangeMembers(add bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, store.PrefixGroup)
		if err != nil {
			return err
		}
		var req userIDsRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		if req.UserIDs == nil {
			return store.FieldErrors{"user_ids": "user_ids is required: an array of user ids."}
		}
		change := h.store.RemoveGroupMembers
		if add {
			change = h.store.AddGroupMembers
		}
		res, err := change(c.Request().Context(), apiKeyOf(c).TenantID, id, req.UserIDs)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toAPIBatch(res))
	}
}

// --- properties

type apiProperty struct {
	ID          string      `json:"id"`
	Key         string      `json:"key"`
	DisplayName string      `json:"display_name"`
	Type        string      `json:"type"`
	Required    bool        `json:"required"`
	UserCount   int         `json:"user_count"`
	Values      []apiOption `json:"values"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

type apiOption struct {
	ID          string `json:"id"`
	Value       string `json:"value"`
	DisplayName string `json:"display_name"`
	UserCount   int    `json:"user_count"`
}

func toAPIOption(o store.PropertyOption) apiOption {
	return apiOption{ID: o.PublicID(), Value: o.Value, DisplayName: o.DisplayName, UserCount: o.UserCount}
}

func toAPIProperty(p store.Property) apiProperty {
	out := apiProperty{ID: p.PublicID(), Key: p.Key, DisplayName: p.DisplayName, Type: p.Type, Required: p.Required,
		UserCount: p.UserCount, Values: []apiOption{}, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	for _, o := range p.Options {
		out.Values = append(out.Values, toAPIOption(o))
	}
	return out
}

type propertyRequest struct {
	Key         *string          `json:"key"`
	DisplayName *string          `json:"display_name"`
	Type        *string          `json:"type"`
	Required    *bool            `json:"required"`
	Values      *[]optionRequest `json:"values"`
}

type optionRequest struct {
	ID          string `json:"id"`
	Value       string `json:"value"`
	DisplayName string `json:"display_name"`
}

func (r propertyRequest) options() []store.OptionInput {
	if r.Values == nil {
		return nil
	}
	out := make([]store.OptionInput, len(*r.Values))
	for i, o := range *r.Values {
		out[i] = store.OptionInput(o)
	}
	return out
}

func (h *Handler) apiListProperties(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	ps, err := h.store.ListProperties(c.Request().Context(), apiKeyOf(c).TenantID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(store.List[store.Property]{Items: ps, Total: len(ps)}, toAPIProperty))
}

func (h *Handler) apiCreateProperty(c echo.Context) error {
	var req propertyRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	p, err := h.store.CreateProperty(c.Request().Context(), apiKeyOf(c).TenantID, store.NewProperty{
		Key: str(req.Key), DisplayName: str(req.DisplayName), Type: str(req.Type),
		Required: req.Required != nil && *req.Required, Options: req.options()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIProperty(p))
}

func (h *Handler) apiGetProperty(c echo.Context) error {
	id, err := idParam(c, store.PrefixProperty)
	if err != nil {
		return err
	}
	p, err := h.store.GetProperty(c.Request().Context(), apiKeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIProperty(p))
}

// apiUpdateProperty changes a property; "values", when given, is the full
// new list (values keep their "id"); removing values that users hold needs
// ?confirm=true.
func (h *Handler) apiUpdateProperty(c echo.Context) error {
	id, err := idParam(c, store.PrefixProperty)
	if err != nil {
		return err
	}
	confirm, err := flagParam(c, "confirm")
	if err != nil {
		return err
	}
	var req propertyRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Key != nil || req.Type != nil {
		return store.FieldErrors{"key": "A property's key and type cannot change; define a new property instead."}
	}
	upd := store.PropertyUpdate{DisplayName: req.DisplayName, Required: req.Required, ConfirmRemoval: confirm}
	if req.Values != nil {
		opts := req.options()
		upd.Options = &opts
	}
	p, err := h.store.UpdateProperty(c.Request().Context(), apiKeyOf(c).TenantID, id, upd)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIProperty(p))
}

func (h *Handler) apiDeleteProperty(c echo.Context) error {
	id, err := idParam(c, store.PrefixProperty)
	if err != nil {
		return err
	}
	confirm, err := flagParam(c, "confirm")
	if err != nil {
		return err
	}
	if err := h.store.RemoveProperty(c.Request().Context(), apiKeyOf(c).TenantID, id, confirm); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiPropertyValues lists a property's allowed values with the users
// holding each (ListPropertyValue, CheckUsedPropertyValue).
func (h *Handler) apiPropertyValues(c echo.Context) error {
	id, err := idParam(c, store.PrefixProperty)
	if err != nil {
		return err
	}
	p, err := h.store.GetProperty(c.Request().Context(), apiKeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(store.List[store.PropertyOption]{Items: p.Options, Total: len(p.Options)}, toAPIOption))
}

type userPropertyRequest struct {
	Value  json.RawMessage   `json:"value"`
	Values []json.RawMessage `json:"values"`
}

// jsonValue turns a JSON string, number or boolean into the text the store
// validates by type.
func jsonValue(raw json.RawMessage) (string, bool) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// apiSetUserProperty sets a user's value of one property
// (SetUserPropertyValue) and answers the updated user.
func (h *Handler) apiSetUserProperty(c echo.Context) error {
	id, err := userParam(c)
	if err != nil {
		return err
	}
	var req userPropertyRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	raws := req.Values
	if req.Value != nil {
		raws = append(raws, req.Value)
	}
	if (req.Value == nil) == (req.Values == nil) {
		return store.FieldErrors{"value": `Give either "value" or "values" (for multiselect).`}
	}
	var vals []string
	for _, r := range raws {
		v, ok := jsonValue(r)
		if !ok {
			return store.FieldErrors{"value": "Values must be strings, numbers or booleans."}
		}
		vals = append(vals, v)
	}
	ctx, tenant := c.Request().Context(), apiKeyOf(c).TenantID
	if err := h.store.SetUserProperty(ctx, tenant, id, c.Param("key"), vals); err != nil {
		return err
	}
	u, err := h.store.GetUser(ctx, tenant, id)
	if err != nil {
		return err
	}
	return h.userJSON(c, http.StatusOK, u)
}

func (h *Handler) apiClearUserProperty(c echo.Context) error {
	id, err := userParam(c)
	if err != nil {
		return err
	}
	if err := h.store.ClearUserProperty(c.Request().Context(), apiKeyOf(c).TenantID, id, c.Param("key")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// --- resource groups

type apiResourceGroup struct {
	ID            string        `json:"id"`
	Name          string        `json:"name"`
	Description   string        `json:"description"`
	Platform      string        `json:"platform"`
	ResourceCount int           `json:"resource_count"`
	UserCount     int           `json:"user_count"`
	GroupCount    int           `json:"group_count"`
	Resources     []apiResource `json:"resources,omitempty"` // on GET of one
	Users         []apiRef      `json:"users,omitempty"`     // on GET of one: assigned users (name = username)
	Groups        []apiRef      `json:"groups,omitempty"`    // on GET of one: assigned groups
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
}

type apiResource struct {
	Type    string     `json:"type"`
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	AddedAt *time.Time `json:"added_at,omitempty"`
}

func toAPIResourceGroup(r store.ResourceGroup) apiResourceGroup {
	return apiResourceGroup{ID: r.PublicID(), Name: r.Name, Description: r.Description, Platform: r.Platform,
		ResourceCount: r.ResourceCount, UserCount: r.UserCount, GroupCount: r.GroupCount,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type resourceGroupRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Platform    *string `json:"platform"`
}

func (r resourceGroupRequest) input() store.ResourceGroupInput {
	return store.ResourceGroupInput(r)
}

func (h *Handler) apiListResourceGroups(c echo.Context) error {
	p, name, err := listParams(c)
	if err != nil {
		return err
	}
	l, err := h.store.ListResourceGroups(c.Request().Context(), apiKeyOf(c).TenantID, store.NameFilter{Name: name, Page: p})
	if err != nil {
		return listError(err)
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIResourceGroup))
}

func (h *Handler) apiCreateResourceGroup(c echo.Context) error {
	var req resourceGroupRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Name == nil {
		req.Name = new(string)
	}
	r, err := h.store.CreateResourceGroup(c.Request().Context(), apiKeyOf(c).TenantID, req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIResourceGroup(r))
}

func (h *Handler) apiGetResourceGroup(c echo.Context) error {
	id, err := idParam(c, store.PrefixResourceGroup)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), apiKeyOf(c).TenantID
	r, err := h.store.GetResourceGroup(ctx, tenant, id)
	if err != nil {
		return err
	}
	res, err := h.store.Resources(ctx, tenant, id)
	if err != nil {
		return err
	}
	as, err := h.store.ResourceGroupAssignments(ctx, tenant, id)
	if err != nil {
		return err
	}
	out := toAPIResourceGroup(r)
	out.Resources, out.Users, out.Groups = []apiResource{}, []apiRef{}, []apiRef{}
	for _, x := range res {
		out.Resources = append(out.Resources, apiResource{Type: x.Type, ID: x.ID, Name: x.Name, AddedAt: utc(&x.AddedAt)})
	}
	for _, u := range as.Users {
		out.Users = append(out.Users, apiRef{ID: u.PublicID(), Name: u.Username})
	}
	for _, g := range as.Groups {
		out.Groups = append(out.Groups, apiRef{ID: g.PublicID(), Name: g.Name})
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handler) apiUpdateResourceGroup(c echo.Context) error {
	id, err := idParam(c, store.PrefixResourceGroup)
	if err != nil {
		return err
	}
	var req resourceGroupRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	r, err := h.store.UpdateResourceGroup(c.Request().Context(), apiKeyOf(c).TenantID, id, req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIResourceGroup(r))
}

func (h *Handler) apiDeleteResourceGroup(c echo.Context) error {
	id, err := idParam(c, store.PrefixResourceGroup)
	if err != nil {
		return err
	}
	if err := h.store.RemoveResourceGroup(c.Request().Context(), apiKeyOf(c).TenantID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type resourcesRequest struct {
	Resources []apiResource `json:"resources"`
}

func (h *Handler) apiChangeResources(add bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, store.PrefixResourceGroup)
		if err != nil {
			return err
		}
		var req resourcesRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		items := make([]store.Resource, len(req.Resources))
		for i, x := range req.Resources {
			items[i] = store.Resource{Type: x.Type, ID: x.ID, Name: x.Name}
		}
		r, err := h.store.ChangeResources(c.Request().Context(), apiKeyOf(c).TenantID, id, add, items)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toAPIResourceGroup(r))
	}
}

type assignmentsRequest struct {
	UserIDs  []string `json:"user_ids"`
	GroupIDs []string `json:"group_ids"`
}

// apiChangeAssignments assigns or unassigns users and groups; results are
// per item, numbered users first, then groups.
func (h *Handler) apiChangeAssignments(add bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, store.PrefixResourceGroup)
		if err != nil {
			return err
		}
		var req assignmentsRequest
		if err := bindJSON(c, &req); err != nil {
			return err
		}
		res, err := h.store.ChangeAssignments(c.Request().Context(), apiKeyOf(c).TenantID, id, add, req.UserIDs, req.GroupIDs)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toAPIBatch(res))
	}
}

type apiUserResourceGroup struct {
	apiResourceGroup
	Direct    bool     `json:"direct"`
	ViaGroups []apiRef `json:"via_groups"`
}

// apiUserResourceGroups answers which resource groups a user gets, directly
// or through groups.
func (h *Handler) apiUserResourceGroups(c echo.Context) error {
	id, err := userParam(c)
	if err != nil {
		return err
	}
	rgs, err := h.store.UserResourceGroups(c.Request().Context(), apiKeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	out := apiList[apiUserResourceGroup]{Items: []apiUserResourceGroup{}, TotalCount: len(rgs)}
	for _, r := range rgs {
		it := apiUserResourceGroup{apiResourceGroup: toAPIResourceGroup(r.ResourceGroup), Direct: r.Direct, ViaGroups: []apiRef{}}
		for _, g := range r.Via {
			it.ViaGroups = append(it.ViaGroups, apiRef{ID: g.PublicID(), Name: g.Name})
		}
		out.Items = append(out.Items, it)
	}
	return c.JSON(http.StatusOK, out)
}
