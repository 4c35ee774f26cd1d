package api

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v4"
)

// OpenAPIYAML is the hand-written OpenAPI 3.1 description of this API.
//
//go:embed openapi.yaml
var OpenAPIYAML []byte

// openAPIJSON is the same document as JSON, converted once.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(OpenAPIYAML, &doc); err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
})

// Document is the parsed description, its references resolved, for the
// console's reference page (which lists operations in the document's
// order, hence the origins).
var Document = sync.OnceValues(func() (*openapi3.T, error) {
	l := openapi3.NewLoader()
	l.IncludeOrigin = true
	return l.LoadFromData(OpenAPIYAML)
})

// The description is public: it says what the API takes, not what a
// tenant holds, and clients fetch it before they have a key.
func serveOpenAPIJSON(c echo.Context) error {
	b, err := openAPIJSON()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

func serveOpenAPIYAML(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", OpenAPIYAML)
}
