package handlers

import (
	"bytes"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
)

// benchPath answers, in bench mode only, a constant body of ?size= bytes.
// The benchmark (cmd/rosterbench, which starts roster serve --bench) asks
// it for each list it measures, with the list's size, to split the list's
// cost: from a bare net/http handler to this route is the fixed cost of
// every request (routing, the middleware, the API key or the session);
// from this route to the list is the list's query and encoding. It is
// mounted in the surfaces' own groups, behind their authentication, so it
// passes the very chain the lists pass rather than a copy that could
// drift from it.
const benchPath = "/_bench/constant"

// maxConstant bounds ?size=: larger than any page the benchmark measures.
const maxConstant = 16 << 20

// benchRoutes adds bench mode's middleware and routes: the constant body
// as JSON behind the API's key check, and as HTML behind the console's
// session, CSRF and signed-in administrator. They are registered only in
// bench mode, so a server started without --bench has no such routes.
func (h *Handler) benchRoutes(e *echo.Echo, api, console *echo.Group) {
	e.Use(request.Benchmarking)
	api.GET(benchPath, constant(echo.MIMEApplicationJSON, func(n int) []byte {
		// A JSON string: a valid document of any size from 2.
		b := bytes.Repeat([]byte("x"), n)
		b[0], b[n-1] = '"', '"'
		return b
	}))
	console.GET(benchPath, constant(echo.MIMETextHTMLCharsetUTF8, func(n int) []byte {
		return bytes.Repeat([]byte(" "), n) // whitespace: a valid HTML document of any size
	}))
}

// constant answers ?size= bytes of body(size), as the lists send theirs:
// the length declared, in one write. The body is made once per size and
// kept, so the answer costs what sending it costs.
func constant(mime string, body func(n int) []byte) echo.HandlerFunc {
	var last atomic.Pointer[[]byte]
	return func(c echo.Context) error {
		n, err := strconv.Atoi(c.QueryParam("size"))
		if err != nil || n < 2 || n > maxConstant {
			return &request.ParamError{Field: "size", Msg: "size is a number of bytes from 2 to " + strconv.Itoa(maxConstant) + "."}
		}
		b := last.Load()
		if b == nil || len(*b) != n {
			nb := body(n)
			b = &nb
			last.Store(b)
		}
		hd := c.Response().Header()
		hd.Set(echo.HeaderContentType, mime)
		hd.Set(echo.HeaderContentLength, strconv.Itoa(n))
		c.Response().WriteHeader(http.StatusOK)
		_, err = c.Response().Write(*b)
		return err
	}
}
