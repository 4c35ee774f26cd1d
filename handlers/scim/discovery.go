package scim

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
)

// serviceProviderConfig answers what the server supports (RFC 7643
// section 5): PATCH, filters, sorting; no bulk, no ETags, no password
// change through SCIM's own operation.
func (h *Handler) serviceProviderConfig(c echo.Context) error {
	setResult(c, "Read the service provider configuration")
	no := map[string]any{"supported": false}
	return write(c, http.StatusOK, map[string]any{
		"schemas":          []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"documentationUri": h.base(c) + "/settings/provisioning",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": maxCount},
		"changePassword":   no,
		"sort":             map[string]any{"supported": true},
		"etag":             no,
		"authenticationSchemes": []any{map[string]any{"type": "oauthbearertoken", "name": "API key",
			"description": "An API key of the tenant with the admin role, sent as Authorization: Bearer <key>.", "primary": true}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": h.base(c) + Prefix + "/ServiceProviderConfig"},
	})
}

func (h *Handler) resourceTypeList(c echo.Context) []map[string]any {
	meta := func(id string) map[string]any {
		return map[string]any{"resourceType": "ResourceType", "location": h.base(c) + Prefix + "/ResourceTypes/" + id}
	}
	return []map[string]any{
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}, "id": "User", "name": "User",
			"endpoint": "/Users", "schema": schemaUser, "meta": meta("User"),
			"schemaExtensions": []any{map[string]any{"schema": schemaEnterprise, "required": false},
				map[string]any{"schema": schemaRoster, "required": false}}},
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}, "id": "Group", "name": "Group",
			"endpoint": "/Groups", "schema": schemaGroup, "meta": meta("Group")},
	}
}

func (h *Handler) resourceTypes(c echo.Context) error {
	setResult(c, "Read the resource types")
	l := h.resourceTypeList(c)
	return writeList(c, page{start: 1}, len(l), l)
}

func (h *Handler) resourceType(c echo.Context) error {
	for _, r := range h.resourceTypeList(c) {
		if strings.EqualFold(r["id"].(string), c.Param("id")) {
			return write(c, http.StatusOK, r)
		}
	}
	return notFound("ResourceType", c.Param("id"))
}

// attr describes an attribute in a Schema (RFC 7643 section 7).
func attr(name, typ string, multi, required bool, mutability string, subs ...map[string]any) map[string]any {
	a := map[string]any{"name": name, "type": typ, "multiValued": multi, "required": required, "caseExact": false,
		"mutability": mutability, "returned": "default", "uniqueness": "none"}
	if len(subs) > 0 {
		a["subAttributes"] = subs
	}
	return a
}

