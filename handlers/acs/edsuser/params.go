package edsuser

import (
	"strconv"

	"roster/handlers/acs"
	"roster/store"
)

// rootOrgID is the id eds-user gives every tenant's root organization.
const rootOrgID = "org-aliyun-wy-org-id"

// boolParam reads an optional true/false parameter.
func boolParam(c *acs.Call, name string) (bool, error) {
	v := c.Params.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, acs.Invalid(name, "not true or false: "+v)
	}
	return b, nil
}

// orgParam reads an org id: Roster's (ou_…), or eds-user's fixed id of the
// root. 0 when absent.
func (a api) orgParam(c *acs.Call, name string) (int64, error) {
	return a.org(c, name, c.Params.Get(name))
}

// org reads v, the org id in the parameter name, as orgParam does.
func (a api) org(c *acs.Call, name, v string) (int64, error) {
	switch v {
	case "":
		return 0, nil
	case rootOrgID:
		root, err := a.store.RootOrgUnit(c.Request().Context(), c.Key.TenantID)
		return root.ID, err
	}
	id, ok := store.ParseID(store.PrefixOrgUnit, v)
	if !ok {
		return 0, acs.Invalid(name, "not an organization id (ou_… or "+rootOrgID+"): "+v)
	}
	return id, nil
}

// groupParam reads a group id (g_…); 0 when absent.
func groupParam(c *acs.Call, name string) (int64, error) {
	v := c.Params.Get(name)
	if v == "" {
		return 0, nil
	}
	id, ok := store.ParseID(store.PrefixGroup, v)
	if !ok {
		return 0, acs.Invalid(name, "not a group id (g_…): "+v)
	}
	return id, nil
}

// pageParams reads PageNumber and PageSize (up to 100, 10 when absent):
// the paging of eds-user's group and resource group lists.
func pageParams(c *acs.Call) (store.Page, error) {
	number, err := c.Int("PageNumber", 1, 1, 1<<20)
	if err != nil {
		return store.Page{}, err
	}
	size, err := c.Int("PageSize", 10, 1, 100)
	return store.Page{Number: number, Size: size}, err
}
