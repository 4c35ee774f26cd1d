package store_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/store"
	"roster/store/storetest"
)

// A batch action on users (lock, unlock, enable, disable, move, add to or
// remove from a group, delete) answers for its items in their order: a
// malformed id, an unknown one, another tenant's user and a repeated id
// fail; every other item succeeds, a user already as asked too. Each user
// it changes gets exactly one event saying what changed; a user already as
// asked gets none. Afterwards every counter (users by status, org units,
// group members) agrees with the rows, and a deleted user is out of the
// keyword search.
func TestBatchActionsChangeEachUserOnceWithOneEvent(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	root, err := s.RootOrgUnit(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	sales := mustUnit(t, s, tn.ID, root.ID, "Sales")
	emea := mustUnit(t, s, tn.ID, sales.ID, "EMEA")
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", DisplayName: "Ada Lovelace", Email: "ada@example.com",
		OrgUnitID: sales.ID, Status: store.StatusEnabled})
	bob := mustUser(t, s, tn.ID, store.NewUser{Username: "bob", Status: store.StatusDisabled, OrgUnitID: emea.ID})
	cyd := mustUser(t, s, tn.ID, store.NewUser{Username: "cyd", Status: store.StatusEnabled})
	theirs := mustUser(t, s, other.ID, store.NewUser{Username: "theirs"})
	pilots, err := s.CreateGroup(ctx, tn.ID, "Pilots", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddGroupMembers(ctx, tn.ID, pilots.ID, []string{cyd.PublicID()}); err != nil {
		t.Fatal(err)
	}

	names := map[string]string{ada.PublicID(): "ada", bob.PublicID(): "bob", cyd.PublicID(): "cyd"}
	text := func(v any) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	// seen is the newest event read so far: each step reads the events
	// after it, oldest first, as "action target: field before>after, …"
	// (a group's events name the user after the group).
	var seen int64
	newEvents := func() []string {
		t.Helper()
		l, err := s.ListAuditEvents(ctx, tn.ID, store.AuditFilter{Page: store.Page{Size: 100}})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range slices.Backward(l.Items) {
			if e.ID <= seen {
				continue
			}
			seen = e.ID
			who := e.TargetName
			if c, ok := e.Changes["user_id"]; ok && e.TargetType == "group" {
				who += " " + names[text(c.After)]
				delete(e.Changes, "user_id")
			}
			var ch []string
			for _, f := range slices.Sorted(maps.Keys(e.Changes)) {
				ch = append(ch, fmt.Sprintf("%s %s>%s", f, text(e.Changes[f].Before), text(e.Changes[f].After)))
			}
			line := e.Action + " " + who
			if len(ch) > 0 {
				line += ": " + strings.Join(ch, ", ")
			}
			out = append(out, line)
		}
		return out
	}
	newEvents()
	checkCounters := func(when string) {
		t.Helper()
		for _, tenant := range []int64{tn.ID, other.ID} {
			drift, err := s.CounterDrift(ctx, tenant)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range drift {
				t.Errorf("%s: %s", when, d)
			}
		}
	}

	unknown := store.PublicID(store.PrefixUser, 987654)
	// The batch every step applies: items 1, 3, 4, 6 and 7 fail.
	batch := []string{ada.PublicID(), unknown, bob.PublicID(), ada.PublicID(), theirs.PublicID(), cyd.PublicID(), "g_1", "garbage"}
	const outcome = "ok 0 2 5; failed 1:not_found 3:duplicate 4:not_found 6:not_found 7:not_found"
	for _, step := range []struct {
		name string
		do   func(ids []string) (store.BatchResult, error)
		want []string
	}{
		{"disable (bob is disabled already)", func(ids []string) (store.BatchResult, error) {
			return s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDisable}, ids)
		}, []string{"user.disable Ada Lovelace: status enabled>disabled", "user.disable cyd: status enabled>disabled"}},
		{"enable", func(ids []string) (store.BatchResult, error) {
			return s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionEnable}, ids)
		}, []string{"user.enable Ada Lovelace: status disabled>enabled", "user.enable bob: status disabled>enabled", "user.enable cyd: status disabled>enabled"}},
		{"move into EMEA (bob is in it already)", func(ids []string) (store.BatchResult, error) {
			return s.MoveUsers(ctx, tn.ID, emea.ID, ids)
		}, []string{"user.move Ada Lovelace: org_unit_id " + sales.PublicID() + ">" + emea.PublicID(),
			"user.move cyd: org_unit_id " + root.PublicID() + ">" + emea.PublicID()}},
		{"add to Pilots (cyd is in it already)", func(ids []string) (store.BatchResult, error) {
			return s.AddGroupMembers(ctx, tn.ID, pilots.ID, ids)
		}, []string{"group.add_member Pilots ada", "group.add_member Pilots bob"}},
		{"remove from Pilots", func(ids []string) (store.BatchResult, error) {
			return s.RemoveGroupMembers(ctx, tn.ID, pilots.ID, ids)
		}, []string{"group.remove_member Pilots ada", "group.remove_member Pilots bob", "group.remove_member Pilots cyd"}},
		{"remove from Pilots again (nobody is in it)", func(ids []string) (store.BatchResult, error) {
			return s.RemoveGroupMembers(ctx, tn.ID, pilots.ID, ids)
		}, nil},
		{"lock for a day", func(ids []string) (store.BatchResult, error) {
			until := now.Add(24 * time.Hour)
			return s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionLock, Until: &until}, ids)
		}, []string{"user.lock Ada Lovelace: lock_until >2026-11-24T12:00:00Z, locked false>true",
			"user.lock bob: lock_until >2026-11-24T12:00:00Z, locked false>true",
			"user.lock cyd: lock_until >2026-11-24T12:00:00Z, locked false>true"}},
		{"unlock, scheduling a lock tomorrow", func(ids []string) (store.BatchResult, error) {
			next := now.Add(24 * time.Hour)
			return s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionUnlock, LockAt: &next}, ids)
		}, []string{"user.unlock Ada Lovelace: auto_lock_at >2026-11-24T12:00:00Z, locked true>false",
			"user.unlock bob: auto_lock_at >2026-11-24T12:00:00Z, locked true>false",
			"user.unlock cyd: auto_lock_at >2026-11-24T12:00:00Z, locked true>false"}},
		{"unlock with the same lock scheduled (nobody is locked)", func(ids []string) (store.BatchResult, error) {
			next := now.Add(24 * time.Hour)
			return s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionUnlock, LockAt: &next}, ids)
		}, nil},
		{"delete", func(ids []string) (store.BatchResult, error) {
			return s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDelete}, ids)
		}, []string{"user.delete ada: email ada@example.com>, username ada>",
			"user.delete bob: username bob>", "user.delete cyd: username cyd>"}},
	} {
		res, err := step.do(batch)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if got := outcomeOf(res); got != outcome {
			t.Errorf("%s: %s, want %s", step.name, got, outcome)
		}
		if got := newEvents(); !slices.Equal(got, step.want) {
			t.Errorf("%s: events\n%s\nwant\n%s", step.name, strings.Join(got, "\n"), strings.Join(step.want, "\n"))
		}
		checkCounters("after " + step.name)
	}
	if n, err := s.CountUsers(ctx, tn.ID, store.UserFilter{}); err != nil || n != 0 {
		t.Errorf("users left after the deletion = %d, %v", n, err)
	}
	for _, q := range []string{"ada", "cyd"} {
		if n, err := s.CountUsers(ctx, tn.ID, store.UserFilter{Query: q}); err != nil || n != 0 {
			t.Errorf("keyword %q after the deletion finds %d (%v)", q, n, err)
		}
	}
	if _, err := s.GetUser(ctx, other.ID, theirs.ID); err != nil {
		t.Errorf("another tenant's user after the batches: %v", err)
	}
}

