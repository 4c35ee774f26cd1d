package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// scenario is one kind of request, measured on each engine.
type scenario struct {
	name   string
	req    func() *http.Request
	c      *http.Client // nil: a client of its own with conns connections
	target float64      // requests/s; 0 when there is none
	list   bool
	// presigned: each request may be sent once (a signed nonce), so wrk
	// sends requests made beforehand, each once.
	presigned bool
	// versus names the scenario of /api/v1 asking the same of the
	// directory, which the result is compared with.
	versus string
	// read: a request with a body that changes nothing, which wrk sends
	// again and again like a GET.
	read bool
	// once measures the scenario in one go instead of by requests (an
	// import of a file): its rate stands for requests/s.
	once func() (result, error)
	// fixed is the constant answer of size bytes through the same chain
	// as req (its surface's middleware and authentication): a list's
	// plumbing, measured next to it. nil: none.
	fixed func(size int) *http.Request
}

// reach is what the scenarios' requests are made of: the server, its API
// key, the signed-in console, the Alibaba client and the directory objects
// the scenarios read.
type reach struct {
	url, key string
	console  *http.Client
	pair     *acsClient
	// A cursor deep in the list and a user it lists.
	deepCursor, deepUser string
	dir                  targets
}

// api is a GET of /api/v1's path with the API key.
func (r reach) api(path string) *http.Request {
	req, _ := http.NewRequest("GET", r.url+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+r.key)
	return req
}

// constantJSON and constantPage are the constant answers of bench mode
// (roster serve --bench) of size bytes: JSON behind the API key, a page
// behind the console's session (sent by the console client's cookies).
func (r reach) constantJSON(size int) *http.Request {
	return r.api("/_bench/constant?size=" + strconv.Itoa(size))
}

func (r reach) constantPage(size int) *http.Request {
	req, _ := http.NewRequest("GET", r.url+"/_bench/constant?size="+strconv.Itoa(size), nil)
	return req
}

