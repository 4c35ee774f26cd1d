package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/store"
	"roster/store/seed"
)

func mustUser(t *testing.T, s *store.Store, tenant int64, n store.NewUser) store.User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), tenant, n)
	if err != nil {
		t.Fatalf("CreateUser(%q) = %v", n.Username, err)
	}
	return u
}

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "taken", SourceType: "ldap", SourceID: "corp", ExternalID: "e-1"})
	long := func(n int) string { return strings.Repeat("x", n) }
	tags := map[string]string{}
	for i := range 51 {
		tags[fmt.Sprintf("k%d", i)] = "v"
	}
	tests := []struct {
		name  string
		in    store.NewUser
		field string // "" means valid
	}{
		{"minimal", store.NewUser{Username: "ada"}, ""},
		{"every field", store.NewUser{Username: "grace.h@navy_1-x", DisplayName: "Grace Hopper", Description: "COBOL",
			Email: "grace@example.com", PhoneRegion: "+1", PhoneNumber: "2025550123", Language: "en-gb",
			Timezone: "America/New_York", Tags: map[string]string{"team": "compilers"}, RequiredActions: []string{"verify_email"},
			SourceType: "csv", SourceID: "hr-2026", ExternalID: "E-9", UserType: "api_user", Status: "disabled"}, ""},
		{"username upper case is folded", store.NewUser{Username: "ALAN"}, ""},
		{"username too short", store.NewUser{Username: "ab"}, "username"},
		{"username too long", store.NewUser{Username: long(65)}, "username"},
		{"username bad character", store.NewUser{Username: "a b c"}, "username"},
		{"username starts with dot", store.NewUser{Username: ".abc"}, "username"},
		{"username taken in another case", store.NewUser{Username: "TAKEN"}, "username"},
		{"username with control character", store.NewUser{Username: "ab\x00c"}, "username"},
		{"display name too long", store.NewUser{Username: "dn1", DisplayName: long(129)}, "display_name"},
		{"display name not UTF-8", store.NewUser{Username: "dn2", DisplayName: "bad \xff byte"}, "display_name"},
		{"display name with control character", store.NewUser{Username: "dn3", DisplayName: "tab\there"}, "display_name"},
		{"description too long", store.NewUser{Username: "de1", Description: long(257)}, "description"},
		{"email invalid", store.NewUser{Username: "em1", Email: "not-an-email"}, "email"},
		{"email with display part", store.NewUser{Username: "em2", Email: "Ada <ada@example.com>"}, "email"},
		{"phone region letters", store.NewUser{Username: "ph1", PhoneRegion: "uk", PhoneNumber: "12345"}, "phone_region"},
		{"phone number with spaces", store.NewUser{Username: "ph2", PhoneRegion: "44", PhoneNumber: "20 7946 0000"}, "phone_number"},
		{"phone number without region", store.NewUser{Username: "ph3", PhoneNumber: "79460000"}, "phone_region"},
		{"phone number too long", store.NewUser{Username: "ph4", PhoneRegion: "44", PhoneNumber: "1234567890123456"}, "phone_number"},
		{"unknown time zone", store.NewUser{Username: "tz1", Timezone: "Mars/Olympus"}, "timezone"},
		{"Local is not a zone name", store.NewUser{Username: "tz2", Timezone: "Local"}, "timezone"},
		{"bad language tag", store.NewUser{Username: "la1", Language: "english please"}, "language"},
		{"too many tags", store.NewUser{Username: "tg1", Tags: tags}, "tags"},
		{"bad tag key", store.NewUser{Username: "tg2", Tags: map[string]string{"has space": "v"}}, "tags"},
		{"tag value too long", store.NewUser{Username: "tg3", Tags: map[string]string{"k": long(257)}}, "tags"},
		{"unknown required action", store.NewUser{Username: "ra1", RequiredActions: []string{"dance"}}, "required_actions"},
		{"unknown status", store.NewUser{Username: "st1", Status: "deleted"}, "status"},
		{"unknown user type", store.NewUser{Username: "ut1", UserType: "robot"}, "user_type"},
		{"bad source type", store.NewUser{Username: "so1", SourceType: "LDAP!"}, "source_type"},
		{"external id taken in its source", store.NewUser{Username: "ex1", SourceType: "ldap", SourceID: "corp", ExternalID: "e-1"}, "external_id"},
		{"same external id in another source", store.NewUser{Username: "ex2", SourceType: "ldap", SourceID: "other", ExternalID: "e-1"}, ""},
		{"weak password", store.NewUser{Username: "pw1", Password: "alllowercase"}, "password"},
		{"password is the username", store.NewUser{Username: "Pw2-Longname", Password: "Pw2-Longname"}, "password"},
		{"unknown org unit", store.NewUser{Username: "ou1", OrgUnitID: 9999}, "org_unit_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.CreateUser(t.Context(), tn.ID, tt.in)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("CreateUser = %v, want success", err)
				}
				if u.Username != strings.ToLower(tt.in.Username) {
					t.Fatalf("username = %q, want it lower-cased", u.Username)
				}
				return
			}
			if !isFieldError(err, tt.field) {
				t.Fatalf("CreateUser = %v, want a %s field error", err, tt.field)
			}
		})
	}
}

