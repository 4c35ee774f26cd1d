package handlers_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"roster/handlers"
	"roster/store"
	"roster/store/storetest"
)

// The document is a valid OpenAPI 3.1 description (its examples included)
// whose every operation says what it is, and whose answers are closed
// objects, so that the contract tests catch an undocumented field.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	c, err := apiDoc()
	if err != nil {
		t.Fatal(err)
	}
	if !c.doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %s, want 3.1", c.doc.OpenAPI)
	}
	ids := map[string]string{}
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" || op.Summary == "" || len(op.Tags) == 0 {
				t.Errorf("%s: give it an operationId, a summary and a tag", where)
			}
			if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s and %s share operationId %s", where, other, op.OperationID)
			}
			ids[op.OperationID] = where
			for status, r := range op.Responses.Map() {
				for ct, mt := range r.Value.Content {
					if ct == "application/json" && mt.Schema != nil {
						for _, p := range openObjects(mt.Schema, "", map[*openapi3.Schema]bool{}) {
							t.Errorf("%s %s: the answer's object %s is open: add additionalProperties: false", where, status, p)
						}
					}
				}
			}
		}
	}
}

// openObjects lists the objects of s, at any depth, that allow fields they
// do not name. A map (additionalProperties with a schema) is closed
// enough: its values are checked.
func openObjects(ref *openapi3.SchemaRef, at string, seen map[*openapi3.Schema]bool) []string {
	s := ref.Value
	if s == nil || seen[s] {
		return nil
	}
	seen[s] = true
	var out []string
	if s.Type.Is("object") || (s.Type.Includes("object") && len(s.Properties) > 0) {
		ap := s.AdditionalProperties
		if len(s.Properties) > 0 && (ap.Has == nil || *ap.Has) && ap.Schema == nil {
			out = append(out, "/"+at)
		}
	}
	for name, p := range s.Properties {
		out = append(out, openObjects(p, at+"/"+name, seen)...)
	}
	if s.Items != nil {
		out = append(out, openObjects(s.Items, at+"[]", seen)...)
	}
	if s.AdditionalProperties.Schema != nil {
		out = append(out, openObjects(s.AdditionalProperties.Schema, at+"/*", seen)...)
	}
	return out
}

// The document's operations are exactly the routes Echo serves under
// /api/v1, both ways.
func TestOpenAPIOperationsAreTheRoutes(t *testing.T) {
	c, err := apiDoc()
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, stop := handlers.New(st, handlers.Config{})
	defer stop()
	var routes []string
	for _, r := range e.Routes() {
		path, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok || r.Method == "echo_route_any" || path == "" || strings.HasSuffix(path, "*") {
			continue // catch-alls answer 404, they are not operations
		}
		segs := strings.Split(path, "/")
		for i, s := range segs {
			if name, ok := strings.CutPrefix(s, ":"); ok {
				segs[i] = "{" + name + "}"
			}
		}
		routes = append(routes, r.Method+" "+strings.Join(segs, "/"))
	}
	var ops []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	slices.Sort(routes)
	routes = slices.Compact(routes)
	for _, r := range routes {
		if !slices.Contains(ops, r) {
			t.Errorf("route %s is not documented in handlers/api/openapi.yaml", r)
		}
	}
	for _, o := range ops {
		if !slices.Contains(routes, o) {
			t.Errorf("operation %s of handlers/api/openapi.yaml is not a route", o)
		}
	}
}

// The document is served, without a key, as JSON and as YAML.
func TestOpenAPIDocumentIsServed(t *testing.T) {
	a := newTestApp(t)
	for _, f := range []struct{ path, contentType string }{
		{"/api/v1/openapi.json", "application/json"},
		{"/api/v1/openapi.yaml", "application/yaml"},
	} {
		resp, err := contractClient(t).Get(a.srv.URL + f.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != f.contentType {
			t.Errorf("GET %s = %d %s, want 200 %s", f.path, resp.StatusCode, resp.Header.Get("Content-Type"), f.contentType)
		}
	}
	status, _, doc := a.apiCall(t, "GET", "/api/v1/openapi.json", "", "")
	if status != http.StatusOK || doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json = %d %v", status, doc["openapi"])
	}
	// The JSON is the YAML, converted: it loads as the same document.
	raw, _ := json.Marshal(doc)
	if d, err := openapi3.NewLoader().LoadFromData(raw); err != nil || d.Paths.Len() != mustDoc(t).Paths.Len() {
		t.Fatalf("openapi.json does not load as the document: %v", err)
	}
}

func mustDoc(t *testing.T) *openapi3.T {
	c, err := apiDoc()
	if err != nil {
		t.Fatal(err)
	}
	return c.doc
}
