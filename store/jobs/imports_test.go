package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"roster/store"
	"roster/store/storetest"
)

// importTenant opens a store with tenant acme holding groups Engineers and
// Admins and a text property cost_center, and returns a context acting as
// its administrator.
func importTenant(t *testing.T) (*store.Store, store.Tenant, context.Context) {
	t.Helper()
	st, err := store.Open(t.Context(), storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tn, err := st.CreateTenant(t.Context(), "Acme", "acme")
	if err != nil {
		t.Fatal(err)
	}
	ctx := store.WithActor(t.Context(), store.Actor{Type: store.ActorAdmin, ID: "adm_1", Name: "alice"})
	for _, g := range []string{"Engineers", "Admins"} {
		if _, err := st.CreateGroup(ctx, tn.ID, g, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "cost_center", DisplayName: "Cost center", Type: "text"}); err != nil {
		t.Fatal(err)
	}
	return st, tn, ctx
}

// runImportFile imports file as a job run to its end, and returns the
// import as it ended.
func runImportFile(t *testing.T, st *store.Store, ctx context.Context, tenant int64, o store.ImportOptions, file string) store.Import {
	t.Helper()
	f := strings.NewReader(file)
	imp, err := CreateImport(ctx, st, tenant, o, "users.csv", f)
	if err != nil {
		t.Fatalf("CreateImport: %v", err)
	}
	quietRunner(st).run(context.Background(), mustClaim(t, st))
	return mustImport(t, st, imp)
}

func mustImport(t *testing.T, st *store.Store, imp store.Import) store.Import {
	t.Helper()
	imp, err := st.GetImport(t.Context(), imp.TenantID, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	return imp
}

type counts struct{ created, updated, unchanged, disabled, failed int }

func countsOf(imp store.Import) counts {
	return counts{imp.Created, imp.Updated, imp.Unchanged, imp.Disabled, imp.Failed}
}

func auditCount(t *testing.T, st *store.Store, tenant int64, action string) int {
	t.Helper()
	l, err := st.ListAuditEvents(t.Context(), tenant, store.AuditFilter{Action: action, Page: store.Page{Size: store.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	return len(l.Items)
}

func userNamed(t *testing.T, st *store.Store, tenant int64, name string) store.User {
	t.Helper()
	ids, err := st.UserIDsByUsername(t.Context(), tenant, []string{name})
	if err != nil || ids[name] == "" {
		t.Fatalf("no user %s: %v", name, err)
	}
	id, _ := store.ParseID(store.PrefixUser, ids[name])
	u, err := st.GetUser(t.Context(), tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The example file of the README imports cleanly: its users are created
// in their units (created as asked), groups and cost centers; imported
// again it changes nothing and writes no audit event; a changed cell
// updates that user alone.
func TestImportExampleFileThenAgainUnchanged(t *testing.T) {
	st, tn, ctx := importTenant(t)
	example, err := os.ReadFile("../userfile/testdata/example.csv")
	if err != nil {
		t.Fatal(err)
	}
	o := store.ImportOptions{Source: "hr", CreateOrgUnits: true}
	imp := runImportFile(t, st, ctx, tn.ID, o, string(example))
	if got := countsOf(imp); got != (counts{created: 3}) || imp.RowsDone != 3 || imp.TotalRows != 3 {
		t.Fatalf("first import %+v", imp)
	}
	ada := userNamed(t, st, tn.ID, "ada")
	if ada.SourceType != store.SourceImport || ada.SourceID != "hr" || ada.ExternalID != "E-1001" || ada.Status != store.StatusEnabled ||
		ada.Tags["team"] != "analytics" || ada.Properties["cost_center"].Values[0] != "CC-100" || !ada.EmailVerified {
		t.Errorf("ada = %+v", ada)
	}
	path, err := st.OrgUnitPath(t.Context(), tn.ID, ada.OrgUnitID)
	if err != nil || len(path) != 3 || path[1].Name != "Engineering" || path[2].Name != "Research" {
		t.Errorf("ada's unit path = %+v, %v", path, err)
	}
	groups, err := st.UserGroups(t.Context(), tn.ID, ada.ID)
	if err != nil || len(groups) != 2 {
		t.Errorf("ada's groups = %+v, %v", groups, err)
	}
	events := auditCount(t, st, tn.ID, "user.")

	again := runImportFile(t, st, ctx, tn.ID, o, string(example))
	if got := countsOf(again); got != (counts{unchanged: 3}) {
		t.Errorf("second import %+v, want 3 unchanged", got)
	}
	if n := auditCount(t, st, tn.ID, "user."); n != events {
		t.Errorf("unchanged rows wrote %d user events", n-events)
	}

	changed := strings.Replace(string(example), "Grace Hopper", "Rear Admiral Grace Hopper", 1)
	changed = strings.Replace(changed, "Engineering,Engineers,compilers", "Engineering,Admins,compilers", 1)
	third := runImportFile(t, st, ctx, tn.ID, o, changed)
	if got := countsOf(third); got != (counts{updated: 1, unchanged: 2}) {
		t.Errorf("third import %+v, want grace updated", got)
	}
	grace := userNamed(t, st, tn.ID, "grace")
	gg, _ := st.UserGroups(t.Context(), tn.ID, grace.ID)
	if grace.DisplayName != "Rear Admiral Grace Hopper" || len(gg) != 1 || gg[0].Name != "Admins" {
		t.Errorf("grace = %q in %+v", grace.DisplayName, gg)
	}
}

// A row naming another org unit moves its user there, counted: the units
// it left (Berlin, and EMEA and Sales above it) lose the user, the new
// unit and those above it that the old one did not share gain it.
func TestImportMovingAUserKeepsUnitCounts(t *testing.T) {
	st, tn, ctx := importTenant(t)
	example, err := os.ReadFile("../userfile/testdata/example.csv")
	if err != nil {
		t.Fatal(err)
	}
	o := store.ImportOptions{Source: "hr", CreateOrgUnits: true}
	runImportFile(t, st, ctx, tn.ID, o, string(example))
	berlin, err := st.OrgUnitPath(t.Context(), tn.ID, userNamed(t, st, tn.ID, "katherine").OrgUnitID)
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(string(example), "Sales/EMEA/Berlin", "Engineering/Research", 1)
	if imp := runImportFile(t, st, ctx, tn.ID, o, moved); countsOf(imp) != (counts{updated: 1, unchanged: 2}) {
		t.Fatalf("moving import %+v, want katherine updated", countsOf(imp))
	}
	research, err := st.OrgUnitPath(t.Context(), tn.ID, userNamed(t, st, tn.ID, "katherine").OrgUnitID)
	if err != nil {
		t.Fatal(err)
	}
	// Counts of each unit: users in it, in its subtree.
	want := map[string][2]int{"Sales": {0, 0}, "EMEA": {0, 0}, "Berlin": {0, 0}, "Engineering": {1, 3}, "Research": {2, 2}}
	want[research[0].Name] = [2]int{0, 3}
	for _, u := range append(berlin, research[1:]...) {
		got, err := st.GetOrgUnit(t.Context(), tn.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c := [2]int{got.UserCount, got.SubtreeUserCount}; c != want[got.Name] {
			t.Errorf("%s counts %v (in it, in its subtree), want %v", got.Name, c, want[got.Name])
		}
	}
}

// A row that cannot be applied is reported with its row, column and why,
// and takes nothing else down; a dry run classifies every row as the real
// run then does, disabling included, and changes nothing.
func TestImportDryRunClassifiesAsTheRealRun(t *testing.T) {
	st, tn, ctx := importTenant(t)
	seed := "username,external_id,display_name\nold,X-1,Old Timer\nkeep,X-2,Keeper\nleft,X-3,Left Behind\n"
	if imp := runImportFile(t, st, ctx, tn.ID, store.ImportOptions{Source: "hr"}, seed); countsOf(imp) != (counts{created: 3}) {
		t.Fatalf("seed import %+v", imp)
	}
	if _, err := st.CreateUser(ctx, tn.ID, store.NewUser{Username: "local"}); err != nil {
		t.Fatal(err)
	}
	file := "username,external_id,display_name,email,org_unit,groups,property:cost_center\n" +
		"renamed,X-1,Old Timer,,,,\n" + // matched by external id: renamed
		"keep,X-2,Keeper,,,,\n" + // unchanged
		"new,X-9,Newcomer,new@example.com,,Engineers,CC-1\n" + // created
		"bad,X-8,Bad,not-an-email,,,\n" + // error: email
		"lost,X-7,Lost,,Nowhere/Land,,\n" + // error: no such unit
		"nogroup,X-6,No Group,,,Sailors,\n" // error: no such group
	o := store.ImportOptions{Source: "hr", Sync: true, DryRun: true}
	users, _ := st.CountUsers(t.Context(), tn.ID, store.UserFilter{})
	events := auditCount(t, st, tn.ID, "user.")
	dry := runImportFile(t, st, ctx, tn.ID, o, file)
	want := counts{created: 1, updated: 1, unchanged: 1, disabled: 1, failed: 3}
	if got := countsOf(dry); got != want {
		t.Errorf("dry run %+v, want %+v", got, want)
	}
	if n, _ := st.CountUsers(t.Context(), tn.ID, store.UserFilter{}); n != users || auditCount(t, st, tn.ID, "user.") != events {
		t.Error("the dry run changed the directory")
	}
	rows, err := st.ImportRows(t.Context(), tn.ID, dry.ID, 0, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join([]string{strconv.Itoa(r.Row), r.Username, r.Action, r.Column, r.Message}, "|"))
	}
	wantRows := []string{
		"1|renamed|update||",
		"3|new|create||",
		"4|bad|error|email|Enter an email address like name@example.com.",
		"5|lost|error|org_unit|There is no org unit Nowhere; import with create_org_units to create it.",
		"6|nogroup|error|groups|There is no group named \"Sailors\".",
		"0|left|disable||",
	}
	if strings.Join(got, "\n") != strings.Join(wantRows, "\n") {
		t.Errorf("rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
	}

	o.DryRun = false
	real := runImportFile(t, st, ctx, tn.ID, o, file)
	if got := countsOf(real); got != want {
		t.Errorf("real run %+v, want %+v as the dry run said", got, want)
	}
	if u := userNamed(t, st, tn.ID, "left"); u.Status != store.StatusDisabled {
		t.Errorf("left is %s, want disabled by sync", u.Status)
	}
	if u := userNamed(t, st, tn.ID, "local"); u.Status == store.StatusDisabled {
		t.Error("sync disabled a user of no source")
	}
	if u := userNamed(t, st, tn.ID, "renamed"); u.ExternalID != "X-1" {
		t.Errorf("renamed = %+v", u)
	}
}

// An import stopped between two chunks (its server stopping, or killed
// after a chunk committed) and resumed applies each row once: the rows of
// the chunks it applied are skipped, and a chunk applied again is not.
func TestImportResumedAppliesEachRowOnce(t *testing.T) {
	st, tn, ctx := importTenant(t)
	defer func(n int) { importChunk = n }(importChunk)
	importChunk = 2
	var file strings.Builder
	file.WriteString("username,display_name\n")
	for i := range 7 {
		file.WriteString("user-" + strconv.Itoa(i) + ",User " + strconv.Itoa(i) + "\n")
	}
	imp, err := CreateImport(ctx, st, tn.ID, store.ImportOptions{Source: "hr"}, "users.csv", strings.NewReader(file.String()))
	if err != nil {
		t.Fatal(err)
	}
	// The server stops while the first chunk is applied: the job ends
	// after it, interrupted.
	stopping, stop := context.WithCancel(context.Background())
	stop()
	quietRunner(st).run(stopping, mustClaim(t, st))
	imp = mustImport(t, st, imp)
	j, err := st.GetJob(t.Context(), tn.ID, imp.JobID)
	if err != nil || j.Status != store.JobFailed || imp.RowsDone != 2 || imp.Created != 2 {
		t.Fatalf("stopped import %+v, job %+v, %v", imp, j, err)
	}
	if j.Done != 2 {
		t.Errorf("stopped job counts %d rows done, want the 2 its chunk applied", j.Done)
	}
	// A chunk whose transaction committed is neither applied nor counted
	// again, as when the process died before it learnt of the commit.
	rec := store.ImportRecord{Row: 2}
	rec.Record.User.Username = "user-1"
	if c, err := st.ApplyImportRows(t.Context(), imp, imp.JobID, []store.ImportRecord{rec}, false); err != nil || c.Created+c.Updated+c.Unchanged+c.Failed != 0 {
		t.Errorf("chunk applied again: %+v, %v", c, err)
	}
	if again, err := st.GetJob(t.Context(), tn.ID, imp.JobID); err != nil || again.Done != 2 {
		t.Errorf("job after the chunk came again: %+v, %v", again, err)
	}
	// A chunk for a job that no longer runs (failed as interrupted after
	// its lease lapsed) leaves nothing behind: its rows are applied with
	// the job's progress or not at all.
	rec = store.ImportRecord{Row: 3}
	rec.Record.User.Username = "user-2"
	if _, err := st.ApplyImportRows(t.Context(), imp, imp.JobID, []store.ImportRecord{rec}, false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("chunk of a job not running = %v, want ErrNotFound", err)
	}
	if imp = mustImport(t, st, imp); imp.RowsDone != 2 || imp.Created != 2 {
		t.Errorf("a refused chunk moved the import: %+v", imp)
	}

	if _, err := st.ResumeImport(ctx, tn.ID, imp.ID); err != nil {
		t.Fatal(err)
	}
	resumed := mustClaim(t, st)
	if resumed.Done != 2 || resumed.Total != 7 {
		t.Errorf("resumed job starts at %d of %d, want 2 of 7", resumed.Done, resumed.Total)
	}
	quietRunner(st).run(context.Background(), resumed)
	imp = mustImport(t, st, imp)
	if countsOf(imp) != (counts{created: 7}) || imp.RowsDone != 7 {
		t.Errorf("resumed import %+v", imp)
	}
	if n := auditCount(t, st, tn.ID, "user.create"); n != 7 {
		t.Errorf("%d user.create events, want one a row", n)
	}
	if _, err := st.ResumeImport(ctx, tn.ID, imp.ID); err == nil {
		t.Error("a finished import resumed")
	}
}

// A dry run is applied as a new import of the same file and options.
func TestImportApplyADryRun(t *testing.T) {
	st, tn, ctx := importTenant(t)
	dry := runImportFile(t, st, ctx, tn.ID, store.ImportOptions{DryRun: true}, "username\nada\nbob\n")
	if countsOf(dry) != (counts{created: 2}) {
		t.Fatalf("dry run %+v", dry)
	}
	imp, err := st.ApplyImport(ctx, tn.ID, dry.ID)
	if err != nil {
		t.Fatal(err)
	}
	quietRunner(st).run(context.Background(), mustClaim(t, st))
	if imp = mustImport(t, st, imp); imp.DryRun || countsOf(imp) != (counts{created: 2}) {
		t.Errorf("applied %+v", imp)
	}
	if _, err := st.ApplyImport(ctx, tn.ID, imp.ID); err == nil {
		t.Error("an import that was no dry run applied again")
	}
}

// A file that cannot be imported at all is refused before anything is
// stored, saying why.
func TestImportRefusesAFileItCannotRead(t *testing.T) {
	st, tn, ctx := importTenant(t)
	for file, want := range map[string]string{
		"email\nx@example.com\n": "no username column",
		"username\n":             "holds no users",
	} {
		_, err := CreateImport(ctx, st, tn.ID, store.ImportOptions{}, "f.csv", strings.NewReader(file))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", file, err, want)
		}
	}
	if _, err := CreateImport(ctx, st, tn.ID, store.ImportOptions{Sync: true}, "f.csv", strings.NewReader("username\nada\n")); err == nil {
		t.Error("a sync import without a source was taken")
	}
}

// JSON Lines import the same way: a line's keys are its columns, so a
// tag or property it lacks stays as it was, and null clears one.
func TestImportJSONLines(t *testing.T) {
	st, tn, ctx := importTenant(t)
	first := `{"username":"ada","groups":["Engineers"],"tags":{"team":"core","floor":"3"},"properties":{"cost_center":"CC-1"}}` + "\n"
	if imp := runImportFile(t, st, ctx, tn.ID, store.ImportOptions{}, first); countsOf(imp) != (counts{created: 1}) || imp.Format != "jsonl" {
		t.Fatalf("first import %+v", imp)
	}
	next := `{"username":"ada","tags":{"floor":null},"properties":{"cost_center":"CC-2"}}` + "\n" +
		`{"username":"ada2","properties":{"shoe_size":44}}` + "\n"
	imp := runImportFile(t, st, ctx, tn.ID, store.ImportOptions{}, next)
	if countsOf(imp) != (counts{updated: 1, failed: 1}) {
		t.Errorf("second import %+v", imp)
	}
	ada := userNamed(t, st, tn.ID, "ada")
	groups, _ := st.UserGroups(t.Context(), tn.ID, ada.ID)
	if len(ada.Tags) != 1 || ada.Tags["team"] != "core" || ada.Properties["cost_center"].Values[0] != "CC-2" || len(groups) != 1 {
		t.Errorf("ada = tags %v, properties %v, groups %v", ada.Tags, ada.Properties, groups)
	}
	rows, err := st.ImportRows(t.Context(), tn.ID, imp.ID, 0, 10, true)
	if err != nil || len(rows) != 1 || rows[0].Row != 2 || rows[0].Column != "property:shoe_size" {
		t.Errorf("errors = %+v, %v", rows, err)
	}
}

// Each chunk counts its rows into the import's job in its own
// transaction: the job's done and failed are the import's, chunk by chunk,
// with the failed rows' reasons.
func TestImportCountsEachChunkIntoItsJob(t *testing.T) {
	st, tn, ctx := importTenant(t)
	defer func(n int) { importChunk = n }(importChunk)
	importChunk = 2
	imp := runImportFile(t, st, ctx, tn.ID, store.ImportOptions{}, "username,groups\nada,Engineers\nbob,Nobody\ncyd,\nada,\ndan,\n")
	if countsOf(imp) != (counts{created: 3, failed: 2}) || imp.RowsDone != 5 {
		t.Fatalf("import %+v", imp)
	}
	j, err := st.GetJob(t.Context(), tn.ID, imp.JobID)
	if err != nil || j.Status != store.JobDone || j.Done != 3 || j.Failed != 2 || j.Total != 5 {
		t.Fatalf("job %+v, %v", j, err)
	}
	if len(j.Failures) != 2 || j.Failures[0].Item != "row 2" || !strings.HasPrefix(j.Failures[0].Message, "groups: ") ||
		j.Failures[1].Item != "row 4" || !strings.HasPrefix(j.Failures[1].Message, "username: ") {
		t.Errorf("job failures %+v", j.Failures)
	}
}

// A new user's username or external id given again in a later chunk of
// the file fails that row as it would within one chunk: a dry run says so
// as the real run does, row for row, rather than creating the user twice.
func TestImportNewUserTwiceAcrossChunks(t *testing.T) {
	defer func(n int) { importChunk = n }(importChunk)
	importChunk = 2
	file := "username,external_id,display_name\n" +
		"ada,E-1,Ada\n" +
		"bob,E-2,Bob\n" +
		"ada,E-3,Ada again\n" + // chunk 2: ada is row 1's
		"cyd,E-1,Cyd\n" + // E-1 is row 1's
		"dan,E-4,Dan\n" // chunk 3
	want := counts{created: 3, failed: 2}
	wantRows := []string{
		"3|ada|error|username|Row 1 of the file has this username too.",
		"4|cyd|error|external_id|Row 1 of the file has this external id too.",
	}
	for _, dry := range []bool{true, false} {
		st, tn, ctx := importTenant(t)
		imp := runImportFile(t, st, ctx, tn.ID, store.ImportOptions{Source: "hr", DryRun: dry}, file)
		if got := countsOf(imp); got != want {
			t.Errorf("dry run %t: %+v, want %+v", dry, got, want)
		}
		rows, err := st.ImportRows(t.Context(), tn.ID, imp.ID, 0, 100, true)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, strings.Join([]string{strconv.Itoa(r.Row), r.Username, r.Action, r.Column, r.Message}, "|"))
		}
		if strings.Join(got, "\n") != strings.Join(wantRows, "\n") {
			t.Errorf("dry run %t, errors:\n%s\nwant\n%s", dry, strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
		}
		// A real run shows its errors alone; a dry run what each row does.
		all, err := st.ImportRows(t.Context(), tn.ID, imp.ID, 0, 100, false)
		if wantAll := len(wantRows) + map[bool]int{true: 3}[dry]; err != nil || len(all) != wantAll {
			t.Errorf("dry run %t: %d rows shown, want %d (%v)", dry, len(all), wantAll, err)
		}
	}
}

// A file of whole chunks of the store's size and one row more is applied
// as a file of a few rows is: the statements of a whole chunk, kept
// prepared once the first has committed, write the next chunk's users
// with their own values.
func TestImportWholeChunks(t *testing.T) {
	st, tn, ctx := importTenant(t)
	n := 2*st.ImportChunk() + 1
	var f strings.Builder
	f.WriteString("username,external_id,display_name,groups,tag:team,property:cost_center\n")
	for i := range n {
		fmt.Fprintf(&f, "user-%d,E-%d,User %d,Engineers,team-%d,CC-%d\n", i, i, i, i%7, i)
	}
	imp := runImportFile(t, st, ctx, tn.ID, store.ImportOptions{Source: "hr"}, f.String())
	if countsOf(imp) != (counts{created: n}) || imp.RowsDone != n {
		t.Fatalf("import %+v, want %d created", imp, n)
	}
	j, err := st.GetJob(t.Context(), tn.ID, imp.JobID)
	if err != nil || j.Status != store.JobDone || j.Done != n {
		t.Fatalf("job %+v, %v", j, err)
	}
	for _, i := range []int{0, st.ImportChunk() - 1, st.ImportChunk() + 7, n - 1} {
		u := userNamed(t, st, tn.ID, fmt.Sprintf("user-%d", i))
		groups, err := st.GroupsOfUsers(t.Context(), tn.ID, []int64{u.ID})
		if err != nil {
			t.Fatal(err)
		}
		if u.ExternalID != fmt.Sprintf("E-%d", i) || u.DisplayName != fmt.Sprintf("User %d", i) ||
			u.Tags["team"] != fmt.Sprintf("team-%d", i%7) || len(groups[u.ID]) != 1 ||
			fmt.Sprint(u.Properties["cost_center"].Values) != fmt.Sprintf("[CC-%d]", i) {
			t.Errorf("row %d: user %+v, groups %v", i+1, u, groups[u.ID])
		}
	}
}
