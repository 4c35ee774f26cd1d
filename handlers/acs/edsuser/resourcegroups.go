package edsuser

import (
	"strconv"
	"time"

	"roster/handlers/acs"
	"roster/store"
)

type resourceGroupIDReply struct {
	acs.Common
	ResourceGroupId string //nolint:revive // the protocol's spelling
}

// createResourceGroup adds a resource group; Platform is kept as given.
func (a api) createResourceGroup(c *acs.Call) (acs.Reply, error) {
	name := c.Params.Get("ResourceGroupName")
	if name == "" {
		return nil, acs.Missing("ResourceGroupName")
	}
	platform := c.Params.Get("Platform")
	r, err := a.store.CreateResourceGroup(c.Request().Context(), c.Key.TenantID, store.ResourceGroupInput{Name: &name, Platform: &platform})
	if err != nil {
		return nil, err
	}
	return &resourceGroupIDReply{ResourceGroupId: r.PublicID()}, nil
}

// resourceGroupIDs reads the ids ResourceGroupId and ResourceGroupIds
// name together.
func resourceGroupIDs(c *acs.Call) ([]int64, error) {
	raw, err := c.List("ResourceGroupIds")
	if err != nil {
		return nil, err
	}
	if v := c.Params.Get("ResourceGroupId"); v != "" {
		raw = append(raw, v)
	}
	ids := make([]int64, len(raw))
	for i, v := range raw {
		id, ok := store.ParseID(store.PrefixResourceGroup, v)
		if !ok {
			return nil, acs.Invalid("ResourceGroupId", "not a resource group id: "+v)
		}
		ids[i] = id
	}
	return ids, nil
}

// deleteResourceGroup removes every resource group named; one not found
// stops the request there.
func (a api) deleteResourceGroup(c *acs.Call) (acs.Reply, error) {
	ids, err := resourceGroupIDs(c)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, acs.Missing("ResourceGroupId")
	}
	for _, id := range ids {
		if err := a.store.RemoveResourceGroup(c.Request().Context(), c.Key.TenantID, id); err != nil {
			return nil, err
		}
	}
	return &emptyReply{}, nil
}

type resourceGroup struct {
	ResourceGroupId   string //nolint:revive // the protocol's spelling
	ResourceGroupName string
	CreateTime        string
	AuthCount         string
	ResourceCount     string
	Policies          []struct{}
	Timers            []struct{}
	AppRules          []struct{}
}

type describeResourceGroupsReply struct {
	acs.Common
	TotalCount    string
	ResourceGroup []resourceGroup
}

// describeResourceGroups answers a page of resource groups whose names
// contain ResourceGroupName, or those ResourceGroupIds name. Counts are
// strings, as eds-user sends them; Roster has no policies, timers or app
// rules, so those lists are empty.
func (a api) describeResourceGroups(c *acs.Call) (acs.Reply, error) {
	ctx, tenant := c.Request().Context(), c.Key.TenantID
	page, err := pageParams(c)
	if err != nil {
		return nil, err
	}
	ids, err := resourceGroupIDs(c)
	if err != nil {
		return nil, err
	}
	var rs []store.ResourceGroup
	total := 0
	if len(ids) > 0 {
		for _, id := range ids {
			r, err := a.store.GetResourceGroup(ctx, tenant, id)
			if err != nil {
				return nil, err
			}
			rs = append(rs, r)
		}
		total = len(rs)
	} else {
		l, err := a.store.ListResourceGroups(ctx, tenant, store.NameFilter{Name: c.Params.Get("ResourceGroupName"), Page: page})
		if err != nil {
			return nil, err
		}
		rs, total = l.Items, l.Total
	}
	out := &describeResourceGroupsReply{TotalCount: strconv.Itoa(total), ResourceGroup: []resourceGroup{}}
	for _, r := range rs {
		out.ResourceGroup = append(out.ResourceGroup, resourceGroup{ResourceGroupId: r.PublicID(), ResourceGroupName: r.Name,
			CreateTime: r.CreatedAt.UTC().Format(time.RFC3339), AuthCount: strconv.Itoa(r.UserCount + r.GroupCount),
			ResourceCount: strconv.Itoa(r.ResourceCount), Policies: []struct{}{}, Timers: []struct{}{}, AppRules: []struct{}{}})
	}
	return out, nil
}