func TestCreateUserDefaults(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	pending := mustUser(t, s, tn.ID, store.NewUser{Username: "nopass"})
	withPw := mustUser(t, s, tn.ID, store.NewUser{Username: "withpass", Password: "Str0ng-enough"})
	ldap := mustUser(t, s, tn.ID, store.NewUser{Username: "fromldap", SourceType: "ldap"})
	if pending.Status != store.StatusPending || pending.PasswordSet || pending.RegisteredAt != nil {
		t.Fatalf("user without password = %s, password set %v; want pending", pending.Status, pending.PasswordSet)
	}
	if withPw.Status != store.StatusEnabled || !withPw.PasswordSet || withPw.RegisteredAt == nil {
		t.Fatalf("user with password = %s, password set %v; want enabled and registered", withPw.Status, withPw.PasswordSet)
	}
	if ldap.Status != store.StatusEnabled {
		t.Fatalf("user from ldap = %s, want enabled", ldap.Status)
	}
	got, err := s.GetUser(t.Context(), tn.ID, pending.ID)
	if err != nil || got.Language != "en" || got.SourceType != "built_in" || got.UserType != "user" || got.OrgUnitID == 0 {
		t.Fatalf("defaults = %+v, %v", got, err)
	}
}

func TestBatchCreateCreatesExactlyTheGoodRows(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "exists"})
	items := []store.NewUser{
		{Username: "good1", Email: "g1@example.com"},
		{Username: "bad-email", Email: "nope"},
		{Username: "good2"},
		{Username: "exists"},
		{Username: "GOOD1"},
		{Username: "good3", OrgUnitID: 12345},
		{Username: "good4", DisplayName: "Four"},
	}
	res, err := s.CreateUsers(t.Context(), tn.ID, items)
	if err != nil {
		t.Fatal(err)
	}
	var ok []string
	for _, r := range res.Succeeded {
		ok = append(ok, fmt.Sprintf("%d:%s", r.Index, r.Key))
	}
	if want := []string{"0:good1", "2:good2", "6:good4"}; !slices.Equal(ok, want) {
		t.Fatalf("succeeded = %v, want %v", ok, want)
	}
	var failed []string
	for _, f := range res.Failed {
		failed = append(failed, fmt.Sprintf("%d:%s:%s", f.Index, f.Code, f.Field))
	}
	want := []string{"1:invalid:email", "3:conflict:username", "4:duplicate:username", "5:invalid:org_unit_id"}
	if !slices.Equal(failed, want) {
		t.Fatalf("failed = %v, want %v", failed, want)
	}
	l, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{})
	var names []string
	for _, u := range l.Items {
		names = append(names, u.Username)
	}
	if !slices.Equal(names, []string{"exists", "good1", "good2", "good4"}) {
		t.Fatalf("users after the batch = %v", names)
	}
	if n := len(events(t, s, tn.ID)); n != 3+1+3 {
		t.Fatalf("audit events = %d, want one per created user and no more", n)
	}

	tooMany := make([]store.NewUser, store.MaxBatch+1)
	if _, err := s.CreateUsers(t.Context(), tn.ID, tooMany); !isFieldError(err, "users") {
		t.Fatalf("501 items = %v, want a users field error", err)
	}
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	u := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Email: "ada@example.com", EmailVerified: true})
	mustUser(t, s, tn.ID, store.NewUser{Username: "grace"})

	name, phoneR, phoneN := "Ada Lovelace", "44", "2079460000"
	got, err := s.UpdateUser(t.Context(), tn.ID, u.ID, store.UserUpdate{DisplayName: &name, PhoneRegion: &phoneR, PhoneNumber: &phoneN})
	if err != nil || got.DisplayName != name || !got.EmailVerified || got.Email != "ada@example.com" {
		t.Fatalf("UpdateUser(display name) = %+v, %v; other fields must stay", got, err)
	}
	email := "ada@analytical.example"
	got, err = s.UpdateUser(t.Context(), tn.ID, u.ID, store.UserUpdate{Email: &email})
	if err != nil || got.EmailVerified {
		t.Fatalf("changing the email kept email_verified = %v (%v)", got.EmailVerified, err)
	}
	taken := "Grace"
	if _, err := s.UpdateUser(t.Context(), tn.ID, u.ID, store.UserUpdate{Username: &taken}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("renaming to a taken username = %v, want a conflict", err)
	}
	badTZ := "Nowhere/Town"
	if _, err := s.UpdateUser(t.Context(), tn.ID, u.ID, store.UserUpdate{Timezone: &badTZ}); !isFieldError(err, "timezone") {
		t.Fatalf("bad time zone = %v", err)
	}
	expiry := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	exp := &expiry
	if got, err = s.UpdateUser(t.Context(), tn.ID, u.ID, store.UserUpdate{AccountExpiresAt: &exp}); err != nil || got.AccountExpiresAt == nil {
		t.Fatalf("setting account expiry = %+v, %v", got.AccountExpiresAt, err)
	}
	var none *time.Time
	if got, err = s.UpdateUser(t.Context(), tn.ID, u.ID, store.UserUpdate{AccountExpiresAt: &none}); err != nil || got.AccountExpiresAt != nil {
		t.Fatalf("clearing account expiry = %+v, %v", got.AccountExpiresAt, err)
	}
	other, _ := mustTenant(t, s, "other")
	if _, err := s.UpdateUser(t.Context(), other.ID, u.ID, store.UserUpdate{DisplayName: &name}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("updating from another tenant = %v, want ErrNotFound", err)
	}
	l, _ := s.ListAuditEvents(t.Context(), tn.ID, store.AuditFilter{Action: "user.update", TargetID: u.PublicID()})
	if l.Total != 4 {
		t.Fatalf("user.update events = %d, want 4 (one per applied change)", l.Total)
	}
	if c := l.Items[len(l.Items)-1].Changes["display_name"]; c.After != name {
		t.Fatalf("first update's audit = %+v", l.Items[len(l.Items)-1].Changes)
	}
}

