package store_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"roster/store"
	"roster/store/userfile"
)

// readRecords reads every record of a users' file.
func readRecords(t testing.TB, file string) []store.ImportRecord {
	t.Helper()
	r, err := userfile.NewReader(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var recs []store.ImportRecord
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return recs
		}
		var re userfile.RowErrors
		if err != nil && !errors.As(err, &re) {
			t.Fatal(err)
		}
		recs = append(recs, store.ImportRecord{Row: rec.Row, Record: rec, Errs: re})
	}
}

// A file's repeated usernames and external ids are found as it is read
// once: every one repeated is, whatever its case or spaces, and of the
// keys named once few are taken for repeated.
func TestRepeatFinderFindsEveryRepeatedKey(t *testing.T) {
	var f strings.Builder
	f.WriteString("username,external_id\n")
	const n = 20000
	for i := range n {
		fmt.Fprintf(&f, "user-%d,E-%d\n", i, i)
	}
	f.WriteString(" USER-7 ,E-new\nother,E-9\n")
	finder := store.NewRepeatFinder(int64(f.Len()))
	for _, r := range readRecords(t, f.String()) {
		finder.Add(r.Record)
	}
	rep := finder.Repeated()
	for _, k := range []string{"u:user-7", "e:E-9"} {
		if !rep.Maybe(k) {
			t.Errorf("%s is repeated; Maybe says not", k)
		}
	}
	taken := 0
	for i := range n {
		if i != 7 && rep.Maybe(fmt.Sprintf("u:user-%d", i)) {
			taken++
		}
		if i != 9 && rep.Maybe(fmt.Sprintf("e:E-%d", i)) {
			taken++
		}
	}
	if taken > 2*n*5/100 {
		t.Errorf("%d of %d keys named once taken for repeated", taken, 2*n)
	}
	var unknown *store.RepeatedKeys
	if !unknown.Maybe("u:anyone") {
		t.Error("unknown repeats say a key is not repeated")
	}
}

// An import records the users its rows create for later chunks to find
// only under the keys its file repeats; a dry run applied keeps what its
// file repeats.
func TestImportRecordsOnlyRepeatedKeys(t *testing.T) {
	s := newTestStore(t)
	tn, owner := mustTenant(t, s, "acme")
	ctx := store.WithActor(t.Context(), store.Actor{Type: store.ActorAdmin, ID: owner.PublicID(), Name: owner.Username})
	file := "username,external_id\nada,E-1\nbob,E-2\nAda,E-3\ncyd,E-2\n"
	recs := readRecords(t, file)
	finder := store.NewRepeatFinder(int64(len(file)))
	for _, r := range recs {
		finder.Add(r.Record)
	}
	imp, err := s.CreateImport(ctx, tn.ID, store.ImportOptions{Source: "hr", DryRun: true}, store.ImportFile{
		Name: "users.csv", Format: userfile.FormatCSV, Rows: len(recs), Body: strings.NewReader(file), Repeated: finder.Repeated()})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Repeated, err = s.ImportRepeatedKeys(ctx, imp.ID); err != nil || imp.Repeated == nil {
		t.Fatalf("ImportRepeatedKeys = %v, %v", imp.Repeated, err)
	}
	for _, chunk := range [][]store.ImportRecord{recs[:2], recs[2:]} {
		if _, err := s.ApplyImportRows(ctx, imp, 0, chunk, false); err != nil {
			t.Fatal(err)
		}
	}
	names, err := s.ImportCreatedNames(ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	// ada and E-2 are named twice, bob and E-1 once (E-3 and cyd come
	// after the first chunk and create nothing here).
	for _, k := range []string{"u:ada", "e:E-2"} {
		if !slices.Contains(names, k) {
			t.Errorf("recorded %v, want %s among them", names, k)
		}
	}
	for _, k := range []string{"u:bob", "e:E-1"} {
		if slices.Contains(names, k) {
			t.Errorf("recorded %v: %s is named once", names, k)
		}
	}
	rows, err := s.ImportRows(ctx, tn.ID, imp.ID, 0, 10, true)
	if err != nil || len(rows) != 2 || rows[0].Row != 3 || rows[1].Row != 4 {
		t.Errorf("errors %+v, %v: want rows 3 and 4, repeating rows 1 and 2", rows, err)
	}
	applied, err := s.ApplyImport(ctx, tn.ID, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportRepeatedKeys(ctx, applied.ID)
	if err != nil || rep == nil || !rep.Maybe("u:ada") || !rep.Maybe("e:E-2") {
		t.Errorf("the applied import's repeated keys: %v, %v", rep, err)
	}
}
