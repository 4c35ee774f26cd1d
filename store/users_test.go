package store_test

import (
	"errors"
	"fmt"
	"path/filepath"
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

func TestListUsersFilters(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	now := base
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	other, _ := mustTenant(t, s, "other")
	mk := func(day int, n store.NewUser) store.User {
		now = base.Add(time.Duration(day) * 24 * time.Hour)
		return mustUser(t, s, tn.ID, n)
	}
	ada := mk(0, store.NewUser{Username: "ada", DisplayName: "Ada Lovelace", Email: "ada@analytical.example", PhoneRegion: "44", PhoneNumber: "2079460000"})
	mk(1, store.NewUser{Username: "alan", DisplayName: "Alan Turing", Email: "alan@bletchley.example", SourceType: "ldap", SourceID: "corp", ExternalID: "T-1"})
	grace := mk(2, store.NewUser{Username: "grace", DisplayName: "Grace Hopper", Email: "grace@navy.example", Password: "Str0ng-enough"})
	mk(3, store.NewUser{Username: "linus", DisplayName: "Linus", Email: "linus@kernel.example", SourceType: "csv"})
	mk(4, store.NewUser{Username: "margaret", DisplayName: "Margaret Hamilton", Email: "mh@apollo.example", Status: "disabled"})
	now = base.Add(10 * 24 * time.Hour)
	mustUser(t, s, other.ID, store.NewUser{Username: "ada-elsewhere", DisplayName: "Ada Elsewhere"})
	until := now.Add(time.Hour)
	s.ApplyUserAction(t.Context(), tn.ID, store.UserAction{Kind: store.ActionLock, Until: &until}, []string{grace.PublicID()})

	yes, no := true, false
	day := func(d int) *time.Time { v := base.Add(time.Duration(d) * 24 * time.Hour); return &v }
	tests := []struct {
		name string
		f    store.UserFilter
		want []string
	}{
		{"none", store.UserFilter{}, []string{"ada", "alan", "grace", "linus", "margaret"}},
		{"ids", store.UserFilter{IDs: []int64{ada.ID, grace.ID}}, []string{"ada", "grace"}},
		{"username prefix", store.UserFilter{UsernamePrefix: "A"}, []string{"ada", "alan"}},
		{"display name prefix, any case", store.UserFilter{DisplayNamePrefix: "grace h"}, []string{"grace"}},
		{"email exact, any case", store.UserFilter{Email: "ALAN@bletchley.example"}, []string{"alan"}},
		{"phone", store.UserFilter{PhoneRegion: "+44", PhoneNumber: "2079460000"}, []string{"ada"}},
		{"external id", store.UserFilter{ExternalID: "T-1"}, []string{"alan"}},
		{"source type", store.UserFilter{SourceType: "csv"}, []string{"linus"}},
		{"source type and id", store.UserFilter{SourceType: "ldap", SourceID: "corp"}, []string{"alan"}},
		{"status", store.UserFilter{Status: "pending"}, []string{"ada"}},
		{"status enabled", store.UserFilter{Status: "enabled"}, []string{"alan", "grace", "linus"}},
		{"status disabled", store.UserFilter{Status: "disabled"}, []string{"margaret"}},
		{"locked", store.UserFilter{Locked: &yes}, []string{"grace"}},
		{"not locked", store.UserFilter{Locked: &no}, []string{"ada", "alan", "linus", "margaret"}},
		{"created from", store.UserFilter{CreatedFrom: day(3)}, []string{"linus", "margaret"}},
		{"created range", store.UserFilter{CreatedFrom: day(1), CreatedTo: day(3)}, []string{"alan", "grace"}},
		{"keyword substring of a username", store.UserFilter{Query: "inu"}, []string{"linus"}},
		{"keyword in a display name, any case", store.UserFilter{Query: "LOVELACE"}, []string{"ada"}},
		{"keyword in an email", store.UserFilter{Query: "bletchley"}, []string{"alan"}},
		{"short keyword is a prefix", store.UserFilter{Query: "gr"}, []string{"grace"}},
		{"short keyword matches display names too", store.UserFilter{Query: "ma"}, []string{"margaret"}},
		{"keyword with quotes is literal", store.UserFilter{Query: `"ada`}, nil},
		{"combined", store.UserFilter{Status: "enabled", UsernamePrefix: "a", SourceType: "ldap"}, []string{"alan"}},
		{"keyword and status", store.UserFilter{Query: "example", Status: "disabled"}, []string{"margaret"}},
		{"sort -username", store.UserFilter{Sort: "-username"}, []string{"margaret", "linus", "grace", "alan", "ada"}},
		{"sort display_name", store.UserFilter{Sort: "display_name", Query: "a"}, []string{"ada", "alan"}},
		{"sort -created_at", store.UserFilter{Sort: "-created_at", Status: "enabled"}, []string{"linus", "grace", "alan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := s.ListUsers(t.Context(), tn.ID, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range l.Items {
				got = append(got, u.Username)
			}
			if !slices.Equal(got, tt.want) || l.Total != len(tt.want) {
				t.Fatalf("ListUsers(%s) = %v (total %d), want %v", tt.name, got, l.Total, tt.want)
			}
		})
	}

	bad := []struct {
		f     store.UserFilter
		field string
	}{
		{store.UserFilter{Sort: "email"}, "sort"},
		{store.UserFilter{Status: "gone"}, "status"},
		{store.UserFilter{Query: "a\x01b"}, "q"},
		{store.UserFilter{CreatedFrom: day(3), CreatedTo: day(1)}, "created_to"},
	}
	for _, b := range bad {
		if _, err := s.ListUsers(t.Context(), tn.ID, b.f); !isFieldError(err, b.field) {
			t.Errorf("ListUsers(%+v) = %v, want a %s field error", b.f, err, b.field)
		}
	}
	for _, c := range []string{"nope", "dTEAeAB4AHgAeA"} {
		if _, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Page: store.Page{Cursor: c}}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("cursor %q = %v, want ErrBadCursor", c, err)
		}
	}
	l, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Page: store.Page{Size: 2}})
	if _, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Sort: "-created_at", Page: store.Page{Cursor: l.Next}}); !errors.Is(err, store.ErrBadCursor) {
		t.Errorf("a username cursor used with -created_at = %v, want ErrBadCursor", err)
	}
}

