package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

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

func (h *Handler) listResourceGroups(c echo.Context) error {
	p, name, err := listParams(c)
	if err != nil {
		return err
	}
	l, err := h.store.ListResourceGroups(c.Request().Context(), request.KeyOf(c).TenantID, store.NameFilter{Name: name, Page: p})
	if err != nil {
		return request.ListError(err)
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIResourceGroup))
}

func (h *Handler) createResourceGroup(c echo.Context) error {
	var req resourceGroupRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	if req.Name == nil {
		req.Name = new(string)
	}
	r, err := h.store.CreateResourceGroup(c.Request().Context(), request.KeyOf(c).TenantID, req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIResourceGroup(r))
}

func (h *Handler) getResourceGroup(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixResourceGroup)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), request.KeyOf(c).TenantID
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

func (h *Handler) updateResourceGroup(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixResourceGroup)
	if err != nil {
		return err
	}
	var req resourceGroupRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	r, err := h.store.UpdateResourceGroup(c.Request().Context(), request.KeyOf(c).TenantID, id, req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIResourceGroup(r))
}

func (h *Handler) deleteResourceGroup(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixResourceGroup)
	if err != nil {
		return err
	}
	if err := h.store.RemoveResourceGroup(c.Request().Context(), request.KeyOf(c).TenantID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type resourcesRequest struct {
	Resources []apiResource `json:"resources"`
}

func (h *Handler) changeResources(add bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := request.IDParam(c, store.PrefixResourceGroup)
		if err != nil {
			return err
		}
		var req resourcesRequest
		if err := request.BindJSON(c, &req); err != nil {
			return err
		}
		items := make([]store.Resource, len(req.Resources))
		for i, x := range req.Resources {
			items[i] = store.Resource{Type: x.Type, ID: x.ID, Name: x.Name}
		}
		r, err := h.store.ChangeResources(c.Request().Context(), request.KeyOf(c).TenantID, id, add, items)
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

// changeAssignments assigns or unassigns users and groups; results are
// per item, numbered users first, then groups.
func (h *Handler) changeAssignments(add bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := request.IDParam(c, store.PrefixResourceGroup)
		if err != nil {
			return err
		}
		var req assignmentsRequest
		if err := request.BindJSON(c, &req); err != nil {
			return err
		}
		res, err := h.store.ChangeAssignments(c.Request().Context(), request.KeyOf(c).TenantID, id, add, req.UserIDs, req.GroupIDs)
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

// userResourceGroups answers which resource groups a user gets, directly
// or through groups.
func (h *Handler) userResourceGroups(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixUser)
	if err != nil {
		return err
	}
	rgs, err := h.store.UserResourceGroups(c.Request().Context(), request.KeyOf(c).TenantID, id)
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
