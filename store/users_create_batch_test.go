package store_test

import (
	"fmt"
	"slices"
	"testing"

	"roster/store"
)

// A batch of new users counts each created user exactly once (the
// tenant's totals, their org unit and every unit above it), copies their
// tags for the tag filter, indexes them for keyword search at once and
// gives each its creation event; the items it refuses (a taken username,
// an external id repeated within the batch, a unit of no tenant's) leave
// nothing behind. A second batch and a deletion keep it so.
func TestBatchCreateCountsTagsAndIndexesEachCreatedUser(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	root, err := s.RootOrgUnit(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	div := mustUnit(t, s, tn.ID, root.ID, "Division")
	team := mustUnit(t, s, tn.ID, div.ID, "Team")
	mustUser(t, s, tn.ID, store.NewUser{Username: "taken"})
	items := []store.NewUser{
		{Username: "ada.batch", OrgUnitID: team.ID, Tags: map[string]string{"team": "web", "env": "prod"},
			SourceType: "import", SourceID: "hr", ExternalID: "HR-1"},
		{Username: "bob.batch", OrgUnitID: div.ID, Tags: map[string]string{"team": "ops"}, Status: "disabled"},
		{Username: "taken", OrgUnitID: team.ID, Tags: map[string]string{"team": "web"}},
		{Username: "cyd.batch", OrgUnitID: team.ID, Tags: map[string]string{"team": "web"},
			SourceType: "import", SourceID: "hr", ExternalID: "HR-1"},
		{Username: "dee.batch", OrgUnitID: 987654},
		{Username: "eve.batch", Tags: map[string]string{}},
	}
	res, err := s.CreateUsers(ctx, tn.ID, items)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range res.Failed {
		failed = append(failed, fmt.Sprintf("%d:%s:%s", f.Index, f.Code, f.Field))
	}
	if want := []string{"2:conflict:username", "3:conflict:external_id", "4:invalid:org_unit_id"}; !slices.Equal(failed, want) {
		t.Fatalf("failed = %v, want %v", failed, want)
	}
	check := func(when string) {
		t.Helper()
		drift, err := s.CounterDrift(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range drift {
			t.Errorf("%s: %s", when, d)
		}
	}
	check("after the first batch")
	for _, tt := range []struct {
		f    store.UserFilter
		want []string
	}{
		{store.UserFilter{Tags: []store.TagMatch{{Key: "team", Value: "web", HasValue: true}}}, []string{"ada.batch"}},
		{store.UserFilter{Tags: []store.TagMatch{{Key: "team"}}}, []string{"ada.batch", "bob.batch"}},
		{store.UserFilter{Tags: []store.TagMatch{{Key: "env", Value: "prod", HasValue: true}}}, []string{"ada.batch"}},
		{store.UserFilter{Query: "batch"}, []string{"ada.batch", "bob.batch", "eve.batch"}},
		{store.UserFilter{OrgUnitID: div.ID, SubUnits: true}, []string{"ada.batch", "bob.batch"}},
	} {
		if got := usernames(t, s, tn.ID, tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: %v, want %v", tt.f, got, tt.want)
		}
	}
	created := 0
	for _, e := range events(t, s, tn.ID) {
		if e == "user.create" {
			created++
		}
	}
	if created != 1+3 {
		t.Errorf("user.create events = %d, want one per created user", created)
	}

	more := make([]store.NewUser, 30)
	for i := range more {
		more[i] = store.NewUser{Username: fmt.Sprintf("more%02d.batch", i), OrgUnitID: []int64{0, div.ID, team.ID}[i%3],
			Tags: map[string]string{"team": []string{"web", "ops"}[i%2]}}
	}
	if res, err := s.CreateUsers(ctx, tn.ID, more); err != nil || len(res.Failed) > 0 {
		t.Fatalf("second batch: %v %v", err, res.Failed)
	}
	check("after the second batch")
	if res, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDelete}, []string{res.Succeeded[0].ID}); err != nil || len(res.Failed) > 0 {
		t.Fatalf("delete: %v %v", err, res.Failed)
	}
	check("after a deletion")
	if got := usernames(t, s, tn.ID, store.UserFilter{Tags: []store.TagMatch{{Key: "env"}}}); len(got) != 0 {
		t.Errorf("tag env after deleting its only holder: %v", got)
	}
	if n, err := s.CountUsers(ctx, tn.ID, store.UserFilter{Query: "batch"}); err != nil || n != 2+30 {
		t.Errorf("keyword search counts %d (%v), want %d", n, err, 2+30)
	}
}
