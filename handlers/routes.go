package handlers

import (
	"net/http"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"roster/handlers/account"
	"roster/handlers/acs"
	"roster/handlers/acs/edsuser"
	"roster/handlers/acs/eiam"
	"roster/handlers/api"
	"roster/handlers/console"
	"roster/handlers/request"
	"roster/handlers/scim"
	"roster/handlers/spaceone"
	"roster/web/static"
)

// routes adds the middleware every request passes, the plumbing routes and
// the three surfaces. Each surface's routes start with how it answers errors
// (request.Answering), then the body limits, so a refused body is answered
// in the surface's own way.
func (h *Handler) routes(e *echo.Echo) {
	// Each app has its own registry so tests can build several in one process.
	reg := prometheus.NewRegistry()
	e.Use(middleware.Recover())
	e.Use(request.AssignID)
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

	e.GET("/healthz", h.healthz, h.limitBody)
	e.GET("/metrics", echoprometheus.NewHandlerWithConfig(echoprometheus.HandlerConfig{Gatherer: reg}), h.limitBody)
	e.GET("/static*", echo.StaticDirectoryHandler(static.FS, !e.EnablePathUnescapingStaticFiles), h.limitBody)

	apiGroup := e.Group("/api/v1", request.Answering(api.Answer), h.limitBody)
	api.New(h.store, h.jobs).Register(apiGroup) // which adds the key check to apiGroup
	spaceone.New(h.store).Register(e.Group(spaceone.Prefix, request.Answering(spaceone.Answer), h.limitBody))
	scim.New(h.store, h.cfg.BaseURL).Register(e.Group(scim.Prefix, request.Answering(scim.Answer), h.limitBody))
	rpc := acs.New(h.store)
	edsuser.Register(rpc, h.store)
	eiam.Register(rpc, h.store)
	e.Pre(acs.Route)
	e.Match([]string{http.MethodGet, http.MethodPost}, acs.Path, rpc.Serve, request.Answering(acs.Answer), h.limitBody)
	account.New(h.store, h.accounts, h.limits, h.log,
		account.Config{Version: h.cfg.Version, SMTPConfigured: h.cfg.SMTPConfigured}).
		Register(e.Group("/account/:alias", request.Answering(request.ErrorPage), h.limitBody))
	signedIn := console.New(h.store, h.jobs, h.sessions, h.limits, h.log, console.Config{
		SessionIdle: h.cfg.SessionIdle, SMTPConfigured: h.cfg.SMTPConfigured, Version: h.cfg.Version, BaseURL: h.cfg.BaseURL,
	}).Register(e.Group("", request.Answering(request.ErrorPage), h.limitBody))
	if h.cfg.Bench {
		h.benchRoutes(e, apiGroup, signedIn)
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
