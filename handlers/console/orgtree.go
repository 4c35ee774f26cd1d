package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

// maxOpened bounds the units a page opens from ?open= (each costs a query).
const maxOpened = 20

// treeState is what shapes the tree of a page: the selected unit's path,
// which is open (the selected unit itself unless ?closed=1), the units
// opened without JavaScript, and where the selected unit's children start
// (?after=, the no-JavaScript "Show more").
type treeState struct {
	tenant   int64
	path     []store.OrgUnit
	opened   []int64
	after    string
	selected int64
	closed   bool
}

func (s treeState) onPath(id int64) bool {
	return slices.ContainsFunc(s.path, func(o store.OrgUnit) bool { return o.ID == id })
}

func (s treeState) isOpen(o store.OrgUnit) bool {
	if o.ChildCount == 0 {
		return false
	}
	if o.ID == s.selected {
		return !s.closed
	}
	return s.onPath(o.ID) || slices.Contains(s.opened, o.ID)
}

// toggleHref is the page with o opened or closed. Closing a unit on the
// selected unit's path selects it, closed; opening it selects it.
func (s treeState) toggleHref(o store.OrgUnit) string {
	sel := s.path[len(s.path)-1]
	if s.onPath(o.ID) {
		if s.isOpen(o) {
			return "/org-units?unit=" + o.PublicID() + "&closed=1"
		}
		return "/org-units?unit=" + o.PublicID()
	}
	q := url.Values{"unit": {sel.PublicID()}}
	for _, id := range s.opened {
		if id != o.ID {
			q.Add("open", store.PublicID(store.PrefixOrgUnit, id))
		}
	}
	if !slices.Contains(s.opened, o.ID) {
		q.Add("open", o.PublicID())
	}
	return "/org-units?" + q.Encode()
}

// openedUnits reads ?open=: unit ids, the unknown ones ignored.
func openedUnits(q url.Values) []int64 {
	var out []int64
	for _, v := range q["open"] {
		if id, ok := store.ParseID(store.PrefixOrgUnit, v); ok && len(out) < maxOpened {
			out = append(out, id)
		}
	}
	return out
}

// orgTree builds the tree from the root down through the open units.
func (h *Handler) orgTree(ctx context.Context, s treeState) (templates.OrgTree, error) {
	n, err := h.treeNode(ctx, s, s.path[0], 1, 1, 1)
	return templates.OrgTree{Root: n}, err
}

func (h *Handler) treeNode(ctx context.Context, s treeState, o store.OrgUnit, level, pos, setSize int) (templates.TreeNode, error) {
	n := templates.TreeNode{Unit: o, Level: level, Pos: pos, SetSize: setSize, Current: o.ID == s.selected,
		ChildrenURL: nodeURL(o, "", 1, s.selected), ToggleHref: s.toggleHref(o)}
	n.Open = s.isOpen(o)
	if !n.Open {
		return n, nil
	}
	page := store.Page{Size: store.MaxPageSize}
	from := 1
	if o.ID == s.selected && s.after != "" {
		page.Cursor, from = s.after, 0
	}
	l, err := h.store.OrgUnitChildren(ctx, s.tenant, o.ID, page)
	if errors.Is(err, store.ErrBadCursor) {
		return n, &request.ParamError{Field: "after", Msg: "That page link is out of date."}
	}
	if err != nil {
		return n, err
	}
	// The next unit of the selected unit's path is shown even when it is
	// not on the first page of its layer: the tree leads to the selection.
	var next *store.OrgUnit
	for i, p := range s.path[:len(s.path)-1] {
		if p.ID == o.ID {
			next = &s.path[i+1]
		}
	}
	for i, ch := range l.Items {
		if next != nil && ch.ID == next.ID {
			next = nil
		}
		p := 0
		if from > 0 {
			p = from + i
		}
		c, err := h.treeNode(ctx, s, ch, level+1, p, o.ChildCount)
		if err != nil {
			return n, err
		}
		n.Children = append(n.Children, c)
	}
	if next != nil {
		c, err := h.treeNode(ctx, s, *next, level+1, 0, o.ChildCount)
		if err != nil {
			return n, err
		}
		n.Children = append(n.Children, c)
	}
	if l.Next != "" {
		n.More = &templates.TreeMore{URL: nodeURL(o, l.Next, from+len(l.Items), s.selected),
			Href:  "/org-units?unit=" + o.PublicID() + "&after=" + url.QueryEscape(l.Next),
			Level: level + 1, Shown: from - 1 + len(l.Items), Total: o.ChildCount}
	}
	return n, nil
}

// nodeURL is the fragment of o's children from cursor on (the first page
// when ""), the first of them at position from.
func nodeURL(o store.OrgUnit, cursor string, from int, selected int64) string {
	q := url.Values{}
	if cursor != "" {
		q.Set("next_token", cursor)
		q.Set("from", strconv.Itoa(from))
	}
	if selected != 0 {
		q.Set("selected", store.PublicID(store.PrefixOrgUnit, selected))
	}
	return "/org-units/" + o.PublicID() + "/node?" + q.Encode()
}

// showOrgNode is a page of a unit's children for htmx: the whole layer
// (role=group) when the unit is first opened, or the items after
// ?next_token= that replace a "Show more" row.
func (h *Handler) showOrgNode(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixOrgUnit)
	if err != nil {
		return err
	}
	ctx, tenant := c.Request().Context(), shell(c).Tenant.ID
	path, err := h.store.OrgUnitPath(ctx, tenant, id)
	if err != nil {
		return err
	}
	o := path[len(path)-1]
	cursor := c.QueryParam("next_token")
	from := 1
	if cursor != "" {
		if from, err = strconv.Atoi(c.QueryParam("from")); err != nil || from < 1 {
			return request.BadParam(store.FieldErrors{"from": "Must be a whole number from 1."})
		}
	}
	selected, _ := store.ParseID(store.PrefixOrgUnit, c.QueryParam("selected"))
	l, err := h.store.OrgUnitChildren(ctx, tenant, id, store.Page{Cursor: cursor, Size: store.MaxPageSize})
	if errors.Is(err, store.ErrBadCursor) {
		return &request.ParamError{Field: "next_token", Msg: "That page link is out of date."}
	}
	if err != nil {
		return err
	}
	level := len(path) + 1
	items := make([]templates.TreeNode, 0, len(l.Items))
	for i, ch := range l.Items {
		items = append(items, templates.TreeNode{Unit: ch, Level: level, Pos: from + i, SetSize: o.ChildCount,
			Current: ch.ID == selected, ChildrenURL: nodeURL(ch, "", 1, selected), ToggleHref: unitURLOf(ch)})
	}
	var more *templates.TreeMore
	if l.Next != "" {
		more = &templates.TreeMore{URL: nodeURL(o, l.Next, from+len(l.Items), selected),
			Href:  "/org-units?unit=" + o.PublicID() + "&after=" + url.QueryEscape(l.Next),
			Level: level, Shown: from - 1 + len(l.Items), Total: o.ChildCount}
	}
	if cursor != "" {
		return request.Render(c, http.StatusOK, templates.TreeItems(items, more))
	}
	return request.Render(c, http.StatusOK, templates.TreeGroup(items, more))
}

func unitURLOf(o store.OrgUnit) string { return "/org-units?unit=" + o.PublicID() }