func TestUserActions(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	a := mustUser(t, s, tn.ID, store.NewUser{Username: "ada"})
	b := mustUser(t, s, tn.ID, store.NewUser{Username: "bob"})
	theirs := mustUser(t, s, other.ID, store.NewUser{Username: "theirs"})
	ctx := t.Context()
	get := func(u store.User) store.User {
		t.Helper()
		g, err := s.GetUser(ctx, tn.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}

	until := now.Add(24 * time.Hour)
	res, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionLock, Until: &until},
		[]string{a.PublicID(), theirs.PublicID(), "u_zz", "garbage", a.PublicID()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Succeeded) != 1 || len(res.Failed) != 4 || res.Failed[0].Code != "not_found" || res.Failed[3].Code != "duplicate" {
		t.Fatalf("lock results = %+v", res)
	}
	if g := get(a); !g.Locked(now) || g.LockReason != store.LockAdmin {
		t.Fatalf("ada after lock = locked %v reason %q", g.Locked(now), g.LockReason)
	}
	// The lock ends by itself: read after its until, the user is unlocked.
	now = now.Add(25 * time.Hour)
	if get(a).Locked(now) {
		t.Fatal("a lock whose until has passed still reads as locked")
	}
	yes := true
	if l, _ := s.ListUsers(ctx, tn.ID, store.UserFilter{Locked: &yes}); len(l.Items) != 0 {
		t.Fatalf("locked filter after the lock ended = %d users", len(l.Items))
	}
	past := now.Add(-time.Minute)
	if _, err := s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionLock, Until: &past}, []string{b.PublicID()}); !isFieldError(err, "until") {
		t.Fatalf("lock until the past = %v", err)
	}
	s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionLock}, []string{b.PublicID()})
	if g := get(b); !g.Locked(now.Add(1000 * time.Hour)) {
		t.Fatal("a lock without until must last until unlocked")
	}
	s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionUnlock}, []string{b.PublicID()})
	if get(b).Locked(now) {
		t.Fatal("unlock did not unlock")
	}

	s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDisable}, []string{a.PublicID(), b.PublicID()})
	if get(a).Status != store.StatusDisabled || get(b).Status != store.StatusDisabled {
		t.Fatal("disable did not disable both")
	}
	s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionEnable}, []string{a.PublicID()})
	if get(a).Status != store.StatusEnabled {
		t.Fatal("enable did not enable a pending-then-disabled user")
	}

	res, _ = s.ApplyUserAction(ctx, tn.ID, store.UserAction{Kind: store.ActionDelete}, []string{b.PublicID(), theirs.PublicID()})
	if len(res.Succeeded) != 1 || len(res.Failed) != 1 {
		t.Fatalf("delete results = %+v", res)
	}
	if _, err := s.GetUser(ctx, tn.ID, b.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted user = %v", err)
	}
	if _, err := s.GetUser(ctx, other.ID, theirs.ID); err != nil {
		t.Fatalf("another tenant's user was touched: %v", err)
	}
	l, _ := s.ListAuditEvents(ctx, tn.ID, store.AuditFilter{TargetID: b.PublicID(), Action: "user.delete"})
	if l.Total != 1 || l.Items[0].Changes["username"].Before != "bob" {
		t.Fatalf("delete audit = %+v", l.Items)
	}
	if st, _ := s.UserStats(ctx, tn.ID, "status"); !slices.Equal(st, []store.StatItem{{Key: "enabled", Count: 1}}) {
		t.Fatalf("status counts after the changes = %+v", st)
	}
}

