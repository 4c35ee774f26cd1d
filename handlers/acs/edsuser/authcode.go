package edsuser

import (
	"errors"

	"roster/handlers/acs"
	"roster/store"
)

type managerInfoReply struct {
	acs.Common
	OrgId    string //nolint:revive // the protocol's spelling
	Phone    string
	TeamName string
	UserName string
	WaId     int64 //nolint:revive // the protocol's spelling
}

// getManagerInfoByAuthCode trades a one-time authorization code, which an
// administrator made in the console, for that administrator: UserName is
// their username, WaId their numeric id, TeamName and OrgId the tenant's
// name and alias (InitTenantAlias's organization id). Administrators have
// no phone in Roster, so Phone is empty. A code works once, for five
// minutes, with a pair of its own tenant; every other code is refused
// alike, so a guesser learns nothing from the answer.
func (a api) getManagerInfoByAuthCode(c *acs.Call) (acs.Reply, error) {
	code := c.Params.Get("AuthCode")
	if code == "" {
		return nil, acs.Missing("AuthCode")
	}
	ctx := c.Request().Context()
	admin, err := a.store.UseAuthCode(ctx, c.Key.TenantID, code)
	if errors.Is(err, store.ErrInvalidCredentials) {
		return nil, acs.Invalid("AuthCode", "unknown, already used or expired; create a new one in the console (Settings, API keys)")
	}
	if err != nil {
		return nil, err
	}
	t, err := a.store.GetTenant(ctx, c.Key.TenantID)
	if err != nil {
		return nil, err
	}
	return &managerInfoReply{OrgId: t.Alias, TeamName: t.Name, UserName: admin.Username, WaId: admin.ID}, nil
}
