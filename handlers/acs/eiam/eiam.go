// Package eiam speaks Alibaba Cloud's IDaaS EIAM API (version
// 2021-12-01) over the RPC protocol of package acs. EIAM's instance is
// Roster's tenant: a request's InstanceId names the tenant of the pair
// that signs it, by alias or by id (t_…). Users are Roster's, with their
// ids (u_…), and times are epoch milliseconds.
package eiam

import (
	"net/http"

	"roster/handlers/acs"
	"roster/store"
)

// Version is the API version EIAM's requests name.
const Version = "2021-12-01"

type api struct {
	store *store.Store
	users *store.UserCache[*listedUser] // of ListUsers
}

// Register adds EIAM's actions to h.
func Register(h *acs.Handler, st *store.Store) {
	a := api{store: st, users: store.NewUserCache(listCacheBytes, (*listedUser).size)}
	h.Register(Version, "ListUsers", acs.Action{ReadOnly: true, Serve: a.listUsers})
}

// instance reads InstanceId, which must name the pair's own tenant, and
// returns it as given: answers name the instance as the caller did.
func (a api) instance(c *acs.Call) (string, error) {
	id := c.Params.Get("InstanceId")
	if id == "" {
		return "", acs.Missing("InstanceId")
	}
	t, err := a.store.GetTenant(c.Request().Context(), c.Key.TenantID)
	if err != nil {
		return "", err
	}
	if id != t.Alias && id != t.PublicID() {
		return "", &acs.Error{Status: http.StatusNotFound, Code: "EntityNotExists.Instance",
			Message: "The instance " + id + " does not exist: InstanceId is the alias or the id (t_…) of the AccessKey pair's tenant."}
	}
	return id, nil
}
