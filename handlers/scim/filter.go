package scim

import (
	"errors"
	"fmt"
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
	return parseFilter(text, userTest)
}

// parseFilter translates a filter, each comparison by test.
func parseFilter(text string, test comparison) (*store.UserExpr, error) {
	e, err := filter.ParseFilter([]byte(text))
	if err != nil {
		return nil, invalidFilter("The filter %q is not one SCIM's grammar reads (RFC 7644 section 3.4.2.2).", text)
	}
	x, err := translate(e, "", test)
	if err != nil {
		return nil, err
	}
	return &x, nil
}

// A comparison translates one comparison of a resource's attribute; within
// a value filter (emails[…]), parent is the attribute it filters.
type comparison func(e *filter.AttributeExpression, parent string) (store.UserExpr, error)

var (
	always = store.UserExpr{Op: store.ExprAnd}
	never  = store.UserExpr{Op: store.ExprOr}
)

// translate translates e, its comparisons by test.
func translate(e filter.Expression, parent string, test comparison) (store.UserExpr, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := translate(e.Left, parent, test)
		if err != nil {
			return l, err
		}
		r, err := translate(e.Right, parent, test)
		return store.UserExpr{Op: string(e.Operator), Args: []store.UserExpr{l, r}}, err
	case *filter.NotExpression:
		x, err := translate(e.Expression, parent, test)
		return store.UserExpr{Op: store.ExprNot, Args: []store.UserExpr{x}}, err
	case *filter.ValuePath:
		return translate(e.ValueFilter, e.AttributePath.String(), test)
	case *filter.AttributeExpression:
		return test(e, parent)
	}
	return store.UserExpr{}, invalidFilter("This filter has a part Roster does not read.")
}

// storeOp is the store's operator of a comparison (exists for pr).
func storeOp(e *filter.AttributeExpression) (string, error) {
	op := strings.ToLower(string(e.Operator))
	if op == "pr" {
		return "exists", nil
	}
	if s := scimOps[filter.CompareOperator(op)]; s != "" {
		return s, nil
	}
	return "", invalidFilter("%s is not an operator of SCIM filters.", op)
}

// textTest compares field with e's value as text (pr: exists).
func textTest(e *filter.AttributeExpression, field, label string) (store.UserExpr, error) {
	op, err := storeOp(e)
	c := store.UserCond{Field: field, Op: op, Label: label, Value: compared(e.CompareValue)}
	if op == "exists" {
		c.Value = true
	}
	return store.UserExpr{Cond: c}, err
}

// compared is a filter's value as text: numbers and booleans as written.
func compared(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// idTest compares an attribute holding ids with prefix to the id e names:
// eq, ne or pr. Text that is no such id is no one's id.
func idTest(e *filter.AttributeExpression, field, label, prefix string) (store.UserExpr, error) {
	op, err := storeOp(e)
	if err != nil {
		return store.UserExpr{}, err
	}
	c := store.UserCond{Field: field, Op: op, Label: label, Value: true}
	if op != "exists" {
		id, ok := store.ParseID(prefix, compared(e.CompareValue))
		switch {
		case op != "eq" && op != "not":
			return store.UserExpr{}, invalidFilter("%s is compared with eq or ne, or tested with pr.", label)
		case !ok && op == "eq":
			return never, nil
		case !ok:
			return always, nil
		}
		c.Value = id
	}
	return store.UserExpr{Cond: c}, nil
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
	case path == "groups" || path == "groups.value":
		return idTest(e, store.FieldGroupID, attr, store.PrefixGroup)
	case path == "groups.display":
		return textTest(e, store.FieldGroupName, attr)
	}
	if key, ok := strings.CutPrefix(path, strings.ToLower(schemaRoster)+":"); ok {
		// A custom property: the store knows its type and what it allows.
		return textTest(e, store.FieldProperty+key, attr)
	}
	field, ok := userFields[path]
	if !ok {
		field = tagField(path)
	}
	if field == "" {
		return store.UserExpr{}, invalidFilter("Users cannot be filtered by %s; filter by userName, externalId, id, "+
			"emails.value, displayName, name.givenName, name.familyName, active, meta.created, meta.lastModified, "+
			"groups.value, groups.display or an attribute of %s.", attr, schemaRoster)
	}
	c := store.UserCond{Field: field, Label: attr, Value: value}
	var err error
	if c.Op, err = storeOp(e); err != nil || c.Op == "exists" {
		c.Value = true
		return store.UserExpr{Cond: c}, err
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
