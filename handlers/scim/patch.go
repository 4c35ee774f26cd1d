package scim

import (
	"fmt"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// patchOp is one operation of a PATCH request (RFC 7644 section 3.5.2).
type patchOp struct {
	Op    string // add, replace or remove
	Path  string
	Value any
}

// readPatch reads a PatchOp message. Operation names are read without
// case: Entra sends "Replace" and "Add".
func readPatch(body map[string]any) ([]patchOp, error) {
	raw, _ := lookup(body, "Operations")
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		return nil, &Error{Status: 400, Type: "invalidSyntax", Detail: "A PATCH needs Operations: a list of add, replace and remove operations."}
	}
	ops := make([]patchOp, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, &Error{Status: 400, Type: "invalidSyntax", Detail: "Each operation is an object with op, path and value."}
		}
		op, _ := text(m, "op")
		ops[i].Op = strings.ToLower(op)
		if !slices.Contains([]string{"add", "replace", "remove"}, ops[i].Op) {
			return nil, &Error{Status: 400, Type: "invalidSyntax", Detail: fmt.Sprintf("op must be add, replace or remove, not %q.", op)}
		}
		ops[i].Path, _ = text(m, "path")
		ops[i].Value, _ = lookup(m, "value")
		if ops[i].Op == "remove" && ops[i].Path == "" {
			return nil, &Error{Status: 400, Type: "noTarget", Detail: "A remove operation needs a path."}
		}
		if ops[i].Op != "remove" && ops[i].Value == nil {
			return nil, invalidValue("A %s operation needs a value.", ops[i].Op)
		}
	}
	return ops, nil
}

// applyOp applies an operation to a resource as SCIM shows it.
func applyOp(doc map[string]any, op patchOp) error {
	if op.Path == "" {
		m, ok := op.Value.(map[string]any)
		if !ok {
			return invalidValue("An operation without a path needs an object of attributes as its value.")
		}
		for k, v := range m {
			if err := applyOp(doc, patchOp{Op: op.Op, Path: k, Value: v}); err != nil {
				return err
			}
		}
		return nil
	}
	// A whole extension given as an object: its attributes one by one.
	if ext := extensionOf(op.Path); ext != "" && strings.EqualFold(op.Path, ext) {
		m, ok := op.Value.(map[string]any)
		if op.Op == "remove" {
			doc[ext] = map[string]any{}
			return nil
		}
		if !ok {
			return invalidValue("%s must be an object.", ext)
		}
		for k, v := range m {
			if err := applyOp(doc, patchOp{Op: op.Op, Path: ext + ":" + k, Value: v}); err != nil {
				return err
			}
		}
		return nil
	}
	p, err := filter.ParsePath([]byte(op.Path))
	if err != nil {
		return invalidPath("%q is not a SCIM attribute path.", op.Path)
	}
	target := doc
	if uri := p.AttributePath.URI(); uri != "" && !strings.EqualFold(uri, schemaUser) && !strings.EqualFold(uri, schemaGroup) {
		ext := extensionOf(uri)
		if ext == "" {
			return invalidPath("%s is not a schema of this resource.", uri)
		}
		m, _ := doc[ext].(map[string]any)
		if m == nil {
			m = map[string]any{}
			doc[ext] = m
		}
		target = m
	}
	name := attrKey(target, p.AttributePath.AttributeName)
	sub := p.AttributePath.SubAttributeName()
	if p.ValueExpression != nil {
		return applyFiltered(target, name, p, op)
	}
	if sub != "" {
		m, _ := target[name].(map[string]any)
		if m == nil {
			if op.Op == "remove" {
				return nil
			}
			m = map[string]any{}
			target[name] = m
		}
		return set(m, attrKey(m, sub), op)
	}
	return set(target, name, op)
}

// extensionOf is the extension schema a path starts with, or "".
func extensionOf(path string) string {
	for _, ext := range []string{schemaEnterprise, schemaRoster} {
		if len(path) >= len(ext) && strings.EqualFold(path[:len(ext)], ext) {
			return ext
		}
	}
	return ""
}

