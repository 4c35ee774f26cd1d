package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"roster/store"
)

// The users list filters by user type and by tags: a tag with a value
// (which may be empty) or just its key, every tag named at once; the
// count agrees with the page, and a bad filter names its parameter.
func TestUsersFilterByTypeAndTags(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Tags: map[string]string{"env": "prod", "team": "web"}})
	mustUser(t, s, tn.ID, store.NewUser{Username: "bob", Tags: map[string]string{"env": "dev", "aws:cost-center": ""}})
	mustUser(t, s, tn.ID, store.NewUser{Username: "ci_bot", UserType: "api_user", Tags: map[string]string{"env": "prod"}})
	mustUser(t, s, tn.ID, store.NewUser{Username: "cyd", Tags: map[string]string{"k8s.io/app": "web"}})
	mustUser(t, s, other.ID, store.NewUser{Username: "eve", UserType: "api_user", Tags: map[string]string{"env": "prod"}})

	for _, tt := range []struct {
		f    store.UserFilter
		want []string
	}{
		{store.UserFilter{UserType: "api_user"}, []string{"ci_bot"}},
		{store.UserFilter{UserType: "user"}, []string{"ada", "bob", "cyd"}},
		{store.UserFilter{Tags: []store.TagMatch{{Key: "env", Value: "prod", HasValue: true}}}, []string{"ada", "ci_bot"}},
		{store.UserFilter{Tags: []store.TagMatch{{Key: "env"}}}, []string{"ada", "bob", "ci_bot"}},
		{store.UserFilter{Tags: []store.TagMatch{{Key: "aws:cost-center", HasValue: true}}}, []string{"bob"}},
		{store.UserFilter{Tags: []store.TagMatch{{Key: "env", Value: "prod", HasValue: true}, {Key: "team"}}}, []string{"ada"}},
		{store.UserFilter{UserType: "user", Tags: []store.TagMatch{{Key: "env", Value: "prod", HasValue: true}}}, []string{"ada"}},
		{store.UserFilter{Tags: []store.TagMatch{{Key: "env", Value: "PROD", HasValue: true}}}, nil},
		{store.UserFilter{Tags: []store.TagMatch{{Key: "k8s.io/app", Value: "web", HasValue: true}}}, []string{"cyd"}},
		{store.UserFilter{Usernames: []string{"Ada"}}, []string{"ada"}},
	} {
		if got := usernames(t, s, tn.ID, tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: %v, want %v", tt.f, got, tt.want)
		}
		if n, err := s.CountUsers(ctx, tn.ID, tt.f); err != nil || n != len(tt.want) {
			t.Errorf("CountUsers(%+v) = %d, %v; want %d", tt.f, n, err, len(tt.want))
		}
	}
	for _, tt := range []struct {
		f     store.UserFilter
		field string
	}{
		{store.UserFilter{UserType: "robot"}, "user_type"},
		{store.UserFilter{Tags: []store.TagMatch{{Key: `env"`, Value: "x", HasValue: true}}}, "tag"},
		{store.UserFilter{Tags: []store.TagMatch{{Key: ""}}}, "tag"},
		{store.UserFilter{Tags: make([]store.TagMatch, store.MaxTagMatches+1)}, "tag"},
	} {
		if _, err := s.ListUsers(ctx, tn.ID, tt.f); !isFieldError(err, tt.field) {
			t.Errorf("%+v = %v, want an error on %s", tt.f, err, tt.field)
		}
	}
}

// No index holds tags: in a tenant larger than a list may read whole, tags
// alone are refused, naming the filter, and narrowed by a keyword they
// still answer.
func TestTagsAloneAreRefusedInLargeTenants(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Tags: map[string]string{"env": "prod"}})
	mustUser(t, s, tn.ID, store.NewUser{Username: "bob", Tags: map[string]string{"env": "dev"}})
	mustUser(t, s, tn.ID, store.NewUser{Username: "cyd"})
	s.SetScanLimit(2)
	prod := []store.TagMatch{{Key: "env", Value: "prod", HasValue: true}}
	_, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Tags: prod})
	var fe store.FieldErrors
	if !errors.As(err, &fe) || !strings.Contains(fe["tag"], "Tags are not indexed, and this tenant has 3 users") {
		t.Fatalf("tags alone in a tenant of 3 with a limit of 2: %v", err)
	}
	if got := usernames(t, s, tn.ID, store.UserFilter{Tags: prod, Query: "ada"}); !slices.Equal(got, []string{"ada"}) {
		t.Fatalf("tags with a keyword: %v", got)
	}
	s.SetScanLimit(3)
	if got := usernames(t, s, tn.ID, store.UserFilter{Tags: prod}); !slices.Equal(got, []string{"ada"}) {
		t.Fatalf("tags alone within the limit: %v", got)
	}
}
