package acs

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// List reads a list parameter, flattened as name.1, name.2, … (the SDKs'
// way), or as one JSON array (their "shrunk" way).
func (c *Call) List(name string) ([]string, error) {
	if v := c.Params.Get(name); v != "" {
		var out []string
		if err := json.Unmarshal([]byte(v), &out); err != nil {
			return nil, invalid(name, "not a list: send "+name+".1, "+name+".2, … or a JSON array of strings")
		}
		return out, nil
	}
	type item struct {
		n int
		v string
	}
	var items []item
	for k, vs := range c.Params {
		rest, ok := strings.CutPrefix(k, name+".")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 {
			return nil, invalid(k, "list items are numbered from 1")
		}
		items = append(items, item{n, vs[0]})
	}
	slices.SortFunc(items, func(a, b item) int { return a.n - b.n })
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out, nil
}

// Int reads an optional whole number in [lo, hi], def when absent.
func (c *Call) Int(name string, def, lo, hi int) (int, error) {
	v := c.Params.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, invalid(name, "not a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+": "+v)
	}
	return n, nil
}