// attrKey is the key m holds name under (names have no case), or name.
func attrKey(m map[string]any, name string) string {
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// set applies op to the attribute m[name]: add appends to a list and
// merges into an object, replace sets, remove deletes.
func set(m map[string]any, name string, op patchOp) error {
	if op.Op == "remove" {
		delete(m, name)
		return nil
	}
	old := m[name]
	switch o := old.(type) {
	case []any:
		if op.Op == "add" {
			if list, ok := op.Value.([]any); ok {
				m[name] = append(o, list...)
			} else {
				m[name] = append(o, op.Value)
			}
			return nil
		}
	case map[string]any:
		if v, ok := op.Value.(map[string]any); ok {
			for k, x := range v {
				o[attrKey(o, k)] = x
			}
			return nil
		}
	}
	m[name] = op.Value
	return nil
}

// applyFiltered applies op to the values of a multi-valued attribute that
// a filter selects (emails[type eq "work"].value). A replace or add that
// selects none, by a filter of equalities, adds the value they describe:
// identity providers replace a user's work email whether or not it has one.
func applyFiltered(m map[string]any, name string, p filter.Path, op patchOp) error {
	list, _ := m[name].([]any)
	sub := p.SubAttributeName()
	var kept []any
	matched := false
	for _, e := range list {
		el, ok := e.(map[string]any)
		if !ok || !matches(el, p.ValueExpression) {
			kept = append(kept, e)
			continue
		}
		matched = true
		switch {
		case op.Op == "remove" && sub == "":
			continue
		case op.Op == "remove":
			delete(el, attrKey(el, sub))
		case sub != "":
			el[attrKey(el, sub)] = op.Value
		default:
			if v, ok := op.Value.(map[string]any); ok {
				for k, x := range v {
					el[attrKey(el, k)] = x
				}
			} else {
				return invalidValue("%s takes objects.", name)
			}
		}
		kept = append(kept, el)
	}
	if !matched && op.Op != "remove" {
		el, ok := equalities(p.ValueExpression)
		if !ok {
			return &Error{Status: 400, Type: "noTarget", Detail: "No value of " + name + " matches " + p.String() + "."}
		}
		if sub != "" {
			el[sub] = op.Value
		} else if v, ok := op.Value.(map[string]any); ok {
			for k, x := range v {
				el[k] = x
			}
		}
		kept = append(kept, el)
	}
	if kept == nil {
		kept = []any{}
	}
	m[name] = kept
	return nil
}

// equalities is the value an AND of eq tests describes.
func equalities(e filter.Expression) (map[string]any, bool) {
	switch e := e.(type) {
	case *filter.AttributeExpression:
		if e.Operator != filter.EQ {
			return nil, false
		}
		return map[string]any{e.AttributePath.AttributeName: e.CompareValue}, true
	case *filter.LogicalExpression:
		if e.Operator != filter.AND {
			return nil, false
		}
		l, ok1 := equalities(e.Left)
		r, ok2 := equalities(e.Right)
		if !ok1 || !ok2 {
			return nil, false
		}
		for k, v := range r {
			l[k] = v
		}
		return l, true
	}
	return nil, false
}

// matches tests a value of a multi-valued attribute against a filter.
// Strings compare without case (the attributes filtered this way, types
// and addresses, are not case-exact).
func matches(el map[string]any, e filter.Expression) bool {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		if e.Operator == filter.AND {
			return matches(el, e.Left) && matches(el, e.Right)
		}
		return matches(el, e.Left) || matches(el, e.Right)
	case *filter.NotExpression:
		return !matches(el, e.Expression)
	case *filter.AttributeExpression:
		v, ok := lookup(el, e.AttributePath.AttributeName)
		if e.Operator == filter.PR {
			return ok && v != nil && v != ""
		}
		if b, isBool := e.CompareValue.(bool); isBool {
			got, _ := boolean(v)
			return (got == b) == (e.Operator == filter.EQ)
		}
		have, want := strings.ToLower(toString(v)), strings.ToLower(toString(e.CompareValue))
		switch e.Operator {
		case filter.EQ:
			return have == want
		case filter.NE:
			return have != want
		case filter.CO:
			return strings.Contains(have, want)
		case filter.SW:
			return strings.HasPrefix(have, want)
		case filter.EW:
			return strings.HasSuffix(have, want)
		case filter.GT:
			return have > want
		case filter.GE:
			return have >= want
		case filter.LT:
			return have < want
		case filter.LE:
			return have <= want
		}
	}
	return false
}

func toString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	s, _ := text(map[string]any{"v": v}, "v")
	return s
}
