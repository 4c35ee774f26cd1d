package account

import (
	"github.com/labstack/echo/v4"

	"roster/handlers/session"
)

// Register adds the end users' pages to g (mounted at /account/:alias):
// their own sessions and CSRF, per tenant.
func (h *Handler) Register(g *echo.Group) {
	g.Use(session.Load(h.accounts, h.log), session.CSRF(h.accounts, h.cfg.Version), h.loadTenant)
	g.GET("/login", h.showLogin)
	g.POST("/login", h.login)
	g.GET("/forgot", h.showForgot)
	g.POST("/forgot", h.forgot)
	g.GET("/reset", h.showReset)
	g.POST("/reset", h.reset)
	g.GET("/verify", h.verifyLink)
	signed := g.Group("", h.requireEndUser)
	signed.GET("/", h.showProfile)
	signed.POST("/profile", h.saveProfile)
	signed.GET("/password", h.showPassword)
	signed.POST("/password", h.changePassword)
	signed.POST("/verify", h.verifyCode)
	signed.POST("/verify/send", h.sendVerification)
	signed.POST("/logout", h.logout)
}
