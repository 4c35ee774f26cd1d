package store_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/store"
	"roster/store/seed"
	"roster/store/storetest"
)

func TestKeywordResultsPastTheSortCapComeInOrderAdded(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	var items []store.NewUser
	for i := range store.KeywordSortCap + 5 {
		items = append(items, store.NewUser{Username: fmt.Sprintf("m%04d", (i*7919)%(store.KeywordSortCap+5)), Email: fmt.Sprintf("u%d@match.example", i)})
	}
	for i := 0; i < len(items); i += store.MaxBatch {
		if _, err := s.CreateUsers(t.Context(), tn.ID, items[i:min(i+store.MaxBatch, len(items))]); err != nil {
			t.Fatal(err)
		}
	}
	for _, kw := range []string{"match", "m"} {
		l, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Query: kw})
		if err != nil {
			t.Fatal(err)
		}
		if !l.TotalCapped || l.SortedBy != "added" || l.Items[0].Email != "u0@match.example" {
			t.Fatalf("q=%s: capped %v, sorted by %q, first %s; want the order added", kw, l.TotalCapped, l.SortedBy, l.Items[0].Email)
		}
		next, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Query: kw, Page: store.Page{Cursor: l.Next}})
		if err != nil || next.Items[0].ID <= l.Items[len(l.Items)-1].ID {
			t.Fatalf("q=%s next page = %v, %v", kw, next.Items, err)
		}
	}
}

// Pages of one search opened at once share its count (one request
// counts, the others wait for it) and all get the same answer.
func TestConcurrentSearchPagesShareTheirCount(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	var items []store.NewUser
	for i := range store.KeywordSortCap + 5 {
		items = append(items, store.NewUser{Username: fmt.Sprintf("m%04d", i), Email: fmt.Sprintf("u%d@match.example", i)})
	}
	for i := 0; i < len(items); i += store.MaxBatch {
		if _, err := s.CreateUsers(t.Context(), tn.ID, items[i:min(i+store.MaxBatch, len(items))]); err != nil {
			t.Fatal(err)
		}
	}
	type result struct {
		l   store.UserList
		err error
	}
	for _, f := range []store.UserFilter{{Query: "match"}, {Query: "m0999"}, {Query: "nothing"}} {
		results := make(chan result)
		for range 12 {
			go func() {
				l, err := s.ListUsers(t.Context(), tn.ID, f)
				results <- result{l, err}
			}()
		}
		for range 12 {
			r := <-results
			if r.err != nil {
				t.Fatal(r.err)
			}
			switch f.Query {
			case "match":
				if !r.l.TotalCapped || r.l.Total != store.KeywordSortCap || r.l.SortedBy != "added" || r.l.Items[0].Username != "m0000" {
					t.Errorf("q=match: total %d capped %v, sorted by %q", r.l.Total, r.l.TotalCapped, r.l.SortedBy)
				}
			case "m0999":
				if r.l.Total != 1 || r.l.TotalCapped || len(r.l.Items) != 1 || r.l.Items[0].Username != "m0999" {
					t.Errorf("q=m0999: total %d, %d items", r.l.Total, len(r.l.Items))
				}
			default:
				if r.l.Total != 0 || len(r.l.Items) != 0 {
					t.Errorf("q=nothing: total %d, %d items", r.l.Total, len(r.l.Items))
				}
			}
		}
	}
}

