package handlers_test

import (
	"context"
	"net/http"
	"testing"

	"roster/handlers/api/apiclient"
	"roster/store"
)

// A client generated from the OpenAPI document (oapi-codegen, see
// handlers/api/apiclient) works against the real server over HTTP: it
// creates, lists, changes and deletes a user, its exchanges checked
// against the document like every other API test's.
func TestGeneratedClientRoundTrip(t *testing.T) {
	a := newTestApp(t)
	_, key, err := a.st.CreateAPIKey(t.Context(), a.acme.ID, store.NewAPIKey{Name: "generated", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	c, err := apiclient.NewClientWithResponses(a.srv.URL+"/api/v1",
		apiclient.WithHTTPClient(contractClient(t)),
		apiclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+key)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	created, err := c.CreateUserWithResponse(ctx, apiclient.UserCreate{Username: ptr("grace"),
		DisplayName: ptr("Grace Hopper"), Email: ptr("grace@example.com"), Tags: &map[string]string{"team": "compilers"}})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create = %v %v %s", err, created.StatusCode(), created.Body)
	}
	id := created.JSON201.Id
	if created.JSON201.Username != "grace" || created.JSON201.Status != apiclient.Pending {
		t.Fatalf("created = %+v", created.JSON201)
	}

	list, err := c.ListUsersWithResponse(ctx, &apiclient.ListUsersParams{Username: ptr("grace"), Tag: &[]string{"team=compilers"}})
	if err != nil || list.JSON200 == nil || list.JSON200.TotalCount != 1 || list.JSON200.Items[0].Id != id {
		t.Fatalf("list = %v %s", err, list.Body)
	}

	updated, err := c.UpdateUserWithResponse(ctx, id, apiclient.UserUpdate{DisplayName: ptr("Rear Admiral Hopper")})
	if err != nil || updated.JSON200 == nil || updated.JSON200.DisplayName != "Rear Admiral Hopper" {
		t.Fatalf("update = %v %s", err, updated.Body)
	}

	deleted, err := c.DeleteUserWithResponse(ctx, id)
	if err != nil || deleted.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete = %v %s", err, deleted.Body)
	}
	gone, err := c.GetUserWithResponse(ctx, id)
	if err != nil || gone.JSON404 == nil || gone.JSON404.Error.Code != "not_found" {
		t.Fatalf("get after delete = %v %d %s", err, gone.StatusCode(), gone.Body)
	}
}
