// Package edsuser speaks Alibaba Cloud's eds-user API (version
// 2021-03-08) over the RPC protocol of package acs, so its SDKs and
// scripts work against Roster with only the endpoint and the AccessKey
// pair swapped. Users are keyed by EndUserId, which is Roster's username;
// properties, values and users also have the numeric ids the property
// actions use, which are Roster's own row ids.
package edsuser

import (
	"strconv"

	"roster/handlers/acs"
	"roster/store"
)

// Version is the API version eds-user's requests name.
const Version = "2021-03-08"

type api struct {
	store *store.Store
	users *store.UserCache[*listedUser] // of DescribeUsers and FilterUsers
}

// Register adds eds-user's actions to h.
func Register(h *acs.Handler, st *store.Store) {
	a := api{store: st, users: store.NewUserCache(listCacheBytes, (*listedUser).size)}
	h.Register(Version, "InitTenantAlias", acs.Action{Serve: a.initTenantAlias})
	h.Register(Version, "GetManagerInfoByAuthCode", acs.Action{Serve: a.getManagerInfoByAuthCode})
	h.Register(Version, "DescribeUsers", acs.Action{ReadOnly: true, Serve: a.describeUsers})
	h.Register(Version, "FilterUsers", acs.Action{ReadOnly: true, Serve: a.filterUsers})
	h.Register(Version, "CreateUsers", acs.Action{Write: true, Serve: a.createUsers})
	h.Register(Version, "RemoveUsers", acs.Action{Write: true, Serve: a.removeUsers})
	h.Register(Version, "ModifyUser", acs.Action{Write: true, Serve: a.modifyUser})
	h.Register(Version, "ResetUserPassword", acs.Action{Write: true, Serve: a.resetUserPassword})
	h.Register(Version, "ChangeUserPassword", acs.Action{Write: true, Serve: a.changeUserPassword})
	h.Register(Version, "LockUsers", acs.Action{Write: true, Serve: a.lockUsers})
	h.Register(Version, "UnlockUsers", acs.Action{Write: true, Serve: a.unlockUsers})
	h.Register(Version, "MoveUserOrg", acs.Action{Write: true, Serve: a.moveUserOrg})
	h.Register(Version, "UserBatchJoinGroup", acs.Action{Write: true, Serve: a.changeMembers(true)})
	h.Register(Version, "UserBatchQuitGroup", acs.Action{Write: true, Serve: a.changeMembers(false)})
	h.Register(Version, "CreateOrg", acs.Action{Write: true, Serve: a.createOrg})
	h.Register(Version, "ModifyOrg", acs.Action{Write: true, Serve: a.modifyOrg})
	h.Register(Version, "MoveOrg", acs.Action{Write: true, Serve: a.moveOrg})
	h.Register(Version, "RemoveOrg", acs.Action{Write: true, Serve: a.removeOrg})
	h.Register(Version, "DescribeOrgs", acs.Action{ReadOnly: true, Serve: a.describeOrgs})
	h.Register(Version, "DescribeOrgByLayer", acs.Action{ReadOnly: true, Serve: a.describeOrgByLayer})
	h.Register(Version, "CreateGroup", acs.Action{Write: true, Serve: a.createGroup})
	h.Register(Version, "ModifyGroup", acs.Action{Write: true, Serve: a.modifyGroup})
	h.Register(Version, "RemoveGroup", acs.Action{Write: true, Serve: a.removeGroup})
	h.Register(Version, "DescribeGroups", acs.Action{ReadOnly: true, Serve: a.describeGroups})
	h.Register(Version, "DescribeGroupUser", acs.Action{ReadOnly: true, Serve: a.describeGroupUser})
	h.Register(Version, "CreateResourceGroup", acs.Action{Write: true, Serve: a.createResourceGroup})
	h.Register(Version, "DeleteResourceGroup", acs.Action{Write: true, Serve: a.deleteResourceGroup})
	h.Register(Version, "DescribeResourceGroups", acs.Action{ReadOnly: true, Serve: a.describeResourceGroups})
	h.Register(Version, "ListProperty", acs.Action{ReadOnly: true, Serve: a.listProperty})
	h.Register(Version, "ListPropertyValue", acs.Action{ReadOnly: true, Serve: a.listPropertyValue})
	h.Register(Version, "CheckUsedProperty", acs.Action{ReadOnly: true, Serve: a.checkUsedProperty})
	h.Register(Version, "CheckUsedPropertyValue", acs.Action{ReadOnly: true, Serve: a.checkUsedPropertyValue})
	h.Register(Version, "CreateProperty", acs.Action{Write: true, Serve: a.createProperty})
	h.Register(Version, "UpdateProperty", acs.Action{Write: true, Serve: a.updateProperty})
	h.Register(Version, "SetUserPropertyValue", acs.Action{Write: true, Serve: a.changeUserValue(true)})
	h.Register(Version, "DeleteUserPropertyValue", acs.Action{Write: true, Serve: a.changeUserValue(false)})
	h.Register(Version, "RemoveProperty", acs.Action{Write: true, Serve: a.removeProperty})
}

type aliasInfo struct {
	AliasSourceType         string
	AliasEditable           bool
	AliasEditDisabledReason string
	NextModifyTime          string
}

type initTenantAliasReply struct {
	acs.Common
	Data      string
	AliasInfo aliasInfo
}

// initTenantAlias answers the tenant's alias, the short code eds-user
// calls the organization id. Roster's aliases are chosen when a tenant is
// created and changed in the console's settings, never generated.
func (a api) initTenantAlias(c *acs.Call) (acs.Reply, error) {
	t, err := a.store.GetTenant(c.Request().Context(), c.Key.TenantID)
	if err != nil {
		return nil, err
	}
	return &initTenantAliasReply{Data: t.Alias, AliasInfo: aliasInfo{AliasSourceType: "Customized", AliasEditable: false,
		AliasEditDisabledReason: "EditInConsole"}}, nil
}

type propertyValue struct {
	PropertyValueId int64 //nolint:revive // the protocol's spelling
	PropertyValue   string
}

type property struct {
	PropertyId     int64 //nolint:revive // the protocol's spelling
	PropertyKey    string
	PropertyValues []propertyValue
}

type listPropertyReply struct {
	acs.Common
	Properties []property
	NextToken  string
}

// listProperty answers every property with its values (those of a list
// property; other types have none).
func (a api) listProperty(c *acs.Call) (acs.Reply, error) {
	ps, err := a.store.PropertyDefinitions(c.Request().Context(), c.Key.TenantID)
	if err != nil {
		return nil, err
	}
	out := &listPropertyReply{Properties: []property{}}
	for _, p := range ps {
		out.Properties = append(out.Properties, property{PropertyId: p.ID, PropertyKey: p.Key, PropertyValues: propertyValues(p)})
	}
	return out, nil
}

type emptyReply struct{ acs.Common }

// removeProperty removes a property and every user's values of it
// (CheckUsedProperty tells a caller first how many users have one).
func (a api) removeProperty(c *acs.Call) (acs.Reply, error) {
	id, err := int64Param(c, "PropertyId")
	if err != nil {
		return nil, err
	}
	if err := a.store.RemoveProperty(c.Request().Context(), c.Key.TenantID, id, true); err != nil {
		return nil, err
	}
	return &emptyReply{}, nil
}

// int64Param reads a required numeric parameter.
func int64Param(c *acs.Call, name string) (int64, error) {
	v := c.Params.Get(name)
	if v == "" {
		return 0, acs.Missing(name)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, acs.Invalid(name, "not a positive whole number: "+v)
	}
	return n, nil
}
