package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A UserExpr is a filter of any shape over users: a test (Cond) or the
// AND, OR or NOT of others. Protocols whose filters nest (SCIM's) give it
// as UserQuery.Where; each test is a UserCond, answered by the same SQL
// and the same index rules as UserQuery.And and Or.
type UserExpr struct {
	// Op is ExprAnd, ExprOr, ExprNot (of Args[0]) or "" for Cond.
	Op   string
	Cond UserCond
	Args []UserExpr
}

// Kinds of UserExpr.
const (
	ExprAnd = "and"
	ExprOr  = "or"
	ExprNot = "not"
)

// Text operators a UserExpr's tests may use besides QueryOps: a prefix
// reads the field's index (as a range); a suffix reads every user.
const (
	OpPrefix = "prefix"
	OpSuffix = "suffix"
)

// Conds are the tests of e and of every expression under it.
func (e UserExpr) conds() []UserCond {
	if e.Op == "" {
		return []UserCond{e.Cond}
	}
	var out []UserCond
	for _, a := range e.Args {
		out = append(out, a.conds()...)
	}
	return out
}

// whereExpr adds e's SQL to p: AND-ed to its clause (and to its driven
// clause, which has the same arguments up to here). The groups and
// properties e tests are read first.
func (s *Store) whereExpr(ctx context.Context, tenant int64, e UserExpr, p *queryPlan) error {
	sets, err := s.exprSets(ctx, tenant, e)
	if err != nil {
		return err
	}
	fe := FieldErrors{}
	cond, args := exprSQL(e, fe, func(c UserCond) (string, []any, string) {
		cond, args, scan, msg := s.setCondition(c, sets)
		if cond == "" && msg == "" {
			cond, args, scan, msg = s.textCondition(c)
		}
		if cond == "" && msg == "" {
			cond, args, scan, msg = s.condition(c)
		}
		if scan && p.scans == "" {
			p.scans = c.label()
		}
		return cond, args, msg
	})
	if len(fe) > 0 {
		return fe
	}
	p.where += " AND " + cond
	if p.driven != "" {
		p.driven += " AND " + cond
	}
	p.args = append(p.args, args...)
	return nil
}

// exprSQL is e as SQL, each of its tests answered by test (as SQL, or
// with why it cannot be, recorded in fe under the test's label).
func exprSQL(e UserExpr, fe FieldErrors, test func(UserCond) (string, []any, string)) (string, []any) {
	switch e.Op {
	case ExprAnd, ExprOr:
		var parts []string
		var args []any
		for _, a := range e.Args {
			c, as := exprSQL(a, fe, test)
			parts, args = append(parts, c), append(args, as...)
		}
		if len(parts) == 0 { // an AND of nothing holds, an OR of nothing does not
			if e.Op == ExprOr {
				return "1 = 0", nil
			}
			return "1 = 1", nil
		}
		return "(" + strings.Join(parts, " "+strings.ToUpper(e.Op)+" ") + ")", args
	case ExprNot:
		if len(e.Args) != 1 {
			fe["not"] = "NOT takes one expression."
			return "", nil
		}
		c, args := exprSQL(e.Args[0], fe, test)
		return "NOT " + c, args
	}
	cond, args, msg := test(e.Cond)
	if msg != "" {
		fe[e.Cond.label()] = msg
		return "", nil
	}
	return "(" + cond + ")", args
}

// textCondition answers OpPrefix and OpSuffix ("" for other operators).
func (s *Store) textCondition(c UserCond) (cond string, args []any, scan bool, msg string) {
	if c.Op != OpPrefix && c.Op != OpSuffix {
		return "", nil, false, ""
	}
	f, ok := s.field(c.Field)
	text, isText := c.Value.(string)
	switch {
	case !ok:
		return "", nil, false, fmt.Sprintf("%s is not a field users can be filtered by.", c.label())
	case !isText || f.kind != fieldText:
		return "", nil, false, fmt.Sprintf("%s is not text; starts-with and ends-with test text.", c.label())
	case c.Op == OpSuffix:
		return f.col + " " + s.like() + ` ? ESCAPE '\'`, []any{strings.TrimSuffix(likeContains(text), "%")}, true, ""
	case f.indexed && utf8.RuneCountInString(text) > 0:
		// The indexed text columns compare without case (or are stored
		// lower case), so the range of the lower-cased prefix finds them.
		lo, hi := prefixRange(strings.ToLower(text))
		return f.col + " >= ? AND " + f.col + " < ?", []any{lo, hi}, false, ""
	}
	return f.col + " " + s.like() + ` ? ESCAPE '\'`, []any{strings.TrimPrefix(likeContains(text), "%")}, true, ""
}