func TestSeedUsersKeepsSchemaSearchAndCounts(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "before"})
	// SQLite's schema is partly dropped and rebuilt while seeding: the plans
	// it gives must be the same after. (PostgreSQL's is left as it is.)
	schema := func() string {
		if s.Engine() != "sqlite" {
			return ""
		}
		p, err := s.ListPlan(t.Context(), tn.ID, store.UserFilter{Status: "enabled"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	planBefore := schema()
	var progress []int
	if err := seed.Users(t.Context(), s, tn.ID, seed.Options{Users: 3000, Seed: 7, OrgUnits: 50, Groups: 10, Properties: 8,
		Progress: func(n int) { progress = append(progress, n) }}); err != nil {
		t.Fatal(err)
	}
	if len(progress) == 0 || progress[len(progress)-1] != 3000 {
		t.Fatalf("progress = %v", progress)
	}
	all, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{})
	if all.Total != 3001 {
		t.Fatalf("total = %d, want 3001 from the recomputed counters", all.Total)
	}
	byStatus, _ := s.UserStats(t.Context(), tn.ID, "status")
	sum := 0
	for _, it := range byStatus {
		sum += it.Count
	}
	if sum != 3001 || len(byStatus) != 3 {
		t.Fatalf("status counts = %v", byStatus)
	}
	found, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Query: "lovelace"})
	if found.Total == 0 || !strings.Contains(found.Items[0].Username, "lovelace") {
		t.Fatalf("keyword search after seeding found %d", found.Total)
	}
	if got := schema(); got != planBefore {
		t.Fatalf("status filter plan changed after seeding:\n%s\nwas\n%s", got, planBefore)
	}
	checkDirectoryCounts(t, s, tn.ID)
	// Each user row's copy of its property values agrees with the values
	// table the property counters were recomputed from.
	holders := map[string]int{}
	for page := (store.Page{Size: store.MaxPageSize}); ; {
		l, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Page: page})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range l.Items {
			vals := u.Properties
			for k := range vals {
				holders[k]++
			}
		}
		if page.Cursor = l.Next; l.Next == "" {
			break
		}
	}
	if n, err := s.StalePropertyCopies(t.Context()); n != 0 || err != nil {
		t.Errorf("%d users' rows hold other property values than the values table (%v)", n, err)
	}
	if n, err := s.StaleMemberNames(t.Context()); n != 0 || err != nil {
		t.Errorf("%d memberships hold another username than their user's (%v)", n, err)
	}
	props, _ := s.ListProperties(t.Context(), tn.ID)
	for _, p := range props {
		if holders[p.Key] != p.UserCount || p.UserCount == 0 {
			t.Errorf("%s: %d users hold it in their rows, %d in the values table", p.Key, holders[p.Key], p.UserCount)
		}
	}
	// Triggers are back: a new user is searchable and counted.
	mustUser(t, s, tn.ID, store.NewUser{Username: "after-seed-zebra"})
	if l, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Query: "zebra"}); l.Total != 1 {
		t.Fatal("a user created after seeding is not searchable")
	}
	if l, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{}); l.Total != 3002 {
		t.Fatalf("total after one more = %d", l.Total)
	}
}

