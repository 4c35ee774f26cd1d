package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

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

// unitRef reads an optional org unit id sent in field; a malformed one is
// reported in fe, an absent one is 0.
func unitRef(p *string, field string, fe store.FieldErrors) int64 {
	if p == nil || *p == "" {
		return 0
	}
	id, ok := store.ParseID(store.PrefixOrgUnit, *p)
	if !ok {
		fe[field] = "Give an org unit id like ou_1."
	}
	return id
}

func (h *Handler) listOrgUnits(c echo.Context) error {
	p, name, err := listParams(c)
	if err != nil {
		return err
	}
	l, err := h.store.ListOrgUnits(c.Request().Context(), request.KeyOf(c).TenantID, store.NameFilter{Name: name, Page: p})
	if err != nil {
		return request.ListError(err)
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIOrgUnit))
}

func (h *Handler) createOrgUnit(c echo.Context) error {
	var req orgUnitRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	fe := store.FieldErrors{}
	parent := unitRef(req.ParentID, "parent_id", fe)
	if len(fe) > 0 {
		return fe
	}
	o, err := h.store.CreateOrgUnit(c.Request().Context(), request.KeyOf(c).TenantID,
		store.NewOrgUnit{ParentID: parent, Name: str(req.Name), Description: str(req.Description)})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIOrgUnit(o))
}

func (h *Handler) getOrgUnit(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	path, err := h.store.OrgUnitPath(c.Request().Context(), request.KeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	out := toAPIOrgUnit(path[len(path)-1])
	for _, p := range path {
		out.Path = append(out.Path, apiRef{ID: p.PublicID(), Name: p.Name})
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handler) updateOrgUnit(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	var req orgUnitRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	if req.ParentID != nil {
		return store.FieldErrors{"parent_id": "Move a unit with POST /org-units/{id}/move."}
	}
	o, err := h.store.UpdateOrgUnit(c.Request().Context(), request.KeyOf(c).TenantID, id,
		store.OrgUnitUpdate{Name: req.Name, Description: req.Description})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIOrgUnit(o))
}

func (h *Handler) deleteOrgUnit(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	move, err := flagParam(c, "move_users_to_parent")
	if err != nil {
		return err
	}
	if err := h.store.RemoveOrgUnit(c.Request().Context(), request.KeyOf(c).TenantID, id, move); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handler) orgUnitChildren(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	if err := onlyParams(c); err != nil {
		return err
	}
	p, fe := request.Page(c.QueryParams())
	if len(fe) > 0 {
		return request.BadParam(fe)
	}
	l, err := h.store.OrgUnitChildren(c.Request().Context(), request.KeyOf(c).TenantID, id, p)
	if err != nil {
		return request.ListError(err)
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIOrgUnit))
}

func (h *Handler) moveOrgUnit(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	var req orgUnitRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	fe := store.FieldErrors{}
	parent := unitRef(req.ParentID, "parent_id", fe)
	if req.ParentID == nil || *req.ParentID == "" {
		fe["parent_id"] = "parent_id is required: the unit to move under."
	}
	if req.Name != nil || req.Description != nil {
		fe["parent_id"] = "A move takes only parent_id."
	}
	if len(fe) > 0 {
		return fe
	}
	o, err := h.store.MoveOrgUnit(c.Request().Context(), request.KeyOf(c).TenantID, id, parent)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIOrgUnit(o))
}

type moveUsersRequest struct {
	UserIDs   []string `json:"user_ids"`
	OrgUnitID *string  `json:"org_unit_id"`
}

// moveUsers moves up to 500 users into a unit (MoveUserOrg).
func (h *Handler) moveUsers(c echo.Context) error {
	var req moveUsersRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	fe := store.FieldErrors{}
	unit := unitRef(req.OrgUnitID, "org_unit_id", fe)
	if unit == 0 && len(fe) == 0 {
		fe["org_unit_id"] = "org_unit_id is required."
	}
	if req.UserIDs == nil {
		fe["user_ids"] = "user_ids is required: an array of user ids."
	}
	if len(fe) > 0 {
		return fe
	}
	res, err := h.store.MoveUsers(c.Request().Context(), request.KeyOf(c).TenantID, unit, req.UserIDs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIBatch(res))
}

// --- groups
