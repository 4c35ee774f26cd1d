package console

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"roster/handlers/api"
	"roster/handlers/request"
	"roster/web/templates"
)

// showAPIReference renders Settings → API from the OpenAPI document the
// API serves, so the page says what the contract tests hold the API to.
func (h *Handler) showAPIReference(c echo.Context) error {
	doc, err := api.Document()
	if err != nil {
		return err
	}
	return request.Render(c, http.StatusOK, templates.APIReferencePage(apiReference(doc, h.cfg.BaseURL+"/api/v1")))
}

// apiReference turns the document into the page: operations grouped by
// their first tag, in the tags' order and then the document's.
func apiReference(doc *openapi3.T, base string) templates.APIReference {
	r := templates.APIReference{BaseURL: base}
	for _, p := range strings.Split(strings.TrimSpace(doc.Info.Description), "\n\n") {
		r.Intro = append(r.Intro, strings.Join(strings.Fields(p), " "))
	}
	type placed struct {
		line int
		op   templates.APIOperation
	}
	byTag := map[string][]placed{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			line := 0
			if op.Origin != nil && op.Origin.Key != nil {
				line = op.Origin.Key.Line
			}
			byTag[op.Tags[0]] = append(byTag[op.Tags[0]], placed{line, apiOperation(base, path, method, item, op)})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Responses)) {
		if ar := apiResponse(name, doc.Components.Responses[name].Value); ar.Schema == "Error" {
			r.Errors = append(r.Errors, ar)
		}
	}
	for _, tag := range doc.Tags {
		ops := byTag[tag.Name]
		slices.SortFunc(ops, func(a, b placed) int {
			return cmp.Or(cmp.Compare(a.line, b.line), cmp.Compare(a.op.Path, b.op.Path), cmp.Compare(a.op.Method, b.op.Method))
		})
		g := templates.APIGroup{Name: tag.Name}
		for _, o := range ops {
			g.Operations = append(g.Operations, o.op)
		}
		r.Groups = append(r.Groups, g)
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
		s := doc.Components.Schemas[name].Value
		typ, _ := typeOf(&openapi3.SchemaRef{Value: s})
		r.Schemas = append(r.Schemas, templates.APISchema{Name: name, Type: typ, Description: s.Description, Fields: fieldsOf(s)})
	}
	return r
}

func apiOperation(base, path, method string, item *openapi3.PathItem, op *openapi3.Operation) templates.APIOperation {
	out := templates.APIOperation{ID: op.OperationID, Method: method, Path: path, Summary: op.Summary,
		Description: op.Description, Public: op.Security != nil && len(*op.Security) == 0}
	params := append(slices.Clone(item.Parameters), op.Parameters...)
	for _, p := range params {
		typ, ref := typeOf(p.Value.Schema)
		out.Params = append(out.Params, templates.APIField{Name: p.Value.Name, In: p.Value.In, Type: typ, Ref: ref,
			Description: p.Value.Description, Required: p.Value.Required})
	}
	var bodyExample any
	if op.RequestBody != nil {
		rb := op.RequestBody.Value
		if mt := rb.Content.Get("application/json"); mt != nil {
			b := &templates.APIBody{Required: rb.Required, Schema: refName(mt.Schema.Ref), Fields: fieldsOf(mt.Schema.Value)}
			for _, ex := range examplesOf(mt) {
				if bodyExample == nil {
					bodyExample = ex
				}
				b.Examples = append(b.Examples, toJSON(ex, true))
			}
			out.Body = b
		}
	}
	for _, status := range slices.Sorted(maps.Keys(op.Responses.Map())) {
		ar := apiResponse(status, op.Responses.Value(status).Value)
		if ar.Schema == "Error" {
			ar.Example = "" // the page shows each error's example once, above
		}
		out.Responses = append(out.Responses, ar)
	}
	out.Curl = curlLine(base, method, path, params, bodyExample, out.Public)
	return out
}

// apiResponse is a response with its schema and first example. Of a
// response in several media types (a file as CSV or JSON Lines) it shows
// the first by name with an example, so the page is the same every time.
func apiResponse(status string, resp *openapi3.Response) templates.APIResponse {
	ar := templates.APIResponse{Status: status, Description: *resp.Description}
	for _, name := range slices.Sorted(maps.Keys(resp.Content)) {
		mt := resp.Content[name]
		if mt.Schema != nil && ar.Schema == "" {
			ar.Schema = refName(mt.Schema.Ref)
		}
		if exs := examplesOf(mt); len(exs) > 0 && ar.Example == "" {
			ar.Example = exampleText(name, exs[0])
		}
	}
	return ar
}

// exampleText is an example of a media type as the page shows it: a text
// (a CSV or JSON Lines file) as it is, JSON indented.
func exampleText(mediaType string, ex any) string {
	if s, ok := ex.(string); ok && mediaType != "application/json" {
		return strings.TrimSuffix(s, "\n")
	}
	return toJSON(ex, true)
}

