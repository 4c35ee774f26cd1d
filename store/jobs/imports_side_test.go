package jobs

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"roster/store"
	"roster/store/userfile"
)

// fileOf is a CSV of users user-from to user-to (exclusive), each in org
// unit unit (none when empty) with a tag.
func fileOf(from, to int, unit func(i int) string) string {
	var f strings.Builder
	f.WriteString("username,external_id,display_name,org_unit,tag:team\n")
	for i := from; i < to; i++ {
		fmt.Fprintf(&f, "user-%d,E-%d,User %d,%s,team-%d\n", i, i, i, unit(i), i%3)
	}
	return f.String()
}

// On PostgreSQL the chunks of a file of new users are applied side by
// side; what they write is what one after another writes: every user with
// its audit event, an org unit that several of them create made once, its
// counts exact, and every row recorded as applied once.
func TestImportNewUsersSideBySide(t *testing.T) {
	st, tn, ctx := importTenant(t)
	defer func(n int) { importChunk = n }(importChunk)
	importChunk = 10
	var most, started atomic.Int64
	sideBySide = func(n int) {
		started.Add(1)
		if int64(n) > most.Load() {
			most.Store(int64(n))
		}
	}
	defer func() { sideBySide = nil }()
	const n = 100
	// The first chunk, which goes alone, names no unit: the later ones,
	// under way together, each find New/Team missing and create it.
	file := fileOf(0, n, func(i int) string {
		if i < 10 {
			return ""
		}
		return "New/Team"
	})
	imp := runImportFile(t, st, ctx, tn.ID, store.ImportOptions{Source: "hr", CreateOrgUnits: true}, file)
	if countsOf(imp) != (counts{created: n}) || imp.RowsDone != n {
		t.Fatalf("import %+v, want %d created", imp, n)
	}
	if want := min(st.ImportSideBySide(), 2); most.Load() < int64(want) && st.ImportSideBySide() > 1 {
		t.Errorf("at most %d chunks under way at once, want %d or more", most.Load(), want)
	}
	// A chunk failing beside others would leave the rest to go one at a
	// time: every chunk but the first goes side by side.
	if st.ImportSideBySide() > 1 && started.Load() != int64(n/importChunk-1) {
		t.Errorf("%d chunks started beside others, want %d", started.Load(), n/importChunk-1)
	}
	if st.ImportSideBySide() == 1 && most.Load() != 0 {
		t.Errorf("%d chunks side by side on an engine with one writer", most.Load())
	}
	if c := auditCount(t, st, tn.ID, "user.create"); c != n {
		t.Errorf("%d user.create events, want %d", c, n)
	}
	if c := auditCount(t, st, tn.ID, "org_unit.create"); c != 2 {
		t.Errorf("%d org_unit.create events, want New and Team once", c)
	}
	team := userNamed(t, st, tn.ID, "user-50")
	path, err := st.OrgUnitPath(t.Context(), tn.ID, team.OrgUnitID)
	if err != nil || len(path) != 3 || path[2].Name != "Team" {
		t.Fatalf("user-50's unit path %+v, %v", path, err)
	}
	for _, u := range path[1:] {
		got, err := st.GetOrgUnit(t.Context(), tn.ID, u.ID)
		want := map[string][2]int{"New": {0, n - 10}, "Team": {n - 10, n - 10}}[got.Name]
		if err != nil || [2]int{got.UserCount, got.SubtreeUserCount} != want {
			t.Errorf("%s counts %d, %d (in it, in its subtree), want %v (%v)", got.Name, got.UserCount, got.SubtreeUserCount, want, err)
		}
	}
	applied, err := st.AppliedImportRows(t.Context(), imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := 1
	for _, r := range applied {
		if r.First != next || r.Last < r.First {
			t.Fatalf("applied rows %+v: a gap or an overlap at row %d", applied, next)
		}
		next = r.Last + 1
	}
	if next != n+1 {
		t.Errorf("applied rows %+v end at %d, want %d", applied, next-1, n)
	}
}

// Rows that change users already there, and rows with errors, are not
// applied beside other chunks: the store refuses such a chunk before
// writing anything, and the import applies it alone. An import with errors
// in many chunks lists them in the file's order.
func TestImportChunkRefusedBesideOthers(t *testing.T) {
	st, tn, ctx := importTenant(t)
	defer func(n int) { importChunk = n }(importChunk)
	importChunk = 2
	runImportFile(t, st, ctx, tn.ID, store.ImportOptions{Source: "hr"}, fileOf(0, 2, func(int) string { return "" }))
	imp, err := CreateImport(ctx, st, tn.ID, store.ImportOptions{Source: "hr"}, "users.csv",
		strings.NewReader("username,display_name,groups\nuser-0,Changed,\nnew-1,New,Nobody\n"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := func(row int) []store.ImportRecord {
		r, err := userfile.NewReader(strings.NewReader("username,display_name,groups\nuser-0,Changed,\nnew-1,New,Nobody\n"))
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := r.Next()
			var re userfile.RowErrors
			if err != nil && !errors.As(err, &re) {
				t.Fatal(err)
			}
			if rec.Row == row {
				return []store.ImportRecord{{Row: rec.Row, Record: rec, Errs: re}}
			}
		}
	}
	if _, err := st.ApplyImportRows(t.Context(), imp, 0, chunk(1), true); !errors.Is(err, store.ErrImportUpdates) {
		t.Errorf("a chunk updating user-0 beside others: %v, want ErrImportUpdates", err)
	}
	if _, err := st.ApplyImportRows(t.Context(), imp, 0, chunk(2), true); !errors.Is(err, store.ErrImportRowErrors) {
		t.Errorf("a chunk with a row naming no group beside others: %v, want ErrImportRowErrors", err)
	}
	if u := userNamed(t, st, tn.ID, "user-0"); u.DisplayName != "User 0" {
		t.Errorf("a refused chunk changed user-0: %q", u.DisplayName)
	}
	if applied, err := st.AppliedImportRows(t.Context(), imp.ID); len(applied) != 0 || err != nil {
		t.Errorf("refused chunks recorded as applied: %+v, %v", applied, err)
	}
	quietRunner(st).run(t.Context(), mustClaim(t, st))
	if imp = mustImport(t, st, imp); countsOf(imp) != (counts{updated: 1, failed: 1}) {
		t.Errorf("the import applied alone: %+v", countsOf(imp))
	}

	// Every third row names a group there is none of.
	var f strings.Builder
	f.WriteString("username,groups\n")
	var want []string
	for i := range 30 {
		group := "Engineers"
		if i%3 == 1 {
			group, want = "Nobody", append(want, fmt.Sprint(i+1))
		}
		fmt.Fprintf(&f, "many-%d,%s\n", i, group)
	}
	many := runImportFile(t, st, ctx, tn.ID, store.ImportOptions{}, f.String())
	if countsOf(many) != (counts{created: 20, failed: 10}) {
		t.Fatalf("import %+v", countsOf(many))
	}
	rows, err := st.ImportRows(t.Context(), tn.ID, many.ID, 0, 100, true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprint(r.Row))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("errors at rows %v, want %v in the file's order", got, want)
	}
}

// An import whose chunks were applied out of the file's order (side by
// side, then stopped) resumes with the rows no chunk applied, each once.
func TestImportResumedAroundChunksAppliedOutOfOrder(t *testing.T) {
	st, tn, ctx := importTenant(t)
	defer func(n int) { importChunk = n }(importChunk)
	importChunk = 2
	file := fileOf(0, 7, func(int) string { return "" })
	imp, err := CreateImport(ctx, st, tn.ID, store.ImportOptions{Source: "hr"}, "users.csv", strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	r, err := userfile.NewReader(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var rows []store.ImportRecord
	for range 7 {
		rec, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, store.ImportRecord{Row: rec.Row, Record: rec})
	}
	// Rows 5 and 6 committed; rows 1 to 4 were under way when the
	// process died.
	if c, err := st.ApplyImportRows(t.Context(), imp, 0, rows[4:6], false); err != nil || c.Created != 2 {
		t.Fatalf("rows 5-6: %+v, %v", c, err)
	}
	quietRunner(st).run(t.Context(), mustClaim(t, st))
	imp = mustImport(t, st, imp)
	if countsOf(imp) != (counts{created: 7}) || imp.RowsDone != 7 {
		t.Errorf("import %+v, want 7 created once each", imp)
	}
	if c := auditCount(t, st, tn.ID, "user.create"); c != 7 {
		t.Errorf("%d user.create events, want 7", c)
	}
	applied, err := st.AppliedImportRows(t.Context(), imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(applied) != "[{1 2} {3 4} {5 6} {7 7}]" {
		t.Errorf("applied rows %v", applied)
	}
}
