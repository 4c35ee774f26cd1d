package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

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

func (h *Handler) listGroups(c echo.Context) error {
	p, name, err := listParams(c)
	if err != nil {
		return err
	}
	l, err := h.store.ListGroups(c.Request().Context(), request.KeyOf(c).TenantID, store.NameFilter{Name: name, Page: p})
	if err != nil {
		return request.ListError(err)
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIGroup))
}

func (h *Handler) createGroup(c echo.Context) error {
	var req groupRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	g, err := h.store.CreateGroup(c.Request().Context(), request.KeyOf(c).TenantID, str(req.Name), str(req.Description))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIGroup(g))
}

func (h *Handler) getGroup(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixGroup)
	if err != nil {
		return err
	}
	g, err := h.store.GetGroup(c.Request().Context(), request.KeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIGroup(g))
}

func (h *Handler) updateGroup(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixGroup)
	if err != nil {
		return err
	}
	var req groupRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	g, err := h.store.UpdateGroup(c.Request().Context(), request.KeyOf(c).TenantID, id, req.Name, req.Description)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIGroup(g))
}

func (h *Handler) deleteGroup(c echo.Context) error {
	res, err := h.store.RemoveGroups(c.Request().Context(), request.KeyOf(c).TenantID, []string{c.Param("id")})
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

func (h *Handler) deleteGroups(c echo.Context) error {
	var req groupIDsRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	if req.GroupIDs == nil {
		return store.FieldErrors{"group_ids": "group_ids is required: an array of group ids."}
	}
	res, err := h.store.RemoveGroups(c.Request().Context(), request.KeyOf(c).TenantID, req.GroupIDs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIBatch(res))
}

// groupMembers lists a group's members (DescribeGroupUser): user objects
// with joined_at, by username, searchable with q.
func (h *Handler) groupMembers(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixGroup)
	if err != nil {
		return err
	}
	if err := onlyParams(c, "q"); err != nil {
		return err
	}
	p, fe := request.Page(c.QueryParams())
	if len(fe) > 0 {
		return request.BadParam(fe)
	}
	done := request.Timed(c)
	l, joined, err := store.ListGroupMembersCached(c.Request().Context(), h.store, h.users, request.KeyOf(c).TenantID, id,
		store.UserFilter{Query: c.QueryParam("q"), Page: p}, newListedUser)
	done()
	if err != nil {
		return request.ListError(err)
	}
	return sendUsers(c, http.StatusOK, func(b []byte) []byte { return appendListedUsers(b, &l, joined) })
}

type userIDsRequest struct {
	UserIDs []string `json:"user_ids"`
}

// changeMembers adds or removes up to 500 members (UserBatchJoinGroup,
// UserBatchQuitGroup).
func (h *Handler) changeMembers(add bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := request.IDParam(c, store.PrefixGroup)
		if err != nil {
			return err
		}
		var req userIDsRequest
		if err := request.BindJSON(c, &req); err != nil {
			return err
		}
		if req.UserIDs == nil {
			return store.FieldErrors{"user_ids": "user_ids is required: an array of user ids."}
		}
		change := h.store.RemoveGroupMembers
		if add {
			change = h.store.AddGroupMembers
		}
		res, err := change(c.Request().Context(), request.KeyOf(c).TenantID, id, req.UserIDs)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toAPIBatch(res))
	}
}

// --- properties
