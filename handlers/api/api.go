// Package api is Roster's JSON API under /api/v1: bearer API keys, which fix
// the tenant and role of a request; JSON bodies in and out; errors as one
// JSON envelope.
package api

import (
	"github.com/labstack/echo/v4"

	"roster/store"
	"roster/store/jobs"
)

// Handler serves the JSON API. Its one way to the tenant of a request is
// the API key (request.KeyOf).
type Handler struct {
	store *store.Store
	jobs  *jobs.Runner
	users *store.UserCache[*listedUser] // of the user lists
}

// New returns the API's handlers over st, queueing jobs for runner.
func New(st *store.Store, runner *jobs.Runner) *Handler {
	return &Handler{store: st, jobs: runner, users: store.NewUserCache(listCacheBytes, (*listedUser).size)}
}

// Register adds the API's routes to g (mounted at /api/v1). Every route
// is an operation of openapi.yaml, and the contract tests hold them to it.
func (h *Handler) Register(g *echo.Group) {
	// Added before the key check, which applies to the routes after it.
	g.GET("/openapi.json", serveOpenAPIJSON)
	g.GET("/openapi.yaml", serveOpenAPIYAML)
	g.Use(h.auth)
	g.GET("/whoami", h.whoami)
	g.PUT("/tenant/alias", h.setAlias)
	g.GET("/audit-events", h.listAuditEvents)
	g.GET("/users", h.listUsers)
	g.POST("/users", h.createUser)
	g.GET("/users/stats", h.userStats)
	g.GET("/users/export", h.exportUsers)
	g.POST("/users/batch", h.batchCreateUsers)
	g.POST("/users/delete", h.userAction(store.ActionDelete))
	g.POST("/users/lock", h.userAction(store.ActionLock))
	g.POST("/users/unlock", h.userAction(store.ActionUnlock))
	g.POST("/users/enable", h.userAction(store.ActionEnable))
	g.POST("/users/disable", h.userAction(store.ActionDisable))
	g.GET("/users/:id", h.getUser)
	g.PATCH("/users/:id", h.updateUser)
	g.DELETE("/users/:id", h.deleteUser)
	g.PUT("/users/:id/required-actions", h.setRequiredActions)
	g.POST("/users/move", h.moveUsers)
	g.POST("/users/reset-password", h.resetPasswords)
	g.PUT("/users/:id/password", h.setPassword)
	g.POST("/users/:id/verify-email", h.verifyEmail)
	g.GET("/messages", h.listMessages)
	g.PUT("/users/:id/properties/:key", h.setUserProperty)
	g.DELETE("/users/:id/properties/:key", h.clearUserProperty)
	g.GET("/users/:id/resource-groups", h.userResourceGroups)
	g.GET("/org-units", h.listOrgUnits)
	g.POST("/org-units", h.createOrgUnit)
	g.GET("/org-units/:id", h.getOrgUnit)
	g.PATCH("/org-units/:id", h.updateOrgUnit)
	g.DELETE("/org-units/:id", h.deleteOrgUnit)
	g.GET("/org-units/:id/children", h.orgUnitChildren)
	g.POST("/org-units/:id/move", h.moveOrgUnit)
	g.GET("/groups", h.listGroups)
	g.POST("/groups", h.createGroup)
	g.POST("/groups/delete", h.deleteGroups)
	g.GET("/groups/:id", h.getGroup)
	g.PATCH("/groups/:id", h.updateGroup)
	g.DELETE("/groups/:id", h.deleteGroup)
	g.GET("/groups/:id/members", h.groupMembers)
	g.POST("/groups/:id/members/add", h.changeMembers(true))
	g.POST("/groups/:id/members/remove", h.changeMembers(false))
	g.GET("/properties", h.listProperties)
	g.POST("/properties", h.createProperty)
	g.GET("/properties/:id", h.getProperty)
	g.PATCH("/properties/:id", h.updateProperty)
	g.DELETE("/properties/:id", h.deleteProperty)
	g.GET("/properties/:id/values", h.propertyValues)
	g.POST("/imports", h.createImport)
	g.GET("/imports/:id", h.getImport)
	g.GET("/imports/:id/errors", h.importErrors)
	g.POST("/imports/:id/resume", h.resumeImport)
	g.POST("/imports/:id/apply", h.applyImport)
	g.GET("/resource-groups", h.listResourceGroups)
	g.POST("/resource-groups", h.createResourceGroup)
	g.GET("/resource-groups/:id", h.getResourceGroup)
	g.PATCH("/resource-groups/:id", h.updateResourceGroup)
	g.DELETE("/resource-groups/:id", h.deleteResourceGroup)
	g.POST("/resource-groups/:id/resources/add", h.changeResources(true))
	g.POST("/resource-groups/:id/resources/remove", h.changeResources(false))
	g.POST("/resource-groups/:id/assignments/add", h.changeAssignments(true))
	g.POST("/resource-groups/:id/assignments/remove", h.changeAssignments(false))
	g.Any("/*", func(c echo.Context) error { return echo.ErrNotFound })
}