// examplesOf lists a media type's examples: its example, then its named
// examples by name.
func examplesOf(mt *openapi3.MediaType) []any {
	var out []any
	if mt.Example != nil {
		out = append(out, mt.Example)
	}
	names := make([]string, 0, len(mt.Examples))
	for n := range mt.Examples {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		out = append(out, mt.Examples[n].Value.Value)
	}
	return out
}

// curlLine is a request an administrator can paste into a shell: path
// parameters and required query parameters filled with their examples, the
// body with the first example, the key read from $ROSTER_API_KEY.
func curlLine(base, method, path string, params openapi3.Parameters, body any, public bool) string {
	var query []string
	for _, p := range params {
		v := exampleOf(p.Value)
		switch {
		case p.Value.In == openapi3.ParameterInPath && v != "":
			path = strings.ReplaceAll(path, "{"+p.Value.Name+"}", v)
		case p.Value.In == openapi3.ParameterInQuery && p.Value.Required:
			query = append(query, p.Value.Name+"="+v)
		}
	}
	u := base + path
	if len(query) > 0 {
		u += "?" + strings.Join(query, "&")
	}
	parts := []string{"curl"}
	if method != http.MethodGet {
		parts = append(parts, "-X", method)
	}
	parts = append(parts, shellQuote(u))
	if !public {
		parts = append(parts, "-H", `"Authorization: Bearer $ROSTER_API_KEY"`)
	}
	if body != nil {
		parts = append(parts, "-H", shellQuote("Content-Type: application/json"), "-d", shellQuote(toJSON(body, false)))
	}
	return strings.Join(parts, " ")
}

// exampleOf is a parameter's example as text: its own, else its schema's
// first, else the first value it may take.
func exampleOf(p *openapi3.Parameter) string {
	if p.Example != nil {
		return fmt.Sprint(p.Example)
	}
	if s := p.Schema; s != nil && s.Value != nil {
		if len(s.Value.Examples) > 0 {
			return fmt.Sprint(s.Value.Examples[0])
		}
		if len(s.Value.Enum) > 0 {
			return fmt.Sprint(s.Value.Enum[0])
		}
	}
	return ""
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// toJSON writes v as JSON, indented when indent is set, with <, > and &
// as they are: the page escapes them where HTML needs it.
func toJSON(v any, indent bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// refName is the name of the component schema ref points to, if it does.
func refName(ref string) string {
	name, _ := strings.CutPrefix(ref, "#/components/schemas/")
	if name == ref {
		return ""
	}
	return name
}

// fieldsOf lists an object schema's properties, required ones first.
func fieldsOf(s *openapi3.Schema) []templates.APIField {
	if s == nil {
		return nil
	}
	var out []templates.APIField
	for name, p := range s.Properties {
		typ, ref := typeOf(p)
		out = append(out, templates.APIField{Name: name, Type: typ, Ref: ref, Description: p.Value.Description,
			Required: slices.Contains(s.Required, name)})
	}
	slices.SortFunc(out, func(a, b templates.APIField) int {
		if a.Required != b.Required {
			if a.Required {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out
}

// typeOf describes a schema in words; ref is the component it is (or is a
// list or map of), which the page links to, and then the words are what
// goes before the link.
func typeOf(sr *openapi3.SchemaRef) (words, ref string) {
	if sr == nil || sr.Value == nil {
		return "any", ""
	}
	if name := refName(sr.Ref); name != "" {
		return "", name
	}
	s := sr.Value
	switch {
	case len(s.OneOf) > 0:
		var alts []string
		for _, o := range s.OneOf {
			w, r := typeOf(o)
			alts = append(alts, strings.TrimSpace(w+" "+r))
		}
		return strings.Join(alts, " or "), ""
	case s.Const != nil:
		return fmt.Sprintf("%q", s.Const), ""
	case s.Type.Includes(openapi3.TypeArray) && s.Items != nil:
		w, r := typeOf(s.Items)
		return strings.TrimSpace("array of " + w), r
	case s.Type.Includes(openapi3.TypeObject) && s.AdditionalProperties.Schema != nil:
		w, r := typeOf(s.AdditionalProperties.Schema)
		return strings.TrimSpace("map of " + w), r
	}
	words = strings.Join(s.Type.Slice(), " or ")
	if s.Format != "" {
		words += " (" + s.Format + ")"
	}
	if len(s.Enum) > 0 {
		var vs []string
		for _, v := range s.Enum {
			vs = append(vs, fmt.Sprint(v))
		}
		words += ": one of " + strings.Join(vs, ", ")
	}
	if words == "" {
		words = "any"
	}
	return words, ""
}
