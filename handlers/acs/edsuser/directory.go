package edsuser

import (
	"strings"
	"time"

	"roster/handlers/acs"
	"roster/store"
)

// orgIDs returns how eds-user shows the tenant's org ids: the root by its
// fixed id, the others as Roster's.
func (a api) orgIDs(c *acs.Call) (func(int64) string, error) {
	root, err := a.store.RootOrgUnit(c.Request().Context(), c.Key.TenantID)
	return func(id int64) string {
		if id == root.ID {
			return rootOrgID
		}
		return store.PublicID(store.PrefixOrgUnit, id)
	}, err
}

type idReply struct {
	acs.Common
	OrgId   string `json:",omitempty"` //nolint:revive // the protocol's spelling
	GroupId string `json:",omitempty"` //nolint:revive // the protocol's spelling
}

// createOrg adds an org under ParentOrgId (the root when absent).
func (a api) createOrg(c *acs.Call) (acs.Reply, error) {
	name := c.Params.Get("OrgName")
	if name == "" {
		return nil, acs.Missing("OrgName")
	}
	parent, err := a.parentParam(c, "ParentOrgId")
	if err != nil {
		return nil, err
	}
	o, err := a.store.CreateOrgUnit(c.Request().Context(), c.Key.TenantID, store.NewOrgUnit{ParentID: parent, Name: name})
	if err != nil {
		return nil, err
	}
	return &idReply{OrgId: o.PublicID()}, nil
}

// parentParam is orgParam defaulting to the root.
func (a api) parentParam(c *acs.Call, name string) (int64, error) {
	id, err := a.orgParam(c, name)
	if err != nil || id != 0 {
		return id, err
	}
	root, err := a.store.RootOrgUnit(c.Request().Context(), c.Key.TenantID)
	return root.ID, err
}

// requiredOrg is orgParam for a parameter the action needs.
func (a api) requiredOrg(c *acs.Call, name string) (int64, error) {
	id, err := a.orgParam(c, name)
	if err == nil && id == 0 {
		err = acs.Missing(name)
	}
	return id, err
}

// modifyOrg renames an org.
func (a api) modifyOrg(c *acs.Call) (acs.Reply, error) {
	id, err := a.requiredOrg(c, "OrgId")
	if err != nil {
		return nil, err
	}
	name := c.Params.Get("OrgName")
	if name == "" {
		return nil, acs.Missing("OrgName")
	}
	if _, err := a.store.UpdateOrgUnit(c.Request().Context(), c.Key.TenantID, id, store.OrgUnitUpdate{Name: &name}); err != nil {
		return nil, err
	}
	return &emptyReply{}, nil
}

// moveOrg moves an org, with everything under it, under NewParentOrgId.
func (a api) moveOrg(c *acs.Call) (acs.Reply, error) {
	id, err := a.requiredOrg(c, "OrgId")
	if err != nil {
		return nil, err
	}
	parent, err := a.requiredOrg(c, "NewParentOrgId")
	if err != nil {
		return nil, err
	}
	if _, err := a.store.MoveOrgUnit(c.Request().Context(), c.Key.TenantID, id, parent); err != nil {
		return nil, err
	}
	return &emptyReply{}, nil
}

// removeOrg removes an empty org: one with users or orgs under it is
// refused, as eds-user refuses it.
func (a api) removeOrg(c *acs.Call) (acs.Reply, error) {
	id, err := a.requiredOrg(c, "OrgId")
	if err != nil {
		return nil, err
	}
	if err := a.store.RemoveOrgUnit(c.Request().Context(), c.Key.TenantID, id, false); err != nil {
		return nil, err
	}
	return &emptyReply{}, nil
}

type org struct {
	OrgId       string //nolint:revive // the protocol's spelling
	OrgName     string
	OrgNamePath string `json:",omitempty"`
	ParentOrgId string //nolint:revive // the protocol's spelling
}