// Keyset paging visits every user exactly once, in order, in both
// directions and for every sort, while users are being added.
func TestListUsersPaging(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { now = now.Add(time.Minute); return now })
	tn, _ := mustTenant(t, s, "acme")
	var items []store.NewUser
	for i := range 47 {
		// Display names repeat, so the id tie-break is exercised.
		items = append(items, store.NewUser{Username: fmt.Sprintf("user%02d", (i*17)%47), DisplayName: fmt.Sprintf("Name %d", i%5)})
	}
	if _, err := s.CreateUsers(t.Context(), tn.ID, items); err != nil {
		t.Fatal(err)
	}
	for _, sort := range store.UserSorts {
		t.Run(sort, func(t *testing.T) {
			var forward []int64
			seen := map[int64]bool{}
			page := store.Page{Size: 10}
			added := 0
			var last store.UserList
			for {
				l, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Sort: sort, Page: page})
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range l.Items {
					if seen[u.ID] {
						t.Fatalf("user %s seen twice", u.Username)
					}
					seen[u.ID] = true
					forward = append(forward, u.ID)
				}
				if added < 2 {
					// New users sort after the current page for ascending
					// username ("zz…") or anywhere else; none may repeat.
					mustUser(t, s, tn.ID, store.NewUser{Username: fmt.Sprintf("zz-%s-%d", strings.ReplaceAll(sort, "-", "desc-"), added), DisplayName: "Name 0"})
					added++
				}
				last = l
				if l.Next == "" {
					break
				}
				page.Cursor = l.Next
			}
			if len(forward) < 47 {
				t.Fatalf("paging saw %d users, want at least the 47 present at the start", len(forward))
			}
			// Walk back from the last page with the Prev cursors.
			var back []int64
			l := last
			for l.Prev != "" {
				l2, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Sort: sort, Page: store.Page{Size: 10, Cursor: l.Prev}})
				if err != nil {
					t.Fatal(err)
				}
				back = append(userIDs(l2.Items), back...)
				l = l2
			}
			// Users added behind the forward walk may show up going back; every
			// user of the forward walk must too, in the same order.
			want := forward[:len(forward)-len(last.Items)]
			if !isSubsequence(want, back) || len(slices.Compact(slices.Sorted(slices.Values(back)))) != len(back) {
				t.Fatalf("walking back gave %v, which does not hold the forward walk %v in order, once each", back, want)
			}
		})
	}
	l, err := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Page: store.Page{Number: 2, Size: 10}})
	if err != nil || len(l.Items) != 10 || l.Items[0].Username != "user10" {
		t.Fatalf("page number 2 = %v, %v", l.Items, err)
	}
}

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

