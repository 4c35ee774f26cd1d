package store_test

import (
	"slices"
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
