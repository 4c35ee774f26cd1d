package scim

import (
	"errors"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"roster/store"
)

// userFields are the store's fields of the User attributes a filter may
// test (lower case, sub-attributes after a dot). The enterprise
// extension's and the name parts are tags (see userjson.go).
var userFields = map[string]string{
	"username": "username", "displayname": "display_name", "name.formatted": "display_name",
	"emails": "email", "emails.value": "email", "externalid": "external_id", "id": "id",
	"meta.created": "created_at", "meta.lastmodified": "updated_at",
	"preferredlanguage": "language", "locale": "language", "timezone": "timezone",
}

// scimOps are the store's operators of SCIM's comparisons.
var scimOps = map[filter.CompareOperator]string{filter.EQ: "eq", filter.NE: "not", filter.CO: "contain",
	filter.SW: store.OpPrefix, filter.EW: store.OpSuffix, filter.GT: "gt", filter.GE: "gte", filter.LT: "lt", filter.LE: "lte"}

// userFilter translates a filter on Users into the store's expression.
func userFilter(text string) (*store.UserExpr, error) {
	e, err := filter.ParseFilter([]byte(text))
	if err != nil {
		return nil, invalidFilter("The filter %q is not one SCIM's grammar reads (RFC 7644 section 3.4.2.2).", text)
	}
	x, err := userExpr(e, "")
	if err != nil {
		return nil, err
	}
	return &x, nil
}

var (
	always = store.UserExpr{Op: store.ExprAnd}
	never  = store.UserExpr{Op: store.ExprOr}
)

// userExpr translates e; within a value filter (emails[…]), parent is the
// attribute it filters.
func userExpr(e filter.Expression, parent string) (store.UserExpr, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := userExpr(e.Left, parent)
		if err != nil {
			return l, err
		}
		r, err := userExpr(e.Right, parent)
		return store.UserExpr{Op: string(e.Operator), Args: []store.UserExpr{l, r}}, err
	case *filter.NotExpression:
		x, err := userExpr(e.Expression, parent)
		return store.UserExpr{Op: store.ExprNot, Args: []store.UserExpr{x}}, err
	case *filter.ValuePath:
		return userExpr(e.ValueFilter, e.AttributePath.String())
	case *filter.AttributeExpression:
		return userTest(e, parent)
	}
	return store.UserExpr{}, invalidFilter("This filter has a part Roster does not read.")
}

// userTest translates one comparison.
func userTest(e *filter.AttributeExpression, parent string) (store.UserExpr, error) {
	attr := e.AttributePath.String()
	if parent != "" {
		attr = parent + "." + attr
	}
	path := lowerPath(attr)
	op := strings.ToLower(string(e.Operator))
	value := e.CompareValue
	switch {
	case path == "active":
		// Active is every status but disabled (a pending user is
		// provisioned, just without a password yet).
		b, ok := boolean(value)
		if op == "pr" {
			return always, nil
		}
		if !ok || (op != "eq" && op != "ne") {
			return store.UserExpr{}, invalidFilter("active is compared with eq or ne and true or false.")
		}
		isDisabled := store.UserExpr{Cond: store.UserCond{Field: "status", Op: "eq", Value: store.StatusDisabled, Label: "active"}}
		if b == (op == "eq") {
			return store.UserExpr{Op: store.ExprNot, Args: []store.UserExpr{isDisabled}}, nil
		}
		return isDisabled, nil
	case path == "emails.type" || path == "phonenumbers.type":
		// Roster keeps one address, of type work.
		if op == "pr" || op == "eq" && strings.EqualFold(toString(value), "work") || op == "ne" && !strings.EqualFold(toString(value), "work") {
			return always, nil
		}
		return never, nil
	case path == "emails.primary":
		return always, nil
	}
	field, ok := userFields[path]
	if !ok {
		field = tagField(path)
	}
	if field == "" {
		return store.UserExpr{}, invalidFilter("Users cannot be filtered by %s; filter by userName, externalId, id, "+
			"emails.value, displayName, name.givenName, name.familyName, active, meta.created or meta.lastModified.", attr)
	}
	c := store.UserCond{Field: field, Label: attr, Value: value}
	if op == "pr" {
		c.Op, c.Value = "exists", true
		return store.UserExpr{Cond: c}, nil
	}
	if c.Op = scimOps[filter.CompareOperator(op)]; c.Op == "" {
		return store.UserExpr{}, invalidFilter("%s is not an operator of SCIM filters.", op)
	}
	switch field {
	case "username":
		// Stored lower case: userName is not case-exact.
		c.Value = strings.ToLower(toString(value))
	case "id":
		id, ok := store.ParseID(store.PrefixUser, toString(value))
		if !ok {
			return never, nil
		}
		c.Value = id
	case "created_at", "updated_at":
		if _, ok := value.(string); !ok {
			return store.UserExpr{}, invalidFilter("%s is compared with a time such as \"2024-05-01T09:00:00Z\".", attr)
		}
	default:
		c.Value = toString(value)
	}
	return store.UserExpr{Cond: c}, nil
}

// tagField is the tag field of a name part or an enterprise attribute
// ("" for other attributes).
func tagField(path string) string {
	key, ok := strings.CutPrefix(path, "name.")
	if !ok {
		key, ok = strings.CutPrefix(path, strings.ToLower(schemaEnterprise)+":")
	}
	if !ok {
		return ""
	}
	key = strings.TrimSuffix(key, ".value") // manager.value
	for _, k := range scimTags {
		if strings.EqualFold(k, key) {
			return "tags." + k
		}
	}
	return ""
}

// lowerPath is an attribute path without case and without the core
// schema's URN, which may prefix any core attribute.
func lowerPath(attr string) string {
	p := strings.ToLower(attr)
	for _, s := range []string{schemaUser, schemaGroup} {
		p = strings.TrimPrefix(p, strings.ToLower(s)+":")
	}
	return p
}

// queryError answers the store's refusal of a filter: it names the
// attribute (the store's label for it).
func queryError(err error) error {
	var fe store.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	attr, msg := fe.First()
	if attr == "page" {
		return invalidValue("%s", msg)
	}
	if strings.Contains(msg, "not indexed") || strings.Contains(msg, "too many users") {
		return invalidFilter("A filter on %s cannot be answered quickly in a directory this large; filter by userName, "+
			"externalId, id, emails.value, displayName, active or meta.created (co needs 3 or more characters).", attr)
	}
	return invalidFilter("%s: %s", attr, msg)
}