// find finds, through the API, the deep cursor and the directory objects.
func (r *reach) find() error {
	// A cursor deep in the list: the page after a user near the end of the
	// alphabet (cursors carry the sort, not the filter).
	var deep struct {
		NextToken string `json:"next_token"`
		Items     []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := getJSON(r.api("/users?username_prefix=whitfield.&max_results=1"), &deep); err != nil || deep.NextToken == "" || len(deep.Items) == 0 {
		return fmt.Errorf("deep cursor: %v", err)
	}
	r.deepCursor, r.deepUser = deep.NextToken, deep.Items[0].ID
	var err error
	r.dir, err = directoryTargets(r.api)
	return err
}

// scenarios are every scenario, in the order they are measured.
func (b *bench) allScenarios(o options, r reach) []scenario {
	var batchN atomic.Int64
	// target is the target requests/s (0: none); batch create's 10,000
	// users/s is 20 requests of 500.
	all := []scenario{
		{name: "users first page (JSON)", req: func() *http.Request { return r.api("/users") }, target: 10000, list: true},
		{name: "deep page by cursor", req: func() *http.Request { return r.api("/users?next_token=" + url.QueryEscape(r.deepCursor)) }, target: 10000, list: true},
		{name: "username prefix", req: func() *http.Request { return r.api("/users?username_prefix=grace.hop") }, target: 8000, list: true},
		{name: "keyword substring, 3 letters", req: func() *http.Request { return r.api("/users?q=ath") }, target: 1000, list: true},
		// About 1,000 matches: too many to be cheap, too few to stop
		// sorting them (the keyword search's worst case).
		{name: "keyword substring, ~1,000 matches", req: func() *http.Request { return r.api("/users?q=grace.hop") }, target: 1000, list: true},
		{name: "keyword substring, 8 letters, every user matches", req: func() *http.Request { return r.api("/users?q=example.") }, target: 1000, list: true},
		{name: "status filter", req: func() *http.Request { return r.api("/users?status=disabled") }, target: 10000, list: true},
		{name: "org subtree, largest division", req: func() *http.Request {
			return r.api("/users?include_descendants=true&org_unit_id=" + r.dir.division)
		}, target: 10000, list: true},
		{name: "group members, largest group", req: func() *http.Request { return r.api("/groups/" + r.dir.group + "/members") }, target: 10000, list: true},
		{name: "property value filter", req: func() *http.Request { return r.api("/users?property=" + url.QueryEscape(r.dir.property)) }, target: 10000, list: true},
		{name: "eds-user DescribeUsers, first page of 20", req: func() *http.Request {
			return r.pair.get("DescribeUsers", "2021-03-08", url.Values{"MaxResults": {"20"}})
		}, presigned: true, versus: "users first page (JSON)"},
		{name: "eds-user DescribeUsers, Filter of ~1,000 matches", req: func() *http.Request {
			return r.pair.get("DescribeUsers", "2021-03-08", url.Values{"Filter": {"grace.hop*"}, "MaxResults": {"20"}})
		}, presigned: true, versus: "keyword substring, ~1,000 matches"},
		{name: "eds-user FilterUsers, first page of 20", req: func() *http.Request {
			return r.pair.get("FilterUsers", "2021-03-08", url.Values{"MaxResults": {"20"}})
		}, presigned: true, versus: "users first page (JSON)"},
		{name: "EIAM ListUsers, first page of 20", req: func() *http.Request {
			return r.pair.get("ListUsers", "2021-12-01", url.Values{"InstanceId": {"default"}, "PageSize": {"20"}})
		}, presigned: true, versus: "users first page (JSON)"},
		{name: "SpaceONE user/list, first page of 20", req: func() *http.Request {
			req, _ := http.NewRequest("POST", r.url+"/identity/v1/user/list", strings.NewReader(
				`{"domain_id":"default","query":{"sort":{"key":"user_id"},"page":{"start":1,"limit":20}}}`))
			req.Header.Set("Authorization", "Bearer "+r.key)
			req.Header.Set("Content-Type", "application/json")
			return req
		}, read: true, versus: "users first page (JSON)"},
		{name: "org tree layer (root's children)", req: func() *http.Request { return r.api("/org-units/" + r.dir.root + "/children") }},
		{name: "user page (JSON)", req: func() *http.Request { return r.api("/users/" + r.deepUser) }},
		{name: "users list as an HTML page", req: func() *http.Request {
			req, _ := http.NewRequest("GET", r.url+"/users", nil)
			return req
		}, c: r.console, target: 8000, list: true},
		{name: "export every user as CSV (users/s)", once: func() (result, error) {
			return b.export(o, r.api("/users/export?format=csv"))
		}, target: 100000},
		{name: "batch create, 500 users a request", req: func() *http.Request {
			n := batchN.Add(1)
			var body bytes.Buffer
			body.WriteString(`{"users":[`)
			for i := range 500 {
				if i > 0 {
					body.WriteByte(',')
				}
				fmt.Fprintf(&body, `{"username":"bench-%d-%d-%d","email":"b%d@bench.example"}`, os.Getpid(), n, i, i)
			}
			body.WriteString(`]}`)
			req, _ := http.NewRequest("POST", r.url+"/api/v1/users/batch", &body)
			req.Header.Set("Authorization", "Bearer "+r.key)
			req.Header.Set("Content-Type", "application/json")
			return req
		}, target: 20},
		{name: "import, a CSV of new users (rows/s)", once: func() (result, error) {
			return measureImport(r.url, r.key, importRows(o.users))
		}, target: 10000},
	}
	all = append(all, bulkScenarios(r.url, r.key, bulkUsers(o.users))...)

	// Every list is measured next to the constant answer of its size
	// through its own surface's chain.
	for i := range all {
		switch {
		case !all[i].list:
		case all[i].c == r.console:
			all[i].fixed = r.constantPage
		default:
			all[i].fixed = r.constantJSON
		}
	}
	return all
}

// selected keeps the scenarios run matches and those they are compared
// with, in their order.
func selected(run *regexp.Regexp, all []scenario) []scenario {
	if run == nil {
		return all
	}
	keep := map[string]bool{}
	for _, sc := range all {
		if run.MatchString(sc.name) {
			keep[sc.name], keep[sc.versus] = true, true
		}
	}
	return slices.DeleteFunc(all, func(sc scenario) bool { return !keep[sc.name] })
}

// warm sends a few requests of each GET scenario on every connection
// before anything is measured: PostgreSQL prepares and plans a statement
// on each connection of the server's pool on first use, and measured cold,
// the first scenario's p99 was ten times the next ones'.
func (b *bench) warm(o options) {
	for _, sc := range b.scenarios {
		if sc.once != nil || sc.req().Method != http.MethodGet {
			continue
		}
		c := sc.c
		if c == nil {
			c = client(o.conns)
		}
		var wg sync.WaitGroup
		for range o.conns {
			wg.Go(func() {
				for range 3 {
					if resp, err := c.Do(sc.req()); err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
			})
		}
		wg.Wait()
	}
}

// targets are the directory objects the directory scenarios read.
type targets struct {
	root, division, group, property string
}

// directoryTargets finds, through the API, the root unit, its division
// with the most users, the largest group and the first value of the first
// select property.
func directoryTargets(api func(string) *http.Request) (targets, error) {
	var t targets
	var users struct {
		Items []struct {
			OrgUnitID string `json:"org_unit_id"`
		} `json:"items"`
	}
	if err := getJSON(api("/users?max_results=1"), &users); err != nil || len(users.Items) == 0 {
		return t, fmt.Errorf("a user: %v", err)
	}
	var unit struct {
		Path []struct {
			ID string `json:"id"`
		} `json:"path"`
	}
	if err := getJSON(api("/org-units/"+users.Items[0].OrgUnitID), &unit); err != nil || len(unit.Path) == 0 {
		return t, fmt.Errorf("the root unit: %v", err)
	}
	t.root = unit.Path[0].ID
	var layer struct {
		Items []struct {
			ID      string `json:"id"`
			Subtree int    `json:"subtree_user_count"`
		} `json:"items"`
	}
	if err := getJSON(api("/org-units/"+t.root+"/children?max_results=100"), &layer); err != nil || len(layer.Items) == 0 {
		return t, fmt.Errorf("the divisions: %v (seed with --org-units)", err)
	}
	best := 0
	for i, it := range layer.Items {
		if it.Subtree > layer.Items[best].Subtree {
			best = i
		}
	}
	t.division = layer.Items[best].ID
	var groups struct {
		Items []struct {
			ID      string `json:"id"`
			Members int    `json:"member_count"`
		} `json:"items"`
	}
	if err := getJSON(api("/groups?max_results=100"), &groups); err != nil || len(groups.Items) == 0 {
		return t, fmt.Errorf("the groups: %v (seed with --groups)", err)
	}
	best = 0
	for i, g := range groups.Items {
		if g.Members > groups.Items[best].Members {
			best = i
		}
	}
	t.group = groups.Items[best].ID
	var props struct {
		Items []struct {
			Key    string `json:"key"`
			Type   string `json:"type"`
			Values []struct {
				Value string `json:"value"`
			} `json:"values"`
		} `json:"items"`
	}
	if err := getJSON(api("/properties"), &props); err != nil {
		return t, fmt.Errorf("the properties: %v", err)
	}
	for _, p := range props.Items {
		if p.Type == "select" && len(p.Values) > 0 {
			t.property = p.Key + ":" + p.Values[0].Value
			break
		}
	}
	if t.property == "" {
		return t, errors.New("no select property (seed with --properties)")
	}
	return t, nil
}