func (h *Handler) schemaList(c echo.Context) ([]map[string]any, error) {
	defs, err := h.store.PropertyDefinitions(c.Request().Context(), request.KeyOf(c).TenantID)
	if err != nil {
		return nil, err
	}
	rw := "readWrite"
	multi := func(name string) map[string]any {
		return attr(name, "complex", true, false, rw, attr("value", "string", false, false, rw),
			attr("type", "string", false, false, rw), attr("primary", "boolean", false, false, rw))
	}
	userName := attr("userName", "string", false, true, rw)
	userName["uniqueness"] = "server"
	name := attr("name", "complex", false, false, rw, attr("formatted", "string", false, false, rw))
	for _, k := range nameTags {
		name["subAttributes"] = append(name["subAttributes"].([]map[string]any), attr(k, "string", false, false, rw))
	}
	password := attr("password", "string", false, false, "writeOnly")
	password["returned"] = "never"
	user := []map[string]any{userName, attr("externalId", "string", false, false, rw), name,
		attr("displayName", "string", false, false, rw), multi("emails"), multi("phoneNumbers"),
		attr("active", "boolean", false, false, rw), attr("preferredLanguage", "string", false, false, rw),
		attr("locale", "string", false, false, rw), attr("timezone", "string", false, false, rw), password,
		attr("groups", "complex", true, false, "readOnly", attr("value", "string", false, false, "readOnly"),
			attr("display", "string", false, false, "readOnly"))}
	var enterprise []map[string]any
	for _, k := range enterpriseTags {
		enterprise = append(enterprise, attr(k, "string", false, false, rw))
	}
	enterprise = append(enterprise, attr(managerTag, "complex", false, false, rw, attr("value", "string", false, false, rw)))
	var roster []map[string]any
	for _, p := range defs {
		typ := map[string]string{"number": "decimal", "boolean": "boolean", "date": "dateTime"}[p.Type]
		if typ == "" {
			typ = "string"
		}
		a := attr(p.Key, typ, p.Type == "multiselect", p.Required, rw)
		a["description"] = p.Label()
		// Text is matched as it is written; a choice's values without case.
		a["caseExact"] = p.Type == "text"
		if p.IsSelect() {
			var opts []string
			for _, o := range p.Options {
				opts = append(opts, o.Label())
			}
			a["canonicalValues"] = opts
		}
		roster = append(roster, a)
	}
	group := []map[string]any{attr("displayName", "string", false, true, rw),
		attr("members", "complex", true, false, rw, attr("value", "string", false, false, "immutable"),
			attr("display", "string", false, false, "readOnly"))}
	schema := func(id, name, desc string, attrs []map[string]any) map[string]any {
		if attrs == nil {
			attrs = []map[string]any{}
		}
		return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Schema"}, "id": id, "name": name,
			"description": desc, "attributes": attrs,
			"meta": map[string]any{"resourceType": "Schema", "location": h.base(c) + Prefix + "/Schemas/" + id}}
	}
	return []map[string]any{
		schema(schemaUser, "User", "A user of the directory", user),
		schema(schemaEnterprise, "EnterpriseUser", "Enterprise attributes, kept as the user's tags", enterprise),
		schema(schemaRoster, "RosterUser", "The tenant's custom properties, one attribute per property key", roster),
		schema(schemaGroup, "Group", "A group of users", group),
	}, nil
}

func (h *Handler) schemas(c echo.Context) error {
	l, err := h.schemaList(c)
	if err != nil {
		return err
	}
	setResult(c, "Read the schemas")
	return writeList(c, page{start: 1}, len(l), l)
}

func (h *Handler) schema(c echo.Context) error {
	l, err := h.schemaList(c)
	if err != nil {
		return err
	}
	for _, s := range l {
		if strings.EqualFold(s["id"].(string), c.Param("id")) {
			return write(c, http.StatusOK, s)
		}
	}
	return notFound("Schema", c.Param("id"))
}

// excluded says the request's excludedAttributes names attribute.
func excluded(c echo.Context, attribute string) bool {
	for _, a := range strings.Split(c.QueryParam("excludedAttributes"), ",") {
		if strings.EqualFold(strings.TrimSpace(a), attribute) {
			return true
		}
	}
	return false
}

// project keeps the top-level attributes the request's attributes names
// (and id, schemas and meta, always returned) and drops those its
// excludedAttributes names.
func project(c echo.Context, rs []map[string]any) []map[string]any {
	keep := c.QueryParam("attributes")
	drop := c.QueryParam("excludedAttributes")
	if keep == "" && drop == "" {
		return rs
	}
	top := func(list string) map[string]bool {
		m := map[string]bool{}
		for _, a := range strings.Split(list, ",") {
			a = lowerPath(strings.TrimSpace(a))
			if ext := extensionOf(a); ext != "" {
				a = strings.ToLower(ext)
			} else {
				a, _, _ = strings.Cut(a, ".")
			}
			m[a] = true
		}
		return m
	}
	keeps, drops := top(keep), top(drop)
	for _, r := range rs {
		for k := range r {
			lk := strings.ToLower(k)
			if lk == "id" || lk == "schemas" || lk == "meta" {
				continue
			}
			if keep != "" && !keeps[lk] || drops[lk] {
				delete(r, k)
			}
		}
	}
	return rs
}
