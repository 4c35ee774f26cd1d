package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"roster/handlers/api"
)

// The contract: every request the tests send to /api/v1 and every answer
// they get are checked against handlers/api/openapi.yaml. An answer must be
// documented for its operation and status, field by field (the response
// schemas are closed). A request the document refuses (an unknown field or
// parameter, a wrong type, no key) must be refused by the server too: a
// 2xx to it means the server takes something undocumented.

// apiDoc is the document and its router, loaded once for all tests.
var apiDoc = sync.OnceValues(func() (*contractDoc, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPIYAML)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &contractDoc{doc: doc, router: r}, nil
})

type contractDoc struct {
	doc    *openapi3.T
	router routers.Router
}

// contractTransport is an http.RoundTripper that checks each /api/v1
// exchange against the document and fails t where they differ.
type contractTransport struct {
	t    *testing.T
	base http.RoundTripper
}

// contractClient is an HTTP client whose /api/v1 exchanges are checked.
func contractClient(t *testing.T) *http.Client {
	return &http.Client{Transport: contractTransport{t: t, base: http.DefaultTransport}}
}

func (ct contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body.Close()
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := ct.base.RoundTrip(req)
	if err != nil || !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return resp, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if problem := checkExchange(req, reqBody, resp, respBody); problem != "" {
		ct.t.Helper()
		ct.t.Errorf("%s %s %s → %d %s\ndoes not match handlers/api/openapi.yaml: %s",
			req.Method, req.URL.RequestURI(), clip(reqBody), resp.StatusCode, clip(respBody), problem)
	}
	return resp, nil
}

// checkExchange says how one request and its answer break the document,
// or "" when they keep it.
func checkExchange(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) string {
	c, err := apiDoc()
	if err != nil {
		return "the document does not load: " + err.Error()
	}
	ctx := context.Background()
	// A copy of the request with its body, as the server got it.
	r := req.Clone(ctx)
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	if err := undocumentedParams(c.router, r); err != nil && resp.StatusCode < 400 {
		return "the server accepted a request the document refuses: " + err.Error()
	}
	// The server reads an empty parameter as an absent one (the console's
	// forms send them), so the document's value rules apply to the others.
	q := r.URL.Query()
	for name, vs := range q {
		if slices.Equal(vs, []string{""}) {
			q.Del(name)
		}
	}
	r.URL.RawQuery = q.Encode()
	route, params, err := c.router.FindRoute(r)
	if err != nil {
		// Not an operation: the server must say so, in its envelope.
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			return "no operation " + req.Method + " " + req.URL.Path + " is documented (" + err.Error() + ")"
		}
		return checkSchema(c.doc, "Error", respBody)
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearerPresent, RejectWhenRequestBodyNotSpecified: true,
			IncludeResponseStatus: true, MultiError: true}}
	if reqErr := openapi3filter.ValidateRequest(ctx, in); reqErr != nil && resp.StatusCode < 400 {
		return "the server accepted a request the document refuses: " + reqErr.Error()
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Body: io.NopCloser(bytes.NewReader(respBody)), Options: in.Options}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return "the answer: " + err.Error()
	}
	return ""
}

// bearerPresent holds a request to the document's security: a bearer
// token is sent (the server decides whether it is a good one).
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecurityScheme.Type == "http" && in.SecurityScheme.Scheme == "bearer" &&
		strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
		return nil
	}
	return errors.New("no bearer API key")
}

// undocumentedParams reports query parameters the operation does not
// declare, which openapi3filter lets through.
func undocumentedParams(router routers.Router, r *http.Request) error {
	route, _, err := router.FindRoute(r)
	if err != nil {
		return nil // not an operation: the caller reports that
	}
	declared := map[string]bool{}
	for _, ps := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range ps {
			if p.Value.In == openapi3.ParameterInQuery {
				declared[p.Value.Name] = true
			}
		}
	}
	for name := range r.URL.Query() {
		if !declared[name] {
			return fmt.Errorf("query parameter %q is not documented", name)
		}
	}
	return nil
}

// checkSchema validates a JSON body against a named schema of the document.
func checkSchema(doc *openapi3.T, name string, body []byte) string {
	s := doc.Components.Schemas[name]
	if s == nil {
		return "no schema " + name
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "the answer is not JSON: " + err.Error()
	}
	if err := s.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		return "the answer is not a " + name + ": " + err.Error()
	}
	return ""
}

// clip shortens a body for a failure message.
func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}