// The plan of every list query reads an index range and never sorts the
// tenant's users (SQLite's planner, without statistics, would).
func TestListUsersQueryPlans(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "ada"})
	first, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{Page: store.Page{Size: 1}})
	mustUser(t, s, tn.ID, store.NewUser{Username: "bob"})
	first, _ = s.ListUsers(t.Context(), tn.ID, store.UserFilter{Page: store.Page{Size: 1}})
	yes := true
	tests := []struct {
		name      string
		f         store.UserFilter
		index     string
		sortsFine bool // a sort of a few rows (one email's users, ≤1000 keyword matches)
	}{
		{"first page", store.UserFilter{}, "users_username", false},
		{"deep page", store.UserFilter{Page: store.Page{Cursor: first.Next}}, "users_username", false},
		{"username prefix", store.UserFilter{UsernamePrefix: "ad"}, "users_username", false},
		{"status", store.UserFilter{Status: "enabled"}, "users_status", false},
		{"status and prefix", store.UserFilter{Status: "enabled", UsernamePrefix: "a"}, "users_status", false},
		{"locked", store.UserFilter{Locked: &yes}, "users_locked", false},
		{"by created", store.UserFilter{Sort: "-created_at"}, "users_created", false},
		{"by display name", store.UserFilter{Sort: "display_name"}, "users_display_name", false},
		{"email", store.UserFilter{Email: "ada@example.com"}, "users_email", true},
		{"keyword", store.UserFilter{Query: "adalove"}, "VIRTUAL TABLE", true},
		{"short keyword", store.UserFilter{Query: "ad"}, "MULTI-INDEX OR", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := s.ListPlan(t.Context(), tn.ID, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, tt.index) || strings.Contains(plan, "SCAN u") ||
				(!tt.sortsFine && strings.Contains(plan, "TEMP B-TREE")) {
				t.Fatalf("plan:\n%s\nwant %s, no scan of users, no sort", plan, tt.index)
			}
		})
	}
}

func TestUserStats(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	now := time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "jan1"})
	mustUser(t, s, tn.ID, store.NewUser{Username: "jan2", SourceType: "csv"})
	now = now.Add(2 * time.Hour)
	feb := mustUser(t, s, tn.ID, store.NewUser{Username: "feb1", Password: "Str0ng-enough"})
	s.ApplyUserAction(t.Context(), tn.ID, store.UserAction{Kind: store.ActionDisable}, []string{feb.PublicID()})
	want := map[string][]store.StatItem{
		"status":        {{"disabled", 1}, {"enabled", 1}, {"pending", 1}},
		"source_type":   {{"built_in", 1}, {"csv", 1}},
		"created_month": {{"2026-01", 2}, {"2026-02", 1}},
	}
	// One more to count: the csv user becomes built_in.
	src := "built_in"
	l, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{SourceType: "csv"})
	if _, err := s.UpdateUser(t.Context(), tn.ID, l.Items[0].ID, store.UserUpdate{SourceType: &src}); err != nil {
		t.Fatal(err)
	}
	want["source_type"] = []store.StatItem{{"built_in", 3}}
	for dim, w := range want {
		got, err := s.UserStats(t.Context(), tn.ID, dim)
		if err != nil || !slices.Equal(got, w) {
			t.Errorf("UserStats(%s) = %v, %v; want %v", dim, got, err, w)
		}
	}
	ou, err := s.UserStats(t.Context(), tn.ID, "org_unit")
	if err != nil || len(ou) != 1 || ou[0].Count != 3 || !strings.HasPrefix(ou[0].Key, "ou_") {
		t.Errorf("UserStats(org_unit) = %v, %v", ou, err)
	}
	if _, err := s.UserStats(t.Context(), tn.ID, "colour"); !isFieldError(err, "group_by") {
		t.Errorf("unknown group_by = %v", err)
	}
	full, _ := s.ListUsers(t.Context(), tn.ID, store.UserFilter{})
	if full.Total != 3 || full.TotalCapped {
		t.Errorf("total = %d (capped %v), want 3 from the counters", full.Total, full.TotalCapped)
	}
}

func userIDs(us []store.User) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

func isSubsequence(sub, seq []int64) bool {
	i := 0
	for _, v := range seq {
		if i < len(sub) && sub[i] == v {
			i++
		}
	}
	return i == len(sub)
}

func TestSeedUsersKeepsSchemaSearchAndCounts(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	mustUser(t, s, tn.ID, store.NewUser{Username: "before"})
	schema := func() string {
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
	s := newTestStore(t)
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
	s := newTestStore(t)
	tn, _ := mustTenant(t, s, "acme")
	for b := range 4 {
		var batch []store.NewUser
		for i := range 50 {
			batch = append(batch, store.NewUser{Username: fmt.Sprintf("batch%d-user%d", b, i), Email: fmt.Sprintf("u%d.%d@example.org", b, i)})
		}
		if _, err := s.CreateUsers(t.Context(), tn.ID, batch); err != nil {
			t.Fatal(err)
		}
	}
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