// outcomeOf is a batch's result as "ok <index>…; failed <index>:<code>…".
func outcomeOf(res store.BatchResult) string {
	var ok, failed []string
	for _, r := range res.Succeeded {
		ok = append(ok, fmt.Sprint(r.Index))
	}
	for _, f := range res.Failed {
		failed = append(failed, fmt.Sprintf("%d:%s", f.Index, f.Code))
	}
	return "ok " + strings.Join(ok, " ") + "; failed " + strings.Join(failed, " ")
}

// BenchmarkBatchActions applies each batch action to 500 users a call, as
// the API's bulk endpoints do, on the engine the tests run on
// (ROSTER_TEST_POSTGRES for PostgreSQL) in a tenant of 10,000 users. Each
// action alternates with its opposite (lock and unlock, disable and
// enable, two units, add and remove), so every call changes every user
// of its batch; deleting deletes users made for it.
func BenchmarkBatchActions(b *testing.B) {
	s := storetest.Open(b)
	ctx := b.Context()
	tn, err := s.CreateTenant(ctx, "Bench", "bench")
	if err != nil {
		b.Fatal(err)
	}
	root, err := s.RootOrgUnit(ctx, tn.ID)
	if err != nil {
		b.Fatal(err)
	}
	var batches [][]string
	for start := 0; start < 10_000; start += store.MaxBatch {
		var batch []store.NewUser
		for i := start; i < start+store.MaxBatch; i++ {
			batch = append(batch, store.NewUser{Username: fmt.Sprintf("user%05d", i), Status: store.StatusEnabled, OrgUnitID: root.ID})
		}
		res, err := s.CreateUsers(ctx, tn.ID, batch)
		if err != nil || len(res.Failed) > 0 {
			b.Fatalf("CreateUsers = %v, %v", res.Failed, err)
		}
		var ids []string
		for _, ok := range res.Succeeded {
			ids = append(ids, ok.ID)
		}
		batches = append(batches, ids)
	}
	var units [2]int64
	for i, name := range []string{"A", "B"} {
		o, err := s.CreateOrgUnit(ctx, tn.ID, store.NewOrgUnit{ParentID: root.ID, Name: name})
		if err != nil {
			b.Fatal(err)
		}
		units[i] = o.ID
	}
	g, err := s.CreateGroup(ctx, tn.ID, "Bench", "")
	if err != nil {
		b.Fatal(err)
	}
	act := func(kind string) func(ids []string) (store.BatchResult, error) {
		return func(ids []string) (store.BatchResult, error) {
			return s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: kind}, ids)
		}
	}
	for _, bc := range []struct {
		name string
		do   [2]func(ids []string) (store.BatchResult, error)
	}{
		{"lock", [2]func([]string) (store.BatchResult, error){act(store.ActionLock), act(store.ActionUnlock)}},
		{"disable", [2]func([]string) (store.BatchResult, error){act(store.ActionDisable), act(store.ActionEnable)}},
		{"move", [2]func([]string) (store.BatchResult, error){
			func(ids []string) (store.BatchResult, error) { return s.MoveUsers(ctx, tn.ID, units[0], ids) },
			func(ids []string) (store.BatchResult, error) { return s.MoveUsers(ctx, tn.ID, units[1], ids) }}},
		{"group", [2]func([]string) (store.BatchResult, error){
			func(ids []string) (store.BatchResult, error) { return s.AddGroupMembers(ctx, tn.ID, g.ID, ids) },
			func(ids []string) (store.BatchResult, error) { return s.RemoveGroupMembers(ctx, tn.ID, g.ID, ids) }}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				// Each batch in turn, then each again with the opposite action.
				res, err := bc.do[i/len(batches)%2](batches[i%len(batches)])
				if err != nil || len(res.Failed) > 0 {
					b.Fatalf("%s = %v, %v", bc.name, res.Failed, err)
				}
				i++
			}
			b.ReportMetric(float64(store.MaxBatch*b.N)/b.Elapsed().Seconds(), "users/s")
		})
	}
	// Deleting: each call deletes 500 users made (untimed) before it.
	b.Run("delete", func(b *testing.B) {
		n := 0
		for b.Loop() {
			b.StopTimer()
			batch := make([]store.NewUser, store.MaxBatch)
			for i := range batch {
				n++
				batch[i] = store.NewUser{Username: fmt.Sprintf("gone%06d", n), OrgUnitID: units[n%2]}
			}
			res, err := s.CreateUsers(ctx, tn.ID, batch)
			if err != nil || len(res.Failed) > 0 {
				b.Fatalf("CreateUsers = %v, %v", res.Failed, err)
			}
			var ids []string
			for _, ok := range res.Succeeded {
				ids = append(ids, ok.ID)
			}
			b.StartTimer()
			if res, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDelete}, ids); err != nil || len(res.Failed) > 0 {
				b.Fatalf("delete = %v, %v", res.Failed, err)
			}
		}
		b.ReportMetric(float64(store.MaxBatch*b.N)/b.Elapsed().Seconds(), "users/s")
	})
}
