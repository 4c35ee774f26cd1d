package store_test

import (
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

// A user's tags are kept in user_tags by triggers: a list filtered on a
// tag follows every change of them, and reads user_tags, not each user's
// JSON (a million users' JSON took seconds for a rare tag).
func TestTagFiltersFollowChangesThroughTheirTable(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Tags: map[string]string{"env": "prod"}})
	bob := mustUser(t, s, tn.ID, store.NewUser{Username: "bob", Tags: map[string]string{"env": "dev"}})
	mustUser(t, s, tn.ID, store.NewUser{Username: "cyd"})
	prod := []store.TagMatch{{Key: "env", Value: "prod", HasValue: true}}
	want := func(f store.UserFilter, names ...string) {
		t.Helper()
		if got := usernames(t, s, tn.ID, f); !slices.Equal(got, names) {
			t.Fatalf("%+v: %v, want %v", f.Tags, got, names)
		}
	}
	want(store.UserFilter{Tags: prod}, "ada")
	tags := map[string]string{"env": "prod", "team": "web"}
	if _, err := s.UpdateUser(ctx, tn.ID, bob.ID, store.UserUpdate{Tags: &tags}); err != nil {
		t.Fatal(err)
	}
	want(store.UserFilter{Tags: prod}, "ada", "bob")
	want(store.UserFilter{Tags: []store.TagMatch{{Key: "team"}}}, "bob")
	none := map[string]string{}
	if _, err := s.UpdateUser(ctx, tn.ID, ada.ID, store.UserUpdate{Tags: &none}); err != nil {
		t.Fatal(err)
	}
	want(store.UserFilter{Tags: prod}, "bob")
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDelete}, []string{bob.PublicID()}); err != nil {
		t.Fatal(err)
	}
	want(store.UserFilter{Tags: prod})
	want(store.UserFilter{Tags: []store.TagMatch{{Key: "team"}}})
}

// A rare tag's holders are read from user_tags by tenant and key, not
// found by reading every user.
func TestTagFilterPlanReadsItsTable(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Tags: map[string]string{"env": "prod"}})
	for _, tag := range []store.TagMatch{{Key: "env", Value: "prod", HasValue: true}, {Key: "env"}} {
		plan, err := s.ListPlan(t.Context(), tn.ID, store.UserFilter{Tags: []store.TagMatch{tag}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "SEARCH t USING PRIMARY KEY (tenant_id=? AND key=?") || strings.Contains(plan, "SCAN u") {
			t.Errorf("tag %+v: plan\n%s", tag, plan)
		}
	}
}
