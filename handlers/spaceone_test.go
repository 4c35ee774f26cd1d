package handlers_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"roster/store"
)

// The SpaceONE sample bodies of the User service's create and update, as
// the service's own documentation gives them.
const (
	spaceoneCreateSample = `{
"user_id": "dkang@mz.co.kr",
"name": "Dong Yoo kang",
"state": "ENABLED",
"email": "dkang@mz.co.kr",
"language": "en",
"timezone": "UTC",
"tags": [{"key": "user1", "value": "Reuters"}, {"key": "user2", "value": "Bloomberg"}],
"last_accessed_at": {"seconds": "1593161630", "nanos": 79000000},
"created_at": {"seconds": "1593161630", "nanos": 79000000},
"domain_id": "domain-fd6e23a5ae36"
}`
	spaceoneUpdateSample = `{
"user_id": "dkang@mz.co.kr",
"tags": [{"key": "user1", "value": "Reuters"}, {"key": "user2", "value": "Bloomberg"}],
"domain_id": "{{DOMAIN_ID}}"
}`
)

// spaceone calls a verb of the User service as acme's admin (or key).
func (a *usersAPI) spaceone(t *testing.T, verb, key, body string) (int, map[string]any) {
	t.Helper()
	status, _, out := a.apiCall(t, "POST", "/identity/v1/"+verb, key, body)
	return status, out
}

// wantError checks a SpaceONE error answer: HTTP status, code and a part
// of the message.
func wantError(t *testing.T, what string, status int, body map[string]any, wantStatus int, code, msg string) {
	t.Helper()
	if status != wantStatus || body["code"] != code || !strings.Contains(fmt.Sprint(body["message"]), msg) {
		t.Errorf("%s = %d %v; want %d %s %q", what, status, body, wantStatus, code, msg)
	}
}

