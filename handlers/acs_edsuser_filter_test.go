package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"roster/store"
)

// FilterUsers through Alibaba's client: property values by id and by key
// and text, usernames in and out, the owner type, the order, pages; each
// user in FilterUsers' own shape, with its property values by id.
func TestEdsUserFilterUsers(t *testing.T) {
	a := newACSApp(t)
	ctx := t.Context()
	boss := mustBoss(t, a.testApp)
	asBoss := store.WithActor(ctx, store.Actor{Type: store.ActorAdmin, ID: boss.PublicID(), Name: boss.Username})
	site, err := a.st.CreateProperty(ctx, a.acme.ID, store.NewProperty{Key: "site", Type: "select",
		Options: []store.OptionInput{{Value: "berlin"}, {Value: "paris"}}})
	if err != nil {
		t.Fatal(err)
	}
	berlin, paris := site.Options[0].ID, site.Options[1].ID
	pilots, err := a.st.CreateGroup(ctx, a.acme.ID, "Pilots", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []store.NewUser{
		{Username: "carol"},
		{Username: "ada", Email: "ada@example.com", OwnerType: store.OwnerManager, Groups: []int64{pilots.ID},
			Properties: map[string][]string{"site": {"berlin"}}},
		{Username: "bob", Properties: map[string][]string{"site": {"paris"}}},
		{Username: "dan"},
	} {
		if _, err := a.st.CreateUser(asBoss, a.acme.ID, n); err != nil {
			t.Fatal(err)
		}
	}
	c := a.client(t, a.viewer.AccessKeyID, a.viewerSecret, "v2")
	filter := func(query map[string]any) ([]map[string]any, string, error) {
		t.Helper()
		got, err := call(c, "FilterUsers", query, nil)
		if err != nil {
			return nil, "", err
		}
		var users []map[string]any
		for _, u := range got["Users"].([]any) {
			users = append(users, u.(map[string]any))
		}
		next, _ := got["NextToken"].(string)
		return users, next, nil
	}
	names := func(users []map[string]any) string {
		var s []string
		for _, u := range users {
			s = append(s, fmt.Sprint(u["EndUserId"]))
		}
		return strings.Join(s, " ")
	}
	for _, tt := range []struct {
		query map[string]any
		want  string
	}{
		{map[string]any{}, "ada bob carol dan"},
		{map[string]any{"PropertyFilterParam": []map[string]any{{"PropertyId": site.ID, "PropertyValueIds": fmt.Sprint(berlin)}}}, "ada"},
		{map[string]any{"PropertyFilterParam": []map[string]any{{"PropertyId": site.ID, "PropertyValueIds": fmt.Sprint(berlin, ",", paris)}}}, "ada bob"},
		{map[string]any{"PropertyKeyValueFilterParam": []map[string]any{{"PropertyKey": "site", "PropertyValues": "paris"}}}, "bob"},
		{map[string]any{"IncludeEndUserIds": []string{"dan", "ada"}}, "ada dan"},
		{map[string]any{"ExcludeEndUserIds": []string{"ada", "bob"}}, "carol dan"},
		{map[string]any{"OwnerType": "CreateFromManager"}, "ada"},
		{map[string]any{"OwnerType": "Normal"}, "bob carol dan"},
		{map[string]any{"OwnerType": "Normal", "Filter": "car*"}, "carol"},
		{map[string]any{"OrderParam": map[string]any{"OrderField": "EndUserId"}}, "dan carol bob ada"},
		{map[string]any{"OrderParam": map[string]any{"OrderField": "EndUserId", "OrderType": "ASC"}}, "ada bob carol dan"},
		{map[string]any{"OrderParam": map[string]any{"OrderField": "gmt_created", "OrderType": "ASC"}}, "carol ada bob dan"},
	} {
		users, _, err := filter(tt.query)
		if err != nil || names(users) != tt.want {
			t.Errorf("FilterUsers(%v) = %q, %v; want %q", tt.query, names(users), err, tt.want)
		}
	}

	first, next, err := filter(map[string]any{"MaxResults": 3, "OrderParam": map[string]any{"OrderField": "EndUserId"}})
	if err != nil || names(first) != "dan carol bob" || next == "" {
		t.Fatalf("first page = %q (next %q), %v", names(first), next, err)
	}
	rest, last, err := filter(map[string]any{"MaxResults": 3, "NextToken": next, "OrderParam": map[string]any{"OrderField": "EndUserId"}})
	if err != nil || names(rest) != "ada" || last != "" {
		t.Fatalf("second page = %q (next %q), %v", names(rest), last, err)
	}
	ada := rest[0]
	if ada["OwnerType"] != "CreateFromManager" || ada["Email"] != "ada@example.com" || fmt.Sprint(ada["Status"]) != "0" ||
		ada["NickName"] != nil || ada["Orgs"] != nil || ada["Properties"] != nil {
		t.Errorf("ada = %v", ada)
	}
	if orgs := ada["OrgList"].([]any); len(orgs) != 1 || orgs[0].(map[string]any)["OrgId"] != "org-aliyun-wy-org-id" {
		t.Errorf("ada's OrgList = %v", orgs)
	}
	if g := ada["Groups"].([]any); len(g) != 1 || g[0].(map[string]any)["GroupName"] != "Pilots" {
		t.Errorf("ada's Groups = %v", g)
	}
	if len(ada["SupportLoginIdps"].([]any)) != 0 || len(ada["ResourcePolicyList"].([]any)) != 0 {
		t.Errorf("ada's idps and policies = %v %v, want empty lists", ada["SupportLoginIdps"], ada["ResourcePolicyList"])
	}
	models := ada["UserSetPropertiesModels"].([]any)
	if len(models) != 1 {
		t.Fatalf("ada's UserSetPropertiesModels = %v", models)
	}
	m := models[0].(map[string]any)
	v := m["PropertyValues"].([]any)
	if fmt.Sprint(m["PropertyId"]) != fmt.Sprint(site.ID) || m["PropertyKey"] != "site" || m["UserName"] != "ada" ||
		len(v) != 1 || fmt.Sprint(v[0].(map[string]any)["PropertyValueId"]) != fmt.Sprint(berlin) || v[0].(map[string]any)["PropertyValue"] != "berlin" {
		t.Errorf("ada's site = %v", m)
	}

	for name, q := range map[string]map[string]any{
		"order by id":         {"OrderParam": map[string]any{"OrderField": "id"}},
		"order type sideways": {"OrderParam": map[string]any{"OrderField": "EndUserId", "OrderType": "UP"}},
		"desktop counts":      {"IncludeDesktopCount": true},
		"owner type Boss":     {"OwnerType": "Boss"},
		"unknown property":    {"PropertyFilterParam": []map[string]any{{"PropertyId": 999999, "PropertyValueIds": "1"}}},
		"unknown value id":    {"PropertyFilterParam": []map[string]any{{"PropertyId": site.ID, "PropertyValueIds": "999999"}}},
		"unknown value":       {"PropertyKeyValueFilterParam": []map[string]any{{"PropertyKey": "site", "PropertyValues": "rome"}}},
		"a property twice": {"PropertyFilterParam": []map[string]any{{"PropertyId": site.ID, "PropertyValueIds": fmt.Sprint(berlin)}},
			"PropertyKeyValueFilterParam": []map[string]any{{"PropertyKey": "site", "PropertyValues": "paris"}}},
		"another order's NextToken": {"NextToken": next},
	} {
		_, _, err := filter(q)
		wantCode(t, name, err, 400, "InvalidParameter")
	}
}
