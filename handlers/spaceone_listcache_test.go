package handlers_test

import (
	"fmt"
	"testing"

	"roster/store"
)

// user/list keeps each user in a cache while the user's row is unchanged,
// but names the domain as each call does, picks only's fields from the
// cached user, and shows a user updated since at once.
func TestSpaceONEListCachedNamesTheCallersDomain(t *testing.T) {
	a := newUsersAPI(t)
	if _, err := a.st.CreateUser(t.Context(), a.acme.ID, store.NewUser{Username: "ann@x.io", DisplayName: "Ann"}); err != nil {
		t.Fatal(err)
	}
	shows := func(domain, query string) string {
		t.Helper()
		status, body := a.spaceone(t, "user/list", a.viewer, `{"domain_id":"`+domain+`","query":{`+query+`}}`)
		results, _ := body["results"].([]any)
		if status != 200 || len(results) != 1 {
			t.Fatalf("list in %s = %d %v", domain, status, body)
		}
		u := results[0].(map[string]any)
		return fmt.Sprintf("%v %v %v (%d fields)", u["domain_id"], u["user_id"], u["name"], len(u))
	}
	id := a.acme.PublicID()
	for _, c := range []struct{ domain, query, want string }{
		{"acme", "", "acme ann@x.io Ann (14 fields)"},
		{id, "", id + " ann@x.io Ann (14 fields)"},
		{"acme", `"only":["domain_id","name"]`, "acme <nil> Ann (2 fields)"},
		{id, `"minimal":true`, "<nil> ann@x.io Ann (4 fields)"},
	} {
		if got := shows(c.domain, c.query); got != c.want {
			t.Errorf("list in %s {%s} = %s, want %s", c.domain, c.query, got, c.want)
		}
	}
	if status, body := a.spaceone(t, "user/update", a.admin, `{"domain_id":"acme","user_id":"ann@x.io","name":"Ann Lee"}`); status != 200 {
		t.Fatalf("update = %d %v", status, body)
	}
	if got, want := shows("acme", ""), "acme ann@x.io Ann Lee (14 fields)"; got != want {
		t.Errorf("list after an update = %s, want %s", got, want)
	}
}