func TestSpaceONEUserLifecycle(t *testing.T) {
	a := newUsersAPI(t)
	tid := a.acme.PublicID()
	create := strings.Replace(spaceoneCreateSample, "domain-fd6e23a5ae36", "acme", 1)

	status, body := a.spaceone(t, "user/create", a.admin, create)
	wantError(t, "create without password", status, body, 400, "ERROR_REQUIRED_PARAMETER", "key = password")
	status, body = a.spaceone(t, "user/create", a.admin, strings.Replace(create, `"state"`, `"password": "Sh0rt", "state"`, 1))
	wantError(t, "create with a weak password", status, body, 400, "ERROR_INCORRECT_PASSWORD_FORMAT", "8 characters")
	status, body = a.spaceone(t, "user/create", a.viewer, strings.Replace(create, `"state"`, `"password": "Mz-Passw0rd1", "state"`, 1))
	wantError(t, "create with a viewer key", status, body, 403, "ERROR_PERMISSION_DENIED", "read-only")
	status, body = a.spaceone(t, "user/create", "", create)
	wantError(t, "create without a key", status, body, 401, "ERROR_AUTHENTICATE_FAILURE", "Authenticate failure. (message = Send an API key")
	status, body = a.spaceone(t, "user/create", a.other, strings.Replace(create, `"state"`, `"password": "Mz-Passw0rd1", "state"`, 1))
	wantError(t, "create in another tenant's domain", status, body, 403, "ERROR_PERMISSION_DENIED", "domain_id = acme")

	status, u := a.spaceone(t, "user/create", a.admin, strings.Replace(create, `"state"`, `"password": "Mz-Passw0rd1", "state"`, 1))
	if status != 200 {
		t.Fatalf("create = %d %v", status, u)
	}
	want := map[string]any{"user_id": "dkang@mz.co.kr", "name": "Dong Yoo kang", "state": "ENABLED",
		"email": "dkang@mz.co.kr", "language": "en", "timezone": "UTC", "domain_id": "acme", "user_type": "USER",
		"backend": "LOCAL", "email_verified": false, "last_accessed_at": ""}
	for k, v := range want {
		if u[k] != v {
			t.Errorf("created %s = %v, want %v", k, u[k], v)
		}
	}
	if fmt.Sprint(u["tags"]) != "map[user1:Reuters user2:Bloomberg]" || fmt.Sprint(u["required_actions"]) != "[]" ||
		!regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(fmt.Sprint(u["created_at"])) {
		t.Errorf("created = %v", u)
	}
	status, body = a.spaceone(t, "user/create", a.admin, strings.Replace(create, `"state"`, `"password": "Mz-Passw0rd1", "state"`, 1))
	wantError(t, "create again", status, body, 400, "ERROR_NOT_UNIQUE", "user_id")

	// The update sample, with the domain given by id; tags as an object too.
	status, u = a.spaceone(t, "user/update", a.admin, strings.Replace(spaceoneUpdateSample, "{{DOMAIN_ID}}", tid, 1))
	if status != 200 || fmt.Sprint(u["tags"]) != "map[user1:Reuters user2:Bloomberg]" || u["domain_id"] != tid {
		t.Fatalf("update sample = %d %v", status, u)
	}
	status, u = a.spaceone(t, "user/update", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme","name":"Dong",
		"tags":{"team":"news"},"language":"ko","timezone":"Asia/Seoul"}`)
	if status != 200 || u["name"] != "Dong" || fmt.Sprint(u["tags"]) != "map[team:news]" || u["language"] != "ko" || u["timezone"] != "Asia/Seoul" {
		t.Fatalf("update = %d %v", status, u)
	}
	status, body = a.spaceone(t, "user/update", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme","timezone":"Mars/Olympus"}`)
	wantError(t, "update to an unknown time zone", status, body, 400, "ERROR_INVALID_PARAMETER", "key = timezone")
	status, body = a.spaceone(t, "user/update", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme","role_id":"x"}`)
	wantError(t, "update with an unknown field", status, body, 400, "ERROR_INVALID_ARGUMENT", "role_id")

	status, u = a.spaceone(t, "user/get", a.viewer, `{"user_id":"dkang@mz.co.kr","domain_id":"acme","only":["user_id","state"]}`)
	if status != 200 || len(u) != 2 || u["state"] != "ENABLED" {
		t.Fatalf("get only = %d %v", status, u)
	}
	status, body = a.spaceone(t, "user/get", a.admin, `{"user_id":"nobody@mz.co.kr","domain_id":"acme"}`)
	wantError(t, "get of an unknown user", status, body, 400, "ERROR_NOT_FOUND", "Value not found. (user_id = nobody@mz.co.kr)")

	for _, step := range []struct{ verb, state string }{{"disable", "DISABLED"}, {"disable", "DISABLED"}, {"enable", "ENABLED"}} {
		status, u = a.spaceone(t, "user/"+step.verb, a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme"}`)
		if status != 200 || u["state"] != step.state {
			t.Fatalf("%s = %d %v", step.verb, status, u)
		}
	}

	// Required actions merge; a new password ends UPDATE_PASSWORD.
	status, u = a.spaceone(t, "user/set-required-actions", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme","actions":["UPDATE_PASSWORD"]}`)
	if status != 200 || fmt.Sprint(u["required_actions"]) != "[UPDATE_PASSWORD]" {
		t.Fatalf("set-required-actions = %d %v", status, u)
	}
	status, u = a.spaceone(t, "user/set-required-actions", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme","actions":["VERIFY_EMAIL","UPDATE_PASSWORD"]}`)
	if status != 200 || fmt.Sprint(u["required_actions"]) != "[UPDATE_PASSWORD VERIFY_EMAIL]" {
		t.Fatalf("set-required-actions merged = %d %v", status, u)
	}
	status, body = a.spaceone(t, "user/update", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme","password":"alllowercase1"}`)
	wantError(t, "update to a password without upper case", status, body, 400, "ERROR_INCORRECT_PASSWORD_FORMAT", "upper-case")
	status, u = a.spaceone(t, "user/update", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme","password":"Another-Pass9"}`)
	if status != 200 || fmt.Sprint(u["required_actions"]) != "[VERIFY_EMAIL]" {
		t.Fatalf("update password = %d %v", status, u)
	}
	if _, err := a.st.AuthenticateUser(t.Context(), a.acme.ID, "dkang@mz.co.kr", "Another-Pass9"); err != nil {
		t.Errorf("signing in with the new password: %v", err)
	}

	// Email verification by the code the API caller passes on.
	status, body = a.spaceone(t, "user/reset-password", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme"}`)
	wantError(t, "reset-password before verification", status, body, 400, "ERROR_UNABLE_TO_RESET_PASSWORD_WITH_NOT_VERIFIED_EMAIL", "dkang@mz.co.kr")
	if status, body = a.spaceone(t, "user/verify-email", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme"}`); status != 200 || len(body) != 0 {
		t.Fatalf("verify-email = %d %v", status, body)
	}
	msgs, err := a.st.ListMessages(t.Context(), a.acme.ID, "", store.Page{})
	if err != nil || len(msgs.Items) == 0 {
		t.Fatalf("outbox = %v, %v", msgs, err)
	}
	code := regexp.MustCompile(`code[^0-9]*(\d{6})`).FindStringSubmatch(msgs.Items[0].Email.Text)
	if code == nil {
		t.Fatalf("verification email = %q", msgs.Items[0].Email.Text)
	}
	status, body = a.spaceone(t, "user/confirm-email", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme","verify_code":"000000x"}`)
	wantError(t, "confirm-email with a wrong code", status, body, 400, "ERROR_INVALID_VERIFY_CODE", "verify_code = 000000x")
	status, u = a.spaceone(t, "user/confirm-email", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme","verify_code":"`+code[1]+`"}`)
	if status != 200 || u["email_verified"] != true || fmt.Sprint(u["required_actions"]) != "[]" {
		t.Fatalf("confirm-email = %d %v", status, u)
	}
	if status, body = a.spaceone(t, "user/reset-password", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme"}`); status != 200 || len(body) != 0 {
		t.Fatalf("reset-password = %d %v", status, body)
	}
	status, u = a.spaceone(t, "user/verify-email", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme","email":"dk@mz.co.kr","force":true}`)
	if _, u = a.spaceone(t, "user/get", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme"}`); status != 200 ||
		u["email"] != "dk@mz.co.kr" || u["email_verified"] != true {
		t.Fatalf("verify-email force = %d %v", status, u)
	}

	status, u = a.spaceone(t, "user/update", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme","reset_password":true}`)
	if status != 200 || fmt.Sprint(u["required_actions"]) != "[UPDATE_PASSWORD]" {
		t.Fatalf("update with reset_password = %d %v", status, u)
	}

	// reset_password on create emails a link to set the password: the user
	// waits, PENDING, with UPDATE_PASSWORD.
	status, body = a.spaceone(t, "user/create", a.admin, `{"user_id":"new@mz.co.kr","reset_password":true,"domain_id":"acme"}`)
	wantError(t, "create with reset_password and no email", status, body, 400, "ERROR_UNABLE_TO_RESET_PASSWORD_WITHOUT_EMAIL", "new@mz.co.kr")
	status, u = a.spaceone(t, "user/create", a.admin, `{"user_id":"new@mz.co.kr","email":"new@mz.co.kr","reset_password":true,"domain_id":"acme"}`)
	if status != 200 || u["state"] != "PENDING" || fmt.Sprint(u["required_actions"]) != "[UPDATE_PASSWORD]" {
		t.Fatalf("create with reset_password = %d %v", status, u)
	}
	if msgs, err := a.st.ListMessages(t.Context(), a.acme.ID, "", store.Page{}); err != nil || msgs.Items[0].Email.To != "new@mz.co.kr" {
		t.Fatalf("outbox after create with reset_password = %v, %v", msgs, err)
	}

	// API users have no password; EXTERNAL users need an identity provider.
	status, u = a.spaceone(t, "user/create", a.admin, `{"user_id":"bot","user_type":"API_USER","backend":"LOCAL","domain_id":"acme"}`)
	if status != 200 || u["user_type"] != "API_USER" || u["state"] != "ENABLED" || u["timezone"] != "UTC" {
		t.Fatalf("create API_USER = %d %v", status, u)
	}
	status, body = a.spaceone(t, "user/set-required-actions", a.admin, `{"user_id":"bot","domain_id":"acme","actions":["UPDATE_PASSWORD"]}`)
	wantError(t, "UPDATE_PASSWORD for an API user", status, body, 400, "ERROR_NOT_ALLOWED_ACTIONS", "UPDATE_PASSWORD")
	status, body = a.spaceone(t, "user/reset-password", a.admin, `{"user_id":"bot","domain_id":"acme"}`)
	wantError(t, "reset-password without email", status, body, 400, "ERROR_UNABLE_TO_RESET_PASSWORD_WITHOUT_EMAIL", "bot")
	status, body = a.spaceone(t, "user/create", a.admin, `{"user_id":"x@mz.co.kr","backend":"EXTERNAL","domain_id":"acme"}`)
	wantError(t, "create EXTERNAL", status, body, 400, "ERROR_NOT_ALLOWED_EXTERNAL_AUTHENTICATION", "external")
	status, body = a.spaceone(t, "user/create", a.admin, `{"user_id":"notanemail","password":"Mz-Passw0rd1","backend":"LOCAL","domain_id":"acme"}`)
	wantError(t, "create with a user_id that is no email", status, body, 400, "ERROR_INCORRECT_USER_ID_FORMAT", "notanemail")
	status, body = a.spaceone(t, "users/find", a.viewer, `{"search":{"keyword":"dk"},"domain_id":"acme"}`)
	wantError(t, "find", status, body, 400, "ERROR_NOT_ALLOWED_EXTERNAL_AUTHENTICATION", "external")
	status, body = a.spaceone(t, "user/sync", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme"}`)
	wantError(t, "sync", status, body, 400, "ERROR_NOT_ALLOWED_EXTERNAL_AUTHENTICATION", "external")
	status, body = a.spaceone(t, "user/frobnicate", a.admin, `{}`)
	wantError(t, "an unknown verb", status, body, 404, "ERROR_NOT_FOUND", "path = /identity/v1/user/frobnicate")

	if status, body = a.spaceone(t, "user/delete", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme"}`); status != 200 || len(body) != 0 {
		t.Fatalf("delete = %d %v", status, body)
	}
	status, body = a.spaceone(t, "user/delete", a.admin, `{"user_id":"dkang@mz.co.kr","domain_id":"acme"}`)
	wantError(t, "delete again", status, body, 400, "ERROR_NOT_FOUND", "user_id = dkang@mz.co.kr")
}

// userIDs lists the user_id of each result of a list answer.
func userIDs(body map[string]any) []string {
	var out []string
	results, _ := body["results"].([]any)
	for _, r := range results {
		out = append(out, fmt.Sprint(r.(map[string]any)["user_id"]))
	}
	return out
}

func TestSpaceONEListAndStat(t *testing.T) {
	a := newUsersAPI(t)
	ctx := t.Context()
	for _, n := range []store.NewUser{
		{Username: "ann@x.io", DisplayName: "Ann", Email: "ann@x.io", Password: "Mz-Passw0rd1", Language: "en", Timezone: "UTC", Tags: map[string]string{"team": "red"}},
		{Username: "bob@x.io", DisplayName: "Bob", Email: "bob@y.io", Password: "Mz-Passw0rd1", Language: "ko", Timezone: "Asia/Seoul", EmailVerified: true},
		{Username: "cat@x.io", DisplayName: "Cat", Email: "cat@x.io", Language: "ko", Timezone: "UTC", Tags: map[string]string{"team": "blue"}},
		{Username: "bot", DisplayName: "Robot", UserType: "api_user", Language: "en"},
		{Username: "ext@x.io", DisplayName: "Ext", SourceType: "ldap", Language: "en"},
	} {
		if _, err := a.st.CreateUser(ctx, a.acme.ID, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.st.CreateUser(ctx, a.testApp.other.ID, store.NewUser{Username: "zed@x.io", DisplayName: "Zed"}); err != nil {
		t.Fatal(err)
	}
	list := func(q string) []string {
		t.Helper()
		status, body := a.spaceone(t, "user/list", a.viewer, `{"domain_id":"acme",`+q+`}`)
		if status != 200 {
			t.Fatalf("list %s = %d %v", q, status, body)
		}
		ids := userIDs(body)
		if body["total_count"] != float64(len(ids)) {
			t.Errorf("list %s: total_count %v for %d results", q, body["total_count"], len(ids))
		}
		slices.Sort(ids)
		return ids
	}
	for _, c := range []struct{ query, want string }{
		{`"query":{}`, "[ann@x.io bob@x.io bot cat@x.io ext@x.io]"},
		{`"query":{"filter":[{"k":"state","v":"PENDING","o":"eq"}]}`, "[cat@x.io]"},
		{`"query":{"filter":[{"key":"state","value":"ENABLED","operator":"not"}]}`, "[cat@x.io]"},
		{`"query":{"filter":[{"k":"user_id","v":["ann@x.io","bot"],"o":"in"}]}`, "[ann@x.io bot]"},
		{`"query":{"filter":[{"k":"user_type","v":["API_USER"],"o":"not_in"}]}`, "[ann@x.io bob@x.io cat@x.io ext@x.io]"},
		{`"query":{"filter":[{"k":"email","v":"Y.IO","o":"contain"}]}`, "[bob@x.io]"},
		{`"query":{"filter":[{"k":"name","v":"ob","o":"contain"}]}`, "[bob@x.io bot]"},
		{`"query":{"filter":[{"k":"name","v":"obo","o":"contain"}]}`, "[bot]"},
		{`"query":{"filter":[{"k":"user_id","v":"x.io","o":"not_contain"}]}`, "[bot]"},
		{`"query":{"filter":[{"k":"name","v":["An","Ca"],"o":"contain_in"}]}`, "[ann@x.io cat@x.io]"},
		{`"query":{"filter":[{"k":"name","v":["An","Ca"],"o":"not_contain_in"}]}`, "[bob@x.io bot ext@x.io]"},
		{`"query":{"filter":[{"k":"user_id","v":"bot","o":"lt"}]}`, "[ann@x.io bob@x.io]"},
		{`"query":{"filter":[{"k":"user_id","v":"bot","o":"lte"}]}`, "[ann@x.io bob@x.io bot]"},
		{`"query":{"filter":[{"k":"user_id","v":"cat@x.io","o":"gt"}]}`, "[ext@x.io]"},
		{`"query":{"filter":[{"k":"user_id","v":"cat@x.io","o":"gte"}]}`, "[cat@x.io ext@x.io]"},
		{`"query":{"filter":[{"k":"tags.team","v":true,"o":"exists"}]}`, "[ann@x.io cat@x.io]"},
		{`"query":{"filter":[{"k":"tags.team","v":"blue"}]}`, "[cat@x.io]"},
		{`"query":{"filter":[{"k":"email","v":false,"o":"exists"}]}`, "[bot ext@x.io]"},
		{`"query":{"filter":[{"k":"email_verified","v":true}]}`, "[bob@x.io]"},
		{`"query":{"filter":[{"k":"last_accessed_at","v":false,"o":"exists"}]}`, "[ann@x.io bob@x.io bot cat@x.io ext@x.io]"},
		{`"query":{"filter":[{"k":"created_at","v":"2000-01-01T00:00:00Z","o":"datetime_gt"}]}`, "[ann@x.io bob@x.io bot cat@x.io ext@x.io]"},
		{`"query":{"filter":[{"k":"created_at","v":"2000-01-01","o":"datetime_lt"}]}`, "[]"},
		{`"query":{"filter":[{"k":"created_at","v":"now/d - 1d","o":"timediff_gte"}]}`, "[ann@x.io bob@x.io bot cat@x.io ext@x.io]"},
		{`"query":{"filter":[{"k":"created_at","v":"now + 1h","o":"datetime_lte"}]}`, ""},
		{`"query":{"filter":[{"k":"created_at","v":"2999-01-01","o":"datetime_gte"}]}`, "[]"},
		{`"query":{"filter":[{"k":"created_at","v":"now - 1h","o":"timediff_lt"}]}`, "[]"},
		{`"query":{"filter_or":[{"k":"language","v":"ko"},{"k":"user_type","v":"API_USER"}]}`, "[bob@x.io bot cat@x.io]"},
		{`"query":{"filter":[{"k":"language","v":"en"}],"filter_or":[{"k":"backend","v":"EXTERNAL"},{"k":"timezone","v":"UTC"}]}`, "[ann@x.io ext@x.io]"},
		{`"query":{"keyword":"bo ca"}`, "[bob@x.io bot cat@x.io]"},
		{`"query":{"keyword":"y.io"}`, "[bob@x.io]"},
		{`"query":{"filter":[{"k":"domain_id","v":"acme"}]},"backend":"LOCAL","user_type":"USER"`, "[ann@x.io bob@x.io cat@x.io]"},
		{`"query":{},"state":"ENABLED","email":"ann@x.io"`, "[ann@x.io]"},
	} {
		if c.want == "" {
			continue // an invalid value, checked below
		}
		if got := fmt.Sprint(list(c.query)); got != c.want {
			t.Errorf("list %s = %s, want %s", c.query, got, c.want)
		}
	}

	// Sort, page, only and count_only.
	status, body := a.spaceone(t, "user/list", a.admin, `{"domain_id":"acme","query":{"sort":{"key":"name","desc":true},
		"page":{"start":2,"limit":2},"only":["user_id","name"]}}`)
	if fmt.Sprint(userIDs(body)) != "[ext@x.io cat@x.io]" || body["total_count"] != float64(5) || len(body["results"].([]any)[0].(map[string]any)) != 2 {
		t.Errorf("sorted page = %d %v", status, body)
	}
	status, body = a.spaceone(t, "user/list", a.admin, `{"domain_id":"acme","query":{"count_only":true,"filter":[{"k":"language","v":"en"}]}}`)
	if status != 200 || body["total_count"] != float64(3) || body["results"] != nil {
		t.Errorf("count_only = %d %v", status, body)
	}
	for _, c := range []struct{ query, msg string }{
		{`{"filter":[{"k":"password","v":"x"}]}`, "key = password"},
		{`{"filter":[{"k":"name","v":"x","o":"regex"}]}`, "regex"},
		{`{"filter":[{"k":"name","v":"x","o":"in"}]}`, "must be a list"},
		{`{"filter":[{"k":"created_at","v":"yesterday","o":"datetime_gt"}]}`, "ISO 8601"},
		{`{"filter":[{"k":"created_at","v":"now + 1h","o":"datetime_lte"}]}`, "ISO 8601"},
		{`{"filter":[{"k":"language","v":"en","o":"datetime_gt"}]}`, "not a time"},
		{`{"filter":[{"k":"domain_id","v":"other"}]}`, "domain_id"},
	} {
		status, body := a.spaceone(t, "user/list", a.admin, `{"domain_id":"acme","query":`+c.query+`}`)
		wantError(t, "list "+c.query, status, body, 400, "ERROR_INVALID_PARAMETER", c.msg)
	}

	// stat: group and count, count alone, distinct.
	status, body = a.spaceone(t, "user/stat", a.viewer, `{"domain_id":"acme","query":{"aggregate":[
		{"group":{"keys":[{"key":"state","name":"state"}],"fields":[{"name":"total","operator":"count"}]}},
		{"sort":{"key":"total","desc":true}}]}}`)
	if status != 200 || fmt.Sprint(body["results"]) != "[map[state:ENABLED total:4] map[state:PENDING total:1]]" {
		t.Errorf("stat by state = %d %v", status, body)
	}
	status, body = a.spaceone(t, "user/stat", a.viewer, `{"domain_id":"acme","query":{"filter":[{"k":"language","v":"en"}],"aggregate":[
		{"group":{"keys":[{"key":"state","name":"state"}],"fields":[{"name":"total","operator":"count"}]}}]}}`)
	if status != 200 || fmt.Sprint(body["results"]) != "[map[state:ENABLED total:3]]" {
		t.Errorf("stat by state of English speakers = %d %v", status, body)
	}
	status, body = a.spaceone(t, "user/stat", a.viewer, `{"domain_id":"acme","query":{"aggregate":[
		{"group":{"keys":[{"key":"backend","name":"backend"}],"fields":[{"name":"n","operator":"count"}]}}]}}`)
	if status != 200 || fmt.Sprint(body["results"]) != "[map[backend:EXTERNAL n:1] map[backend:LOCAL n:4]]" {
		t.Errorf("stat by backend = %d %v", status, body)
	}
	status, body = a.spaceone(t, "user/stat", a.viewer, `{"domain_id":"acme","query":{"filter":[{"k":"language","v":"ko"}],"aggregate":[{"count":{"name":"n"}}]}}`)
	if status != 200 || fmt.Sprint(body["results"]) != "[map[n:2]]" {
		t.Errorf("stat count = %d %v", status, body)
	}
	status, body = a.spaceone(t, "user/stat", a.viewer, `{"domain_id":"acme","query":{"aggregate":[
		{"group":{"keys":[{"key":"backend","name":"b"},{"key":"user_type","name":"t"}],"fields":[{"name":"n","operator":"count"}]}},{"count":{"name":"groups"}}]}}`)
	if status != 200 || fmt.Sprint(body["results"]) != "[map[groups:3]]" {
		t.Errorf("stat count of groups = %d %v", status, body)
	}
	status, body = a.spaceone(t, "user/stat", a.viewer, `{"domain_id":"acme","query":{"distinct":"language","page":{"limit":1}}}`)
	if status != 200 || fmt.Sprint(body["results"]) != "[en]" || body["total_count"] != float64(2) {
		t.Errorf("stat distinct = %d %v", status, body)
	}
	status, body = a.spaceone(t, "user/stat", a.viewer, `{"domain_id":"acme","query":{"distinct":"state","aggregate":[{"count":{"name":"n"}}]}}`)
	wantError(t, "stat with both", status, body, 400, "ERROR_INVALID_PARAMETER", "exactly one")
	status, body = a.spaceone(t, "user/stat", a.viewer, `{"domain_id":"acme","query":{"aggregate":[{"group":{"keys":[{"key":"state","name":"s"}],"fields":[{"name":"x","operator":"sum","key":"a"}]}}]}}`)
	wantError(t, "stat with sum", status, body, 400, "ERROR_INVALID_ARGUMENT", "key")
}
