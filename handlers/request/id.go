package request

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"

	"github.com/labstack/echo/v4"

	"roster/store"
)

var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// AssignID gives every request an id, echoed in X-Request-Id, the API's
// error body and audit events. A well-formed id sent by a proxy is kept so
// logs line up; anything else is replaced rather than written to the log.
// Audit events also get the client's address (RealIP, which believes
// forwarding headers only from the trusted proxies) and user agent.
func AssignID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !safeRequestID.MatchString(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set("request_id", id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		r := c.Request()
		ctx := store.WithRequestID(r.Context(), id)
		ctx = store.WithClient(ctx, store.Client{Address: c.RealIP(), UserAgent: r.UserAgent()})
		c.SetRequest(r.WithContext(ctx))
		return next(c)
	}
}

func ID(c echo.Context) string {
	id, _ := c.Get("request_id").(string)
	return id
}
