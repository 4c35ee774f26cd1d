package handlers

import (
	"net/http"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"roster/store"
	"roster/web/static"
	"roster/web/templates"
)

// routes lists every route, top to bottom: plumbing, the JSON API, the
// console.
func (h *Handler) routes(e *echo.Echo) {
	// Each app has its own registry so tests can build several in one process.
	reg := prometheus.NewRegistry()
	e.Use(middleware.Recover())
	e.Use(requestID)
	e.Use(h.limitBody)
	e.Use(echoprometheus.NewMiddlewareWithConfig(echoprometheus.MiddlewareConfig{
		Namespace: "roster", Subsystem: "http", Registerer: reg,
		Skipper: func(c echo.Context) bool { return c.Path() == "/metrics" },
		// Labels come from routes, never from what a client sends: a Host
		// header or an unknown URL must not mint new time series.
		DoNotUseRequestPathFor404: true,
		LabelFuncs: map[string]echoprometheus.LabelValueFunc{
			"host": func(echo.Context, error) string { return "roster" },
		},
	}))
	e.Use(h.securityHeaders)

	e.GET("/healthz", h.healthz)
	e.GET("/metrics", echoprometheus.NewHandlerWithConfig(echoprometheus.HandlerConfig{Gatherer: reg}))
	e.StaticFS("/static", static.FS)

	api := e.Group("/api/v1", h.apiAuth)
	api.GET("/whoami", h.apiWhoami)
	api.PUT("/tenant/alias", h.apiSetAlias)
	api.GET("/audit-events", h.apiListAuditEvents)
	api.GET("/users", h.apiListUsers)
	api.POST("/users", h.apiCreateUser)
	api.GET("/users/stats", h.apiUserStats)
	api.POST("/users/batch", h.apiBatchCreateUsers)
	api.POST("/users/delete", h.apiUserAction(store.ActionDelete))
	api.POST("/users/lock", h.apiUserAction(store.ActionLock))
	api.POST("/users/unlock", h.apiUserAction(store.ActionUnlock))
	api.POST("/users/enable", h.apiUserAction(store.ActionEnable))
	api.POST("/users/disable", h.apiUserAction(store.ActionDisable))
	api.GET("/users/:id", h.apiGetUser)
	api.PATCH("/users/:id", h.apiUpdateUser)
	api.DELETE("/users/:id", h.apiDeleteUser)
	api.PUT("/users/:id/required-actions", h.apiSetRequiredActions)
	api.POST("/users/move", h.apiMoveUsers)
	api.POST("/users/reset-password", h.apiResetPasswords)
	api.POST("/users/:id/verify-email", h.apiVerifyEmail)
	api.GET("/messages", h.apiListMessages)
	api.PUT("/users/:id/properties/:key", h.apiSetUserProperty)
	api.DELETE("/users/:id/properties/:key", h.apiClearUserProperty)
	api.GET("/users/:id/resource-groups", h.apiUserResourceGroups)
	api.GET("/org-units", h.apiListOrgUnits)
	api.POST("/org-units", h.apiCreateOrgUnit)
	api.GET("/org-units/:id", h.apiGetOrgUnit)
	api.PATCH("/org-units/:id", h.apiUpdateOrgUnit)
	api.DELETE("/org-units/:id", h.apiDeleteOrgUnit)
	api.GET("/org-units/:id/children", h.apiOrgUnitChildren)
	api.POST("/org-units/:id/move", h.apiMoveOrgUnit)
	api.GET("/groups", h.apiListGroups)
	api.POST("/groups", h.apiCreateGroup)
	api.POST("/groups/delete", h.apiDeleteGroups)
	api.GET("/groups/:id", h.apiGetGroup)
	api.PATCH("/groups/:id", h.apiUpdateGroup)
	api.DELETE("/groups/:id", h.apiDeleteGroup)
	api.GET("/groups/:id/members", h.apiGroupMembers)
	api.POST("/groups/:id/members/add", h.apiChangeMembers(true))
	api.POST("/groups/:id/members/remove", h.apiChangeMembers(false))
	api.GET("/properties", h.apiListProperties)
	api.POST("/properties", h.apiCreateProperty)
	api.GET("/properties/:id", h.apiGetProperty)
	api.PATCH("/properties/:id", h.apiUpdateProperty)
	api.DELETE("/properties/:id", h.apiDeleteProperty)
	api.GET("/properties/:id/values", h.apiPropertyValues)
	api.GET("/resource-groups", h.apiListResourceGroups)
	api.POST("/resource-groups", h.apiCreateResourceGroup)
	api.GET("/resource-groups/:id", h.apiGetResourceGroup)
	api.PATCH("/resource-groups/:id", h.apiUpdateResourceGroup)
	api.DELETE("/resource-groups/:id", h.apiDeleteResourceGroup)
	api.POST("/resource-groups/:id/resources/add", h.apiChangeResources(true))
	api.POST("/resource-groups/:id/resources/remove", h.apiChangeResources(false))
	api.POST("/resource-groups/:id/assignments/add", h.apiChangeAssignments(true))
	api.POST("/resource-groups/:id/assignments/remove", h.apiChangeAssignments(false))
	api.Any("/*", func(c echo.Context) error { return echo.ErrNotFound })

	// End-user pages: their own sessions and CSRF, per tenant.
	acct := e.Group("/account/:alias", h.loadSession(h.accounts), h.csrf(h.accounts), h.loadAccountTenant)
	acct.GET("/login", h.showAccountLogin)
	acct.POST("/login", h.accountLogin)
	acct.GET("/forgot", h.showAccountForgot)
	acct.POST("/forgot", h.accountForgot)
	acct.GET("/reset", h.showAccountReset)
	acct.POST("/reset", h.accountReset)
	acct.GET("/verify", h.accountVerifyLink)
	signed := acct.Group("", h.requireEndUser)
	signed.GET("/", h.showAccountProfile)
	signed.POST("/profile", h.accountProfile)
	signed.GET("/password", h.showAccountPassword)
	signed.POST("/password", h.accountPassword)
	signed.POST("/verify", h.accountVerifyCode)
	signed.POST("/verify/send", h.accountSendVerification)
	signed.POST("/logout", h.accountLogout)

	// The console: sessions and CSRF on everything below.
	con := e.Group("", h.loadSession(h.sessions), h.csrf(h.sessions))
	con.GET("/login", h.showLogin)
	con.POST("/login", h.login)
	con.POST("/logout", h.logout)

	in := con.Group("", h.requireAdmin)
	owner := requireRole(store.RoleOwner)
	writer := requireRole(store.RoleOwner, store.RoleAdmin)
	in.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/users") })
	in.GET("/whoami", h.consoleWhoami)
	in.POST("/tenant/switch", h.switchTenant)
	in.GET("/users", h.listUsers)
	in.GET("/users/stats", h.userStats)
	in.GET("/users/new", h.showNewUser, writer)
	in.POST("/users/new", h.createUser, writer)
	in.GET("/users/batch", h.showBatch, writer)
	in.POST("/users/batch", h.createBatch, writer)
	in.POST("/users/bulk/confirm", h.confirmBulk, writer)
	in.POST("/users/bulk", h.applyBulk, writer)
	in.GET("/users/:id", h.showUser)
	in.POST("/users/:id/profile", h.updateProfile, writer)
	in.POST("/users/:id/access", h.updateAccess, writer)
	in.POST("/users/:id/tags", h.updateTags, writer)
	in.POST("/users/:id/action", h.userAction, writer)
	in.GET("/pick/:kind", h.pick)
	in.GET("/org-units", h.showOrg)
	in.GET("/org-units/:id/node", h.showOrgNode)
	in.POST("/org-units/:id", h.updateUnit, writer)
	in.POST("/org-units/:id/children", h.createChildUnit, writer)
	in.POST("/org-units/:id/move", h.moveUnit, writer)
	in.POST("/org-units/:id/users", h.moveUsersHere, writer)
	in.POST("/org-units/:id/remove", h.removeUnit, writer)
	in.GET("/groups", h.listGroups)
	in.POST("/groups", h.createGroup, writer)
	in.POST("/groups/remove", h.removeGroups, writer)
	in.GET("/groups/:id", h.showGroup)
	in.POST("/groups/:id", h.updateGroup, writer)
	in.POST("/groups/:id/members/add", h.changeGroupMembers(true), writer)
	in.POST("/groups/:id/members/remove", h.changeGroupMembers(false), writer)
	in.GET("/properties", h.listProperties)
	in.POST("/properties", h.createProperty, writer)
	in.GET("/properties/:id", h.showProperty)
	in.POST("/properties/:id", h.updateProperty, writer)
	in.POST("/properties/:id/remove", h.removeProperty, writer)
	in.POST("/users/:id/properties", h.setUserProperties, writer)
	in.POST("/users/:id/groups", h.changeUserGroups, writer)
	in.POST("/users/:id/org", h.moveUser, writer)
	in.POST("/users/:id/mail", h.userMail, writer)
	in.GET("/resource-groups", h.listResourceGroups)
	in.POST("/resource-groups", h.createResourceGroup, writer)
	in.GET("/resource-groups/:id", h.showResourceGroup)
	in.POST("/resource-groups/:id", h.updateResourceGroup, writer)
	in.POST("/resource-groups/:id/remove", h.removeResourceGroup, writer)
	in.POST("/resource-groups/:id/resources", h.changeResourceGroupResources, writer)
	in.POST("/resource-groups/:id/assignments", h.changeResourceGroupAssignments, writer)
	in.GET("/audit", h.showAudit)
	in.GET("/settings", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/settings/tenant") })
	in.GET("/settings/tenant", h.showTenantSettings)
	in.POST("/settings/tenant", h.updateTenant, writer)
	in.GET("/settings/administrators", h.listAdmins)
	in.POST("/settings/administrators", h.addAdmin, owner)
	in.POST("/settings/administrators/:id/role", h.changeAdminRole, owner)
	in.POST("/settings/administrators/:id/remove", h.removeAdmin, owner)
	in.POST("/settings/administrators/:id/unlock", h.unlockAdmin, owner)
	in.GET("/settings/api-keys", h.listAPIKeys)
	in.POST("/settings/api-keys", h.createAPIKey, owner)
	in.POST("/settings/api-keys/:id/revoke", h.revokeAPIKey, owner)
	in.GET("/settings/email", h.showEmailSettings)
	in.POST("/settings/email/:id/resend", h.resendMessage, writer)
	in.GET("/settings/password-policy", h.showPasswordPolicy)
	in.POST("/settings/password-policy", h.updatePasswordPolicy, writer)
	in.GET("/settings/tenants", h.listTenants, requireSystem)
	in.POST("/settings/tenants", h.createTenant, requireSystem)
}

func notBuilt(title, key, what string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return render(c, http.StatusOK, templates.NotBuilt(title, key, what))
	}
}

// healthz answers 200 while the database answers.
func (h *Handler) healthz(c echo.Context) error {
	if err := h.store.Ping(c.Request().Context()); err != nil {
		h.log.Error("health check", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": h.cfg.Version})
}