// A search's count in steady use is counted again in the background before
// it expires; the renewed count still shows another replica's users within
// a second of their creation, and a change through the store at once.
func TestRenewedSearchCountsFollowChanges(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenTwice(t)
	tn, _ := mustTenant(t, a, "acme")
	mustUsers(t, a, tn.ID, "zebra", "hr", 2)
	now := time.Now()
	setClocks(&now, b)
	total := func(want int, when string) {
		t.Helper()
		l, err := b.ListUsers(t.Context(), tn.ID, store.UserFilter{Query: "zebra", Page: store.Page{Size: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if l.Total != want {
			t.Fatalf("%s: total %d, want %d", when, l.Total, want)
		}
	}
	total(2, "first")
	for range 3 {
		now = now.Add(countRenewAge)
		total(2, "cached or renewed")
	}
	mustUsers(t, a, tn.ID, "zebra-more", "hr", 3)
	for range 5 {
		now = now.Add(countRenewAge)
		time.Sleep(5 * time.Millisecond) // let a renewal run, or not
	}
	total(5, "over a second after another replica added 3")
	mustUsers(t, b, tn.ID, "zebra-b", "hr", 1)
	total(6, "at once after adding one")
	for range 3 {
		now = now.Add(countRenewAge)
		total(6, "cached or renewed after adding one")
	}
}

// countRenewAge is a step of the clock past which a cached count is renewed
// in the background, and two of which it expires (the read cache's TTL).
const countRenewAge = 501 * time.Millisecond

// The keyword index follows every way users are created, changed and
// removed.
func TestSearchIndexStaysInStep(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	ctx := t.Context()
	res, err := s.CreateUsers(ctx, tn.ID, []store.NewUser{{Username: "ada", Email: "ada@x.example"}, {Username: "bad name"}, {Username: "alan"}})
	if err != nil || len(res.Succeeded) != 2 {
		t.Fatalf("%v %+v", err, res)
	}
	u := mustUser(t, s, tn.ID, store.NewUser{Username: "grace", DisplayName: "Grace Hopper"})
	name := "Grace Brewster"
	if _, err := s.UpdateUser(ctx, tn.ID, u.ID, store.UserUpdate{DisplayName: &name}); err != nil {
		t.Fatal(err)
	}
	if err := seed.Users(ctx, s, tn.ID, seed.Options{Users: 50, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDelete}, []string{res.Succeeded[0].ID, res.Succeeded[0].ID, "u_zz"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSearchIndex(ctx); err != nil {
		t.Fatalf("search index out of step: %v", err)
	}
	if l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{Query: "brewster"}); l.Total != 1 {
		t.Fatal("the new display name is not searchable")
	}
	if l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{Query: "hopper"}); l.Total != 0 {
		t.Fatal("the old display name is still found")
	}
}

// Counts of a search are kept between pages, but a change through the
// store is counted at once, and one made by another process (another
// Store on the file) within a few seconds.
func TestSearchCountsFollowChanges(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "roster.db")
	s, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	total := func(f store.UserFilter) int {
		t.Helper()
		l, err := s.ListUsers(t.Context(), tn.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		return l.Total
	}
	search := store.UserFilter{Query: "zebra", Page: store.Page{Size: 1}}
	prefix := store.UserFilter{UsernamePrefix: "zebra", Status: store.StatusEnabled, Page: store.Page{Size: 1}}
	for i := range 3 {
		mustUser(t, s, tn.ID, store.NewUser{Username: fmt.Sprintf("zebra-%d", i), Password: "Correct horse 9"})
	}
	if got := total(search); got != 3 {
		t.Fatalf("search total = %d, want 3", got)
	}
	if got := total(prefix); got != 3 {
		t.Fatalf("prefix total = %d, want 3", got)
	}
	u := mustUser(t, s, tn.ID, store.NewUser{Username: "zebra-3", Password: "Correct horse 9"})
	if got, got2 := total(search), total(prefix); got != 4 || got2 != 4 {
		t.Fatalf("after a create: %d and %d, want 4", got, got2)
	}
	if _, err := s.ApplyUserAction(t.Context(), tn.ID, store.UserAction{Kind: store.ActionDisable}, []string{u.PublicID()}); err != nil {
		t.Fatal(err)
	}
	if got, got2 := total(search), total(prefix); got != 4 || got2 != 3 {
		t.Fatalf("after disabling one: %d and %d, want 4 and 3", got, got2)
	}

	other, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	mustUser(t, other, tn.ID, store.NewUser{Username: "zebra-4"})
	now = now.Add(6 * time.Second)
	if got := total(search); got != 5 {
		t.Fatalf("a user added by another process, seconds later: %d, want 5", got)
	}
}

// FTS5 maintains the keyword index with its own statements on its shadow
// tables; they must read ranges, not scan a million users' index (a stale
// statistic once made every segment merge a full scan).
func TestKeywordIndexMaintenanceUsesRanges(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	for _, q := range []string{
		`DELETE FROM users_fts_data WHERE id >= ? AND id <= ?`,
		`SELECT block FROM users_fts_data WHERE id >= ? AND id <= ?`,
		`SELECT pgno FROM users_fts_idx WHERE segid = ? AND term <= ? ORDER BY term DESC LIMIT 1`,
	} {
		plan, err := s.Plan(t.Context(), q, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(plan, "SCAN") || !strings.Contains(plan, "SEARCH") {
			t.Errorf("%s:\n%s", q, plan)
		}
	}
}

// Merging the keyword index leaves one segment and the same answers.
func TestOptimizeSearch(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	s.SetSearchMerge(false) // it would merge them too, while idle
	tn, _ := mustTenant(t, s, "acme")
	mustSearchSegments(t, s, tn.ID, 4)
	if n, _ := s.SearchSegments(t.Context()); n < 2 {
		t.Fatalf("%d segments before: the test needs several", n)
	}
	before := usernames(t, s, tn.ID, store.UserFilter{Query: "ch2-user1"})
	if err := s.OptimizeSearch(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SearchSegments(t.Context()); n != 1 || err != nil {
		t.Errorf("%d segments after, %v", n, err)
	}
	if after := usernames(t, s, tn.ID, store.UserFilter{Query: "ch2-user1"}); !slices.Equal(after, before) || len(after) != 11 {
		t.Errorf("after: %v, before: %v", after, before)
	}
	if err := s.CheckSearchIndex(t.Context()); err != nil {
		t.Error(err)
	}
}

// Users created in many batches leave the keyword index in many segments;
// once no write has come for a second the store merges them into one, a
// few steps a second, and searches answer as before.
func TestKeywordIndexIsMergedWhileIdle(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	s.SetSearchMerge(false)
	tn, _ := mustTenant(t, s, "acme")
	mustSearchSegments(t, s, tn.ID, 6)
	if n, _ := s.SearchSegments(t.Context()); n < 2 {
		t.Fatalf("%d segments before: the test needs several", n)
	}
	before := usernames(t, s, tn.ID, store.UserFilter{Query: "ch2-user1"})
	s.SetSearchMerge(true)
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := s.SearchSegments(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d segments 30 s after the last write, want 1", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if after := usernames(t, s, tn.ID, store.UserFilter{Query: "ch2-user1"}); !slices.Equal(after, before) || len(after) != 11 {
		t.Errorf("after: %v, before: %v", after, before)
	}
	if err := s.CheckSearchIndex(t.Context()); err != nil {
		t.Error(err)
	}
}

// A write transaction still running (a bulk load's runs for minutes) is not
// idleness: the background merge leaves the index alone at once instead of
// waiting for the write connection, which held up the checkpoints taken in
// the same loop and ended in a timeout.
func TestKeywordIndexMergeWaitsForNoWrite(t *testing.T) {
	t.Parallel()
	s := newSQLiteStore(t)
	s.SetSearchMerge(false)
	tn, _ := mustTenant(t, s, "acme")
	mustSearchSegments(t, s, tn.ID, 4)
	before, _ := s.SearchSegments(t.Context())
	started, release, loaded := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		loaded <- s.BulkLoad(t.Context(), tn.ID, func(*store.Loader) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	s.SetSearchMerge(true)
	start := time.Now()
	s.MergeSearchWhenIdle()
	if took := time.Since(start); took > time.Second {
		t.Errorf("the merge took %v while a write ran; want it to return at once", took)
	}
	close(release)
	if err := <-loaded; err != nil {
		t.Fatal(err)
	}
	if n, _ := s.SearchSegments(t.Context()); before < 2 || n < 1 {
		t.Errorf("%d segments before, %d after", before, n)
	}
	s.MergeSearchWhenIdle()
	if n, err := s.SearchSegments(t.Context()); n >= before || err != nil {
		t.Errorf("%d segments once idle (%d before), %v: want fewer", n, before, err)
	}
}

// mustSearchSegments creates batches batches of 50 users, each a
// transaction of its own and so a segment of the keyword index of its own.
func mustSearchSegments(t *testing.T, s *store.Store, tenant int64, batches int) {
	t.Helper()
	for b := range batches {
		var batch []store.NewUser
		for i := range 50 {
			batch = append(batch, store.NewUser{Username: fmt.Sprintf("batch%d-user%d", b, i), Email: fmt.Sprintf("u%d.%d@example.org", b, i)})
		}
		if _, err := s.CreateUsers(t.Context(), tenant, batch); err != nil {
			t.Fatal(err)
		}
	}
}
