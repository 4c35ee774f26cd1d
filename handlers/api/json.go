package api

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

type apiList[T any] struct {
	Items       []T    `json:"items"`
	TotalCount  int    `json:"total_count"`
	TotalCapped bool   `json:"total_count_capped,omitempty"` // total_count is a lower bound
	NextToken   string `json:"next_token,omitempty"`
}

func toAPIList[S, T any](l store.List[S], conv func(S) T) apiList[T] {
	out := apiList[T]{Items: make([]T, 0, len(l.Items)), TotalCount: l.Total, TotalCapped: l.TotalCapped, NextToken: l.Next}
	for _, it := range l.Items {
		out.Items = append(out.Items, conv(it))
	}
	return out
}

// onlyParams refuses query parameters other than allowed (and paging).
func onlyParams(c echo.Context, allowed ...string) error {
	for k := range c.QueryParams() {
		switch k {
		case "max_results", "next_token", "page_number", "page_size":
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return &request.ParamError{Field: k, Msg: "Unknown parameter " + k + "."}
		}
	}
	return nil
}

// listParams reads paging and the optional "name" filter of a directory list.
func listParams(c echo.Context) (store.Page, string, error) {
	if err := onlyParams(c, "name"); err != nil {
		return store.Page{}, "", err
	}
	p, fe := request.Page(c.QueryParams())
	if len(fe) > 0 {
		return p, "", request.BadParam(fe)
	}
	return p, c.QueryParam("name"), nil
}

// flagParam reads the one query parameter a route takes, an optional
// true/false flag; any other parameter is refused.
func flagParam(c echo.Context, name string) (bool, error) {
	if err := onlyParams(c, name); err != nil {
		return false, err
	}
	v := c.QueryParam(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &request.ParamError{Field: name, Msg: "Must be true or false."}
	}
	return b, nil
}
