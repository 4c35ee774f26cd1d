package edsuser

import (
	"errors"

	"roster/handlers/acs"
	"roster/handlers/request"
	"roster/store"
)

// endUser reads EndUserId, which must name a user of the tenant, and
// answers the user's id.
func (a api) endUser(c *acs.Call) (int64, error) {
	name := c.Params.Get("EndUserId")
	if name == "" {
		return 0, acs.Missing("EndUserId")
	}
	ids, err := a.store.UserIDsByUsername(c.Request().Context(), c.Key.TenantID, []string{name})
	if err != nil {
		return 0, err
	}
	id, ok := store.ParseID(store.PrefixUser, ids[name])
	if !ok {
		return 0, &acs.Error{Status: 404, Code: failureCodes["not_found"], Message: "No user of this tenant has this EndUserId."}
	}
	return id, nil
}

// changeUserPassword sets a user's password, the administrator's way in
// for accounts they activate. The tenant's password policy applies (a
// refusal names the rule broken) and the user's sessions end.
func (a api) changeUserPassword(c *acs.Call) (acs.Reply, error) {
	id, err := a.endUser(c)
	if err != nil {
		return nil, err
	}
	pw := c.Params.Get("NewPassword")
	if pw == "" {
		return nil, acs.Missing("NewPassword")
	}
	_, err = a.store.SetUserPassword(c.Request().Context(), c.Key.TenantID, id, pw, false)
	var fe store.FieldErrors
	if !errors.Is(err, store.ErrConflict) && request.AsFieldErrors(err, &fe) && fe["password"] != "" {
		return nil, acs.Invalid("NewPassword", fe["password"])
	}
	if err != nil {
		return nil, err
	}
	return &emptyReply{}, nil
}
