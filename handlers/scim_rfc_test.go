package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"roster/store"
)

// RFC 7644's examples: creating a user (section 3.3), filtering, sorting
// and paging (3.4.2), PATCH (3.5.2), and the discovery resources (4).
func TestSCIMRFC7644Examples(t *testing.T) {
	a := newUsersAPI(t)
	if _, err := a.st.CreateProperty(t.Context(), a.acme.ID, store.NewProperty{Key: "cost_center", Type: "text"}); err != nil {
		t.Fatal(err)
	}
	// Section 3.3, sent as plain JSON.
	babs := a.mustSCIM(t, 201, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"bjensen","externalId":"bjensen","name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barbara"},
		"urn:ietf:params:scim:schemas:extension:roster:2.0:User":{"cost_center":"4130"}}`)
	if babs["displayName"] != "Ms. Barbara J Jensen III" ||
		fmt.Sprint(babs["urn:ietf:params:scim:schemas:extension:roster:2.0:User"]) != "map[cost_center:4130]" {
		t.Fatalf("created = %v", babs)
	}
	for _, n := range []string{"jsmith", "jdoe", "ajones"} {
		a.mustSCIM(t, 201, "POST", "/Users", `{"userName":"`+n+`","emails":[{"value":"`+n+`@example.com","type":"work"}],"phoneNumbers":[{"value":"+1 555 555 8377"}]}`)
	}
	a.mustSCIM(t, 200, "PATCH", "/Users/"+babs["id"].(string), `{"Operations":[{"op":"add","path":"emails","value":[{"value":"babs@jensen.org","type":"home"}]}]}`)

	// Section 3.4.2.2's filters, with their grouping and not.
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{`userName eq "bjensen"`, []string{"bjensen"}},
		{`userName Eq "BJensen"`, []string{"bjensen"}},
		{`name.familyName co "ense"`, []string{"bjensen"}},
		{`userName sw "j"`, []string{"jdoe", "jsmith"}},
		{`userName ew "es"`, []string{"ajones"}},
		{`externalId pr`, []string{"bjensen"}},
		{`emails[type eq "work" and value co "@example.com"]`, []string{"ajones", "jdoe", "jsmith"}},
		{`userName eq "jdoe" or userName eq "jsmith"`, []string{"jdoe", "jsmith"}},
		{`(userName sw "j" or userName eq "ajones") and not (emails co "doe")`, []string{"ajones", "jsmith"}},
		{`meta.created gt "2011-05-13T04:42:34Z" and active eq true`, []string{"ajones", "bjensen", "jdoe", "jsmith"}},
		{`meta.lastModified lt "2011-05-13T04:42:34Z"`, nil},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName ne "bjensen" and userName le "jdoe"`, []string{"ajones", "jdoe"}},
	} {
		l := a.mustSCIM(t, 200, "GET", "/Users?sortBy=userName&filter="+filterQuery(c.filter), "")
		var got []string
		for _, r := range l["Resources"].([]any) {
			got = append(got, r.(map[string]any)["userName"].(string))
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") || l["totalResults"] != float64(len(c.want)) {
			t.Errorf("filter %s = %v (%v), want %v", c.filter, got, l["totalResults"], c.want)
		}
	}
	for _, c := range []struct{ filter, detail string }{
		{`title pr`, "title"},
		{`userName eq`, "grammar"},
		{`meta.created gt 5`, "meta.created"},
	} {
		status, body := a.scim(t, "GET", "/Users?filter="+filterQuery(c.filter), "")
		wantSCIMError(t, "filter "+c.filter, status, body, 400, "invalidFilter", c.detail)
	}

	// Section 3.4.2.3 and 3.4.2.4: sorting and paging; the order is stable.
	l := a.mustSCIM(t, 200, "GET", "/Users?sortBy=userName&sortOrder=descending&startIndex=2&count=2", "")
	var got []string
	for _, r := range l["Resources"].([]any) {
		got = append(got, r.(map[string]any)["userName"].(string))
	}
	if fmt.Sprint(got) != "[jdoe bjensen]" || l["totalResults"] != 4.0 || l["startIndex"] != 2.0 || l["itemsPerPage"] != 2.0 {
		t.Errorf("page 2 of 2 descending = %v %v", got, l)
	}
	if l = a.mustSCIM(t, 200, "GET", "/Users?count=0", ""); l["totalResults"] != 4.0 || len(l["Resources"].([]any)) != 0 {
		t.Errorf("count=0 = %v", l)
	}
	l = a.mustSCIM(t, 200, "GET", "/Users?attributes=userName&filter="+filterQuery(`userName eq "jdoe"`), "")
	if r := l["Resources"].([]any)[0].(map[string]any); len(r) != 4 || r["userName"] != "jdoe" {
		t.Errorf("attributes=userName = %v", r)
	}

	// Section 3.5.2: add, replace and remove, with and without a path.
	id := babs["id"].(string)
	patch := func(ops string) (int, map[string]any) {
		return a.scim(t, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`+ops+`}`)
	}
	status, u := patch(`[{"op":"add","value":{"emails":[{"value":"babs@jensen.org","type":"home"}],"nickName":"Babs"}}]`)
	if status != 200 || fmt.Sprint(u["emails"]) != "[map[primary:true type:work value:babs@jensen.org]]" {
		t.Errorf("add emails = %d %v", status, u)
	}
	status, u = patch(`[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:roster:2.0:User:cost_center","value":"4200"},
		{"op":"remove","path":"name.givenName"}]`)
	if status != 200 || fmt.Sprint(u["urn:ietf:params:scim:schemas:extension:roster:2.0:User"]) != "map[cost_center:4200]" ||
		fmt.Sprint(u["name"]) != "map[familyName:Jensen formatted:Ms. Barbara J Jensen III]" {
		t.Errorf("replace a property, remove a name part = %d %v", status, u)
	}
	status, u = patch(`[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:roster:2.0:User:cost_center"}]`)
	if status != 200 || fmt.Sprint(u["urn:ietf:params:scim:schemas:extension:roster:2.0:User"]) != "map[]" {
		t.Errorf("remove a property = %d %v", status, u)
	}
	status, u = patch(`[{"op":"remove","path":"emails[value eq \"Babs@Jensen.org\"]"}]`)
	if status != 200 || u["emails"] != nil {
		t.Errorf("remove the email by a value filter = %d %v", status, u)
	}
	for _, c := range []struct{ ops, scimType, detail string }{
		{`[{"op":"remove"}]`, "noTarget", "path"},
		{`[{"op":"copy","path":"userName","value":"x"}]`, "invalidSyntax", "copy"},
		{`[{"op":"replace","path":"emails[type eq","value":"x"}]`, "invalidPath", "emails"},
		{`[{"op":"replace","path":"phoneNumbers[type ne \"work\"].value","value":"+44 20 7946 0958"}]`, "noTarget", "phoneNumbers"},
		{`[{"op":"replace","path":"active","value":"maybe"}]`, "invalidValue", "active"},
		{`[{"op":"add","path":"groups","value":[{"value":"g_1"}]}]`, "mutability", "Groups"},
		{`[{"op":"replace","path":"userName","value":"jdoe"}]`, "uniqueness", "userName"},
	} {
		status, body := patch(c.ops)
		want := 400
		if c.scimType == "uniqueness" {
			want = 409
		}
		wantSCIMError(t, "PATCH "+c.ops, status, body, want, c.scimType, c.detail)
	}

	// Section 4: the discovery resources, with the tenant's properties.
	spc := a.mustSCIM(t, 200, "GET", "/ServiceProviderConfig", "")
	if fmt.Sprint(spc["patch"]) != "map[supported:true]" || fmt.Sprint(spc["bulk"]) != "map[maxOperations:0 maxPayloadSize:0 supported:false]" ||
		fmt.Sprint(spc["etag"]) != "map[supported:false]" || fmt.Sprint(spc["filter"]) != "map[maxResults:1000 supported:true]" {
		t.Errorf("ServiceProviderConfig = %v", spc)
	}
	if rt := a.mustSCIM(t, 200, "GET", "/ResourceTypes", ""); rt["totalResults"] != 2.0 {
		t.Errorf("ResourceTypes = %v", rt)
	}
	ext := a.mustSCIM(t, 200, "GET", "/Schemas/urn:ietf:params:scim:schemas:extension:roster:2.0:User", "")
	if attrs := fmt.Sprint(ext["attributes"]); !strings.Contains(attrs, "name:cost_center") {
		t.Errorf("the tenant's extension schema = %v", ext)
	}
	if s := a.mustSCIM(t, 200, "GET", "/Schemas", ""); s["totalResults"] != 4.0 {
		t.Errorf("Schemas = %v", s)
	}
}
