package store_test

import (
	"fmt"
	"sync"
	"testing"

	"roster/store"
	"roster/store/storetest"
)

// Batches of new users written at once by two processes leave every
// counter exact (the tenant's totals, each org unit's and its ancestors',
// each group's, each property's and option's), give each created user
// exactly one creation event, and give a username asked for by several
// batches at the same moment to exactly one of them, the others reporting
// a conflict. Concurrent deletions then bring the counters down exactly.
// On PostgreSQL the batches run side by side and the counters' rows are
// what they meet on.
func TestConcurrentBatchCreatesKeepCountersExact(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, a, "acme")
	root, err := a.RootOrgUnit(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	div := mustUnit(t, a, tn.ID, root.ID, "Division")
	units := []int64{0, root.ID, div.ID, mustUnit(t, a, tn.ID, div.ID, "Team A").ID,
		mustUnit(t, a, tn.ID, div.ID, "Team B").ID, mustUnit(t, a, tn.ID, root.ID, "Other").ID}
	var groups []int64
	for _, name := range []string{"Pilots", "Crew", "Ground"} {
		g, err := a.CreateGroup(ctx, tn.ID, name, "")
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g.ID)
	}
	for _, p := range []store.NewProperty{
		{Key: "team", Type: "select", Options: []store.OptionInput{{Value: "web"}, {Value: "ops"}}},
		{Key: "skills", Type: "multiselect", Options: []store.OptionInput{{Value: "go"}, {Value: "sql"}, {Value: "ux"}}},
		{Key: "level", Type: "number"},
	} {
		if _, err := a.CreateProperty(ctx, tn.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	checkCounters := func(when string) {
		t.Helper()
		drift, err := a.CounterDrift(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range drift {
			t.Errorf("%s: %s", when, d)
		}
	}

	// Each round, four writers (two per process) send a batch each: half
	// of every batch are usernames all four ask for, half its own.
	const writers, rounds, shared, own = 4, 4, 16, 16
	item := func(name string, k int) store.NewUser {
		n := store.NewUser{Username: name, OrgUnitID: units[k%len(units)]}
		switch k % 4 {
		case 0:
			n.Groups = []int64{groups[k%len(groups)], groups[(k+1)%len(groups)]}
		case 1:
			n.Properties = map[string][]string{"team": {[]string{"web", "ops"}[k%2]}, "skills": {"go", "sql"}, "level": {"3"}}
		case 2:
			n.SourceType, n.SourceID, n.ExternalID = "ldap", "corp", "ext-"+name
		case 3:
			n.Password, n.Status = "Correct-horse-battery-9", store.StatusDisabled
		}
		return n
	}
	created := map[string]string{} // username -> public id
	for round := range rounds {
		results := make([]store.BatchResult, writers)
		batches := make([][]store.NewUser, writers)
		for w := range writers {
			for k := range shared {
				batches[w] = append(batches[w], item(fmt.Sprintf("shared-%d-%d", round, k), k))
			}
			for k := range own {
				batches[w] = append(batches[w], item(fmt.Sprintf("own-%d-%d-%d", round, w, k), k+w))
			}
		}
		var wg sync.WaitGroup
		for w := range writers {
			s := a
			if w%2 == 1 {
				s = b
			}
			wg.Go(func() {
				res, err := s.CreateUsers(ctx, tn.ID, batches[w])
				if err != nil {
					t.Errorf("round %d, writer %d: %v", round, w, err)
				}
				results[w] = res
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		winners := map[string]int{}
		for w, res := range results {
			for _, ok := range res.Succeeded {
				winners[ok.Key]++
				created[ok.Key] = ok.ID
			}
			for _, f := range res.Failed {
				if f.Code != "conflict" || f.Field != "username" || f.Index >= shared {
					t.Errorf("round %d, writer %d: item %d (%s) failed: %s %s %q", round, w, f.Index, f.Key, f.Code, f.Field, f.Message)
				}
			}
			if len(res.Succeeded)+len(res.Failed) != shared+own {
				t.Errorf("round %d, writer %d: %d created and %d failed of %d", round, w, len(res.Succeeded), len(res.Failed), shared+own)
			}
		}
		for k := range shared {
			if name := fmt.Sprintf("shared-%d-%d", round, k); winners[name] != 1 {
				t.Errorf("round %d: %s created %d times, want once", round, name, winners[name])
			}
		}
		checkCounters(fmt.Sprintf("after round %d", round))
	}
	if want := rounds * (shared + writers*own); len(created) != want {
		t.Fatalf("%d users created, want %d", len(created), want)
	}
	byTarget, err := a.EventsByTarget(ctx, tn.ID, "user.create")
	if err != nil {
		t.Fatal(err)
	}
	for name, id := range created {
		if byTarget[id] != 1 {
			t.Errorf("%s (%s) has %d creation events, want 1", name, id, byTarget[id])
		}
	}
	if len(byTarget) != len(created) {
		t.Errorf("%d users have creation events, want %d", len(byTarget), len(created))
	}

	// Every writer deletes its share of the users at once.
	var ids [writers][]string
	k := 0
	for _, id := range created {
		ids[k%writers] = append(ids[k%writers], id)
		k++
	}
	var wg sync.WaitGroup
	for w := range writers {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Go(func() {
			res, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDelete}, ids[w][:len(ids[w])/2])
			if err != nil || len(res.Failed) > 0 {
				t.Errorf("writer %d: delete = %v, %v", w, res.Failed, err)
			}
		})
	}
	wg.Wait()
	checkCounters("after the deletions")
}

// An external id repeated within a batch goes to its first item; the
// repeat is refused as one already taken, as is an id an earlier user has.
func TestBatchCreateRefusesRepeatedExternalIDs(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "earlier", SourceType: "ldap", SourceID: "corp", ExternalID: "e-2"})
	res, err := s.CreateUsers(t.Context(), tn.ID, []store.NewUser{
		{Username: "first", SourceType: "ldap", SourceID: "corp", ExternalID: "e-1"},
		{Username: "repeat", SourceType: "ldap", SourceID: "corp", ExternalID: "e-1"},
		{Username: "taken", SourceType: "ldap", SourceID: "corp", ExternalID: "e-2"},
		{Username: "elsewhere", SourceType: "ldap", SourceID: "other", ExternalID: "e-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ok := range res.Succeeded {
		got = append(got, fmt.Sprintf("%d:%s", ok.Index, ok.Key))
	}
	for _, f := range res.Failed {
		got = append(got, fmt.Sprintf("%d:%s:%s", f.Index, f.Code, f.Field))
	}
	want := []string{"0:first", "3:elsewhere", "1:conflict:external_id", "2:conflict:external_id"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("batch = %v, want %v", got, want)
	}
	drift, err := s.CounterDrift(t.Context(), tn.ID)
	if err != nil || len(drift) > 0 {
		t.Fatalf("counters: %v, %v", drift, err)
	}
}

// Each user a batch creates has its event, named as the log names users:
// by display name, else by username.
func TestBatchCreateNamesEachUsersEvent(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	res, err := s.CreateUsers(t.Context(), tn.ID, []store.NewUser{
		{Username: "ada", DisplayName: "Ada Lovelace"},
		{Username: "bob"},
		{Username: "ada"},
	})
	if err != nil || len(res.Succeeded) != 2 {
		t.Fatalf("CreateUsers = %+v, %v", res, err)
	}
	names := map[string]string{}
	for _, e := range auditOf(t, s, tn.ID, "user.create") {
		names[e.TargetID] = e.TargetName
	}
	want := map[string]string{res.Succeeded[0].ID: "Ada Lovelace", res.Succeeded[1].ID: "bob"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("user.create events name %v, want %v", names, want)
	}
}