type orgsReply struct {
	acs.Common
	Orgs      []org
	NextToken string `json:",omitempty"`
}

// describeOrgByLayer answers the orgs directly under ParentOrgId (the
// root when absent) whose names contain OrgName.
func (a api) describeOrgByLayer(c *acs.Call) (acs.Reply, error) {
	parent, err := a.parentParam(c, "ParentOrgId")
	if err != nil {
		return nil, err
	}
	show, err := a.orgIDs(c)
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(c.Params.Get("OrgName"))
	out := &orgsReply{Orgs: []org{}}
	for next := ""; ; {
		l, err := a.store.OrgUnitChildren(c.Request().Context(), c.Key.TenantID, parent, store.Page{Cursor: next, Size: store.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, o := range l.Items {
			if strings.Contains(strings.ToLower(o.Name), name) {
				out.Orgs = append(out.Orgs, org{OrgId: o.PublicID(), OrgName: o.Name, ParentOrgId: show(o.ParentID)})
			}
		}
		if next = l.Next; next == "" {
			return out, nil
		}
	}
}

// describeOrgs answers a page of orgs: those under ParentOrgId when given,
// else every org whose name contains OrgName, with their paths.
func (a api) describeOrgs(c *acs.Call) (acs.Reply, error) {
	ctx, tenant := c.Request().Context(), c.Key.TenantID
	limit, err := c.Int("MaxResults", 100, 1, 100)
	if err != nil {
		return nil, err
	}
	page := store.Page{Cursor: c.Params.Get("NextToken"), Size: limit}
	parent, err := a.orgParam(c, "ParentOrgId")
	if err != nil {
		return nil, err
	}
	var l store.List[store.OrgUnit]
	if parent != 0 {
		l, err = a.store.OrgUnitChildren(ctx, tenant, parent, page)
	} else {
		l, err = a.store.ListOrgUnits(ctx, tenant, store.NameFilter{Name: c.Params.Get("OrgName"), Page: page})
	}
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(l.Items))
	for i, o := range l.Items {
		ids[i] = o.ID
	}
	paths, err := a.store.OrgUnitPaths(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	show, err := a.orgIDs(c)
	if err != nil {
		return nil, err
	}
	out := &orgsReply{Orgs: []org{}, NextToken: l.Next}
	for _, o := range l.Items {
		parentID := "" // the root has none
		if o.ParentID != 0 {
			parentID = show(o.ParentID)
		}
		out.Orgs = append(out.Orgs, org{OrgId: show(o.ID), OrgName: o.Name, OrgNamePath: strings.Join(paths[o.ID], "/"), ParentOrgId: parentID})
	}
	return out, nil
}

// createGroup adds a group.
func (a api) createGroup(c *acs.Call) (acs.Reply, error) {
	name := c.Params.Get("GroupName")
	if name == "" {
		return nil, acs.Missing("GroupName")
	}
	g, err := a.store.CreateGroup(c.Request().Context(), c.Key.TenantID, name, c.Params.Get("Description"))
	if err != nil {
		return nil, err
	}
	return &idReply{GroupId: g.PublicID()}, nil
}

// modifyGroup renames a group.
func (a api) modifyGroup(c *acs.Call) (acs.Reply, error) {
	id, err := groupParam(c, "GroupId")
	if err == nil && id == 0 {
		err = acs.Missing("GroupId")
	}
	if err != nil {
		return nil, err
	}
	name := c.Params.Get("NewGroupName")
	if name == "" {
		return nil, acs.Missing("NewGroupName")
	}
	if _, err := a.store.UpdateGroup(c.Request().Context(), c.Key.TenantID, id, &name, nil); err != nil {
		return nil, err
	}
	return &emptyReply{}, nil
}

// removeGroup removes the groups GroupId and GroupIds name; one not found
// fails the request.
func (a api) removeGroup(c *acs.Call) (acs.Reply, error) {
	ids, err := c.List("GroupIds")
	if err != nil {
		return nil, err
	}
	if v := c.Params.Get("GroupId"); v != "" {
		ids = append(ids, v)
	}
	if len(ids) == 0 {
		return nil, acs.Missing("GroupId")
	}
	res, err := a.store.RemoveGroups(c.Request().Context(), c.Key.TenantID, ids)
	if err != nil {
		return nil, err
	}
	if len(res.Failed) > 0 {
		return nil, &acs.Error{Status: 404, Code: "GroupNotFound", Message: ids[res.Failed[0].Index] + ": " + res.Failed[0].Message}
	}
	return &emptyReply{}, nil
}

type group struct {
	GroupId     string //nolint:revive // the protocol's spelling
	GroupName   string
	Description string
	CreateTime  string
	UserCount   int
}

type describeGroupsReply struct {
	acs.Common
	Count  int
	Groups []group
}

// describeGroups answers a page (PageNumber, PageSize) of the groups whose
// names contain GroupName, or the one GroupId names.
func (a api) describeGroups(c *acs.Call) (acs.Reply, error) {
	ctx, tenant := c.Request().Context(), c.Key.TenantID
	page, err := pageParams(c)
	if err != nil {
		return nil, err
	}
	id, err := groupParam(c, "GroupId")
	if err != nil {
		return nil, err
	}
	var gs []store.Group
	count := 0
	if id != 0 {
		g, err := a.store.GetGroup(ctx, tenant, id)
		if err != nil {
			return nil, err
		}
		gs, count = []store.Group{g}, 1
	} else {
		l, err := a.store.ListGroups(ctx, tenant, store.NameFilter{Name: c.Params.Get("GroupName"), Page: page})
		if err != nil {
			return nil, err
		}
		gs, count = l.Items, l.Total
	}
	out := &describeGroupsReply{Count: count, Groups: []group{}}
	for _, g := range gs {
		out.Groups = append(out.Groups, group{GroupId: g.PublicID(), GroupName: g.Name, Description: g.Description,
			CreateTime: g.CreatedAt.UTC().Format(time.RFC3339), UserCount: g.MemberCount})
	}
	return out, nil
}

type groupUser struct {
	EndUserId    string //nolint:revive // the protocol's spelling
	Email        string
	Phone        string `json:",omitempty"`
	NickName     string
	Remark       string
	GmtCreated   string
	GmtJoinGroup string
}

type describeGroupUserReply struct {
	acs.Common
	Users     []groupUser
	NextToken string
}

// describeGroupUser answers a page of a group's members, with when each
// joined.
func (a api) describeGroupUser(c *acs.Call) (acs.Reply, error) {
	id, err := groupParam(c, "GroupId")
	if err == nil && id == 0 {
		err = acs.Missing("GroupId")
	}
	if err != nil {
		return nil, err
	}
	limit, err := c.Int("MaxResults", 100, 1, 100)
	if err != nil {
		return nil, err
	}
	q, err := filterParam(c)
	if err != nil {
		return nil, err
	}
	l, err := a.store.ListGroupMembers(c.Request().Context(), c.Key.TenantID, id,
		store.UserFilter{Query: q, Page: store.Page{Cursor: c.Params.Get("NextToken"), Size: limit}})
	if err != nil {
		return nil, err
	}
	out := &describeGroupUserReply{Users: []groupUser{}, NextToken: l.Next}
	for _, u := range l.Items {
		gu := groupUser{EndUserId: u.Username, Email: u.Email, Phone: phone(u), NickName: nickName(u), Remark: u.Description,
			GmtCreated: u.CreatedAt.UTC().Format(millis)}
		if t, ok := l.JoinedAt[u.ID]; ok {
			gu.GmtJoinGroup = t.UTC().Format(millis)
		}
		out.Users = append(out.Users, gu)
	}
	return out, nil
}

// millis is eds-user's time format with milliseconds and offset.
const millis = "2006-01-02T15:04:05.000Z07:00"
