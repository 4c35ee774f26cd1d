package handlers_test

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"roster/handlers"
	"roster/store"
	"roster/store/storetest"
)

var updateRoutes = flag.Bool("update-routes", false, "rewrite testdata/routes.txt from the registered routes")

// The registered routes (method and path) are the committed list: moving
// handlers around cannot drop or rename a route unnoticed. After adding a
// route on purpose, run go test ./handlers -run TestRoutes -update-routes.
func TestRoutesAreTheCommittedList(t *testing.T) {
	st, err := store.Open(t.Context(), storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, stop := handlers.New(st, handlers.Config{})
	defer stop()
	var got []string
	for _, r := range e.Routes() {
		if r.Method == "echo_route_any" {
			continue // Echo's own catch-alls of groups, not routes of Roster's
		}
		got = append(got, r.Method+" "+r.Path)
	}
	slices.Sort(got)
	got = slices.Compact(got)
	const file = "testdata/routes.txt"
	if *updateRoutes {
		if err := os.WriteFile(file, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for _, r := range want {
		if !slices.Contains(got, r) {
			t.Errorf("route %s is gone", r)
		}
	}
	for _, r := range got {
		if !slices.Contains(want, r) {
			t.Errorf("route %s is new: add it to %s (-update-routes)", r, file)
		}
	}
}
