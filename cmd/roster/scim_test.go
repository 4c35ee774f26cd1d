package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The SCIM server of the served binary, as an identity provider first
// meets it: with a key from roster apikey create, Okta's lookup, create,
// deactivation and group push, over HTTP.
func TestServeSCIMWithACommandMadeKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	ctx, cancel := context.WithCancel(t.Context())
	var log syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, func(string) string { return "" }, &log, &log)
	}()
	defer func() { cancel(); <-done }()
	addr := regexp.MustCompile(`addr=(http://\S+)`)
	for deadline := time.Now().Add(10 * time.Second); !addr.MatchString(log.String()); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", log.String())
		}
	}
	base := addr.FindStringSubmatch(log.String())[1] + "/scim/v2"
	out, err := cli(t, db, "apikey", "create", "--role", "admin", "--name", "okta")
	key := regexp.MustCompile(`rst_key_\S+`).FindString(out)
	if err != nil || key == "" {
		t.Fatalf("apikey create = %q, %v", out, err)
	}
	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if status, l := call("GET", `/Users?filter=userName%20eq%20%22dev%40example.com%22&startIndex=1&count=100`, ""); status != 200 || l["totalResults"] != 0.0 {
		t.Fatalf("lookup = %d %v", status, l)
	}
	status, u := call("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"dev@example.com",
		"name":{"givenName":"Dev","familyName":"Eloper"},"emails":[{"value":"dev@example.com","primary":true}],"active":true}`)
	if status != 201 || u["displayName"] != "Dev Eloper" {
		t.Fatalf("create = %d %v", status, u)
	}
	id := u["id"].(string)
	if status, u = call("PATCH", "/Users/"+id, `{"Operations":[{"op":"replace","value":{"active":false}}]}`); status != 200 || u["active"] != false {
		t.Fatalf("deactivate = %d %v", status, u)
	}
	status, g := call("POST", "/Groups", `{"displayName":"Developers","members":[{"value":"`+id+`"}]}`)
	if status != 201 || len(g["members"].([]any)) != 1 {
		t.Fatalf("group push = %d %v", status, g)
	}
	if status, e := call("POST", "/Users", `{"userName":"dev@example.com"}`); status != 409 || e["scimType"] != "uniqueness" {
		t.Fatalf("duplicate = %d %v", status, e)
	}
}