// checkDirectoryCounts compares every maintained directory counter of a
// tenant with a count of the rows it stands for.
func checkDirectoryCounts(t *testing.T, s *store.Store, tenant int64) {
	t.Helper()
	ctx := t.Context()
	units, err := s.ListOrgUnits(ctx, tenant, store.NameFilter{Page: store.Page{Size: 100}})
	if err != nil || len(units.Items) < 2 {
		t.Fatalf("units = %d, %v", len(units.Items), err)
	}
	old := s.SetWalkBias(1e300)
	defer s.SetWalkBias(old)
	count := func(f store.UserFilter) int {
		n := 0
		for f.Page = (store.Page{Size: 100}); ; {
			l, err := s.ListUsers(ctx, tenant, f)
			if err != nil {
				t.Fatal(err)
			}
			n += len(l.Items)
			if l.Next == "" {
				return n
			}
			f.Page.Cursor = l.Next
		}
	}
	for _, o := range units.Items[:min(20, len(units.Items))] {
		if got := count(store.UserFilter{OrgUnitID: o.ID, IDs: nil, Status: ""}); got != o.UserCount {
			t.Errorf("unit %s: %d users, counter says %d", o.Name, got, o.UserCount)
		}
		if got := count(store.UserFilter{OrgUnitID: o.ID, SubUnits: true}); got != o.SubtreeUserCount {
			t.Errorf("unit %s subtree: %d users, counter says %d", o.Name, got, o.SubtreeUserCount)
		}
	}
	groups, _ := s.ListGroups(ctx, tenant, store.NameFilter{})
	if len(groups.Items) == 0 {
		t.Fatal("no groups")
	}
	for _, g := range groups.Items {
		if got := count(store.UserFilter{GroupID: g.ID}); got != g.MemberCount {
			t.Errorf("group %s: %d members, counter says %d", g.Name, got, g.MemberCount)
		}
	}
	props, _ := s.ListProperties(ctx, tenant)
	if len(props) == 0 {
		t.Fatal("no properties")
	}
	for _, p := range props {
		for _, o := range p.Options {
			if got := count(store.UserFilter{Properties: map[string][]string{p.Key: {o.Value}}}); got != o.UserCount {
				t.Errorf("%s=%s: %d users, counter says %d", p.Key, o.Value, got, o.UserCount)
			}
		}
	}
}
