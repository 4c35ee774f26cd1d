package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

// BindJSON is how the JSON surfaces read a request body (bindJSON).
func BindJSON(c echo.Context, v any) error { return bindJSON(c, v) }

// bindJSON decodes a JSON body into v, refusing unknown fields so a typo in a
// script fails loudly instead of being ignored.
func bindJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "Send the body as application/json.")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		// The error handler answers 413 or 408 when a body limit caused it.
		return echo.NewHTTPError(http.StatusBadRequest, "The request body could not be read.").SetInternal(err)
	}
	// encoding/json would quietly turn invalid UTF-8 into U+FFFD; refuse it.
	if !utf8.Valid(body) {
		return echo.NewHTTPError(http.StatusBadRequest, "The request body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return echo.NewHTTPError(http.StatusBadRequest, "The request body is empty; send a JSON object.")
		}
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed JSON: "+jsonProblem(err))
	}
	if dec.More() {
		return echo.NewHTTPError(http.StatusBadRequest, "Malformed JSON: extra data after the object.")
	}
	return nil
}

// jsonProblem describes a decoding error without Go type names.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d.", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be a %s.", typ.Field, jsonKind(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + "."
	}
	return "could not be read."
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	}
	return "number"
}

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
