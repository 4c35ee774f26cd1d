package store_test

import (
	"testing"

	"roster/store"
)

// A user whose owner is the manager has their invitation and reset emails
// sent to the administrator who created them: the one signed in, or the
// one who made the key the request came with. Without such an
// administrator (or their email address) the owner type is refused.
func TestManagerOwnedUsersNotices(t *testing.T) {
	t.Parallel()
	s := newMailStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	boss, err := s.CreateAdmin(ctx, tn.ID, store.NewAdmin{Username: "boss", Email: "boss@example.com", Password: "correct horse battery"}, store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := s.CreateAdmin(ctx, tn.ID, store.NewAdmin{Username: "quiet", Password: "correct horse battery"}, store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	asBoss := store.WithActor(ctx, store.Actor{Type: store.ActorAdmin, ID: boss.PublicID(), Name: boss.Username})

	for _, tt := range []struct {
		name string
		ctx  any
		n    store.NewUser
	}{
		{"no administrator behind the request", nil, store.NewUser{Username: "x1", OwnerType: store.OwnerManager}},
		{"an administrator without email", store.Actor{Type: store.ActorAdmin, ID: quiet.PublicID()}, store.NewUser{Username: "x2", OwnerType: store.OwnerManager}},
		{"an unknown owner type", nil, store.NewUser{Username: "x3", OwnerType: "boss"}},
	} {
		c := ctx
		if a, ok := tt.ctx.(store.Actor); ok {
			c = store.WithActor(ctx, a)
		}
		if _, err := s.CreateUser(c, tn.ID, tt.n); !isFieldError(err, "owner_type") {
			t.Errorf("%s: CreateUser = %v, want an owner_type error", tt.name, err)
		}
	}

	// Created by boss without an email of its own, invited: boss gets it.
	ada, err := s.CreateUser(asBoss, tn.ID, store.NewUser{Username: "ada", OwnerType: store.OwnerManager, Invite: true})
	if err != nil {
		t.Fatal(err)
	}
	if ada.OwnerType != store.OwnerManager || ada.ManagerID != boss.ID {
		t.Fatalf("ada: owner %q, manager %d; want manager, %d", ada.OwnerType, ada.ManagerID, boss.ID)
	}
	if m, _ := lastMessage(t, s, tn.ID); m.Email.To != "boss@example.com" || m.Email.Kind != "invitation" || m.UserID != ada.ID {
		t.Fatalf("ada's invitation went to %q (%s)", m.Email.To, m.Email.Kind)
	}

	// Through an API key boss made, with an address of her own: resets go
	// to boss, not to her.
	key, _, err := s.CreateAPIKey(asBoss, tn.ID, store.NewAPIKey{Name: "sync", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	viaKey := store.WithActor(ctx, store.Actor{Type: store.ActorAPIKey, ID: key.PublicID, Name: key.Name})
	bea, err := s.CreateUser(viaKey, tn.ID, store.NewUser{Username: "bea", Email: "bea@example.com", OwnerType: store.OwnerManager})
	if err != nil || bea.ManagerID != boss.ID {
		t.Fatalf("bea via boss's key = %+v, %v", bea, err)
	}
	if res, err := s.SendPasswordResets(ctx, tn.ID, []string{bea.PublicID()}, false); err != nil || len(res.Succeeded) != 1 {
		t.Fatalf("reset bea = %+v, %v", res, err)
	}
	if m, _ := lastMessage(t, s, tn.ID); m.Email.To != "boss@example.com" || m.Email.Kind != "password_reset" {
		t.Fatalf("bea's reset went to %q (%s)", m.Email.To, m.Email.Kind)
	}
	// Her own "forgot password" goes to boss too; verifying her address
	// goes to that address.
	if err := s.RequestPasswordReset(ctx, tn.ID, "bea"); err != nil {
		t.Fatal(err)
	}
	if m, _ := lastMessage(t, s, tn.ID); m.Email.To != "boss@example.com" {
		t.Fatalf("bea's forgotten-password link went to %q", m.Email.To)
	}
	if err := s.SendVerification(ctx, tn.ID, bea.ID); err != nil {
		t.Fatal(err)
	}
	if m, _ := lastMessage(t, s, tn.ID); m.Email.To != "bea@example.com" || m.Email.Kind != "verify_email" {
		t.Fatalf("bea's verification went to %q (%s)", m.Email.To, m.Email.Kind)
	}

	// A user of their own keeps their notices.
	cyd := mustUser(t, s, tn.ID, store.NewUser{Username: "cyd", Email: "cyd@example.com"})
	if cyd.OwnerType != store.OwnerUser {
		t.Fatalf("cyd's owner type = %q, want user", cyd.OwnerType)
	}
	s.SendPasswordResets(ctx, tn.ID, []string{cyd.PublicID()}, false)
	if m, _ := lastMessage(t, s, tn.ID); m.Email.To != "cyd@example.com" {
		t.Fatalf("cyd's reset went to %q", m.Email.To)
	}

	// Once boss leaves the tenant, ada's notices have nowhere to go.
	if err := s.RemoveMember(ctx, tn.ID, boss.ID); err != nil {
		t.Fatal(err)
	}
	res, err := s.SendPasswordResets(ctx, tn.ID, []string{ada.PublicID()}, false)
	if err != nil || len(res.Failed) != 1 || res.Failed[0].Field != "email" {
		t.Fatalf("reset of ada after boss left = %+v, %v", res, err)
	}
}

// The owner type filters the users list, and its counts.
func TestListUsersByOwnerType(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	boss, err := s.CreateAdmin(ctx, tn.ID, store.NewAdmin{Username: "boss", Email: "boss@example.com", Password: "correct horse battery"}, store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	asBoss := store.WithActor(ctx, store.Actor{Type: store.ActorAdmin, ID: boss.PublicID(), Name: boss.Username})
	for _, name := range []string{"ada", "cyd"} {
		if _, err := s.CreateUser(asBoss, tn.ID, store.NewUser{Username: name, OwnerType: store.OwnerManager}); err != nil {
			t.Fatal(err)
		}
	}
	mustUser(t, s, tn.ID, store.NewUser{Username: "bob"})
	for owner, want := range map[string]string{store.OwnerManager: "ada cyd ", store.OwnerUser: "bob "} {
		l, err := s.ListUsers(ctx, tn.ID, store.UserFilter{OwnerType: owner})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, u := range l.Items {
			got += u.Username + " "
		}
		if got != want || l.Total != len(l.Items) {
			t.Errorf("owner %s: %q (total %d), want %q", owner, got, l.Total, want)
		}
	}
	if _, err := s.ListUsers(ctx, tn.ID, store.UserFilter{OwnerType: "boss"}); !isFieldError(err, "owner_type") {
		t.Errorf("owner type boss = %v", err)
	}
}

// Who receives a user's notices can change after creation: to the
// administrator making the change (who needs an email address), and back
// to the user, each recorded in the audit log.
func TestOwnerTypeChanges(t *testing.T) {
	t.Parallel()
	s := newMailStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	boss, err := s.CreateAdmin(ctx, tn.ID, store.NewAdmin{Username: "boss", Email: "boss@example.com", Password: "correct horse battery"}, store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := s.CreateAdmin(ctx, tn.ID, store.NewAdmin{Username: "quiet", Password: "correct horse battery"}, store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", Email: "ada@example.com"})
	manager, user := store.OwnerManager, store.OwnerUser
	asQuiet := store.WithActor(ctx, store.Actor{Type: store.ActorAdmin, ID: quiet.PublicID()})
	if _, err := s.UpdateUser(asQuiet, tn.ID, ada.ID, store.UserUpdate{OwnerType: &manager}); !isFieldError(err, "owner_type") {
		t.Fatalf("to an administrator without email = %v, want an owner_type error", err)
	}
	asBoss := store.WithActor(ctx, store.Actor{Type: store.ActorAdmin, ID: boss.PublicID()})
	got, err := s.UpdateUser(asBoss, tn.ID, ada.ID, store.UserUpdate{OwnerType: &manager})
	if err != nil || got.OwnerType != manager || got.ManagerID != boss.ID {
		t.Fatalf("to boss = %+v, %v", got, err)
	}
	if res, err := s.SendPasswordResets(ctx, tn.ID, []string{ada.PublicID()}, false); err != nil || len(res.Succeeded) != 1 {
		t.Fatalf("reset ada = %+v, %v", res, err)
	}
	if m, _ := lastMessage(t, s, tn.ID); m.Email.To != "boss@example.com" {
		t.Fatalf("ada's reset went to %q, want boss", m.Email.To)
	}
	if got, err = s.UpdateUser(ctx, tn.ID, ada.ID, store.UserUpdate{OwnerType: &user}); err != nil || got.OwnerType != user || got.ManagerID != 0 {
		t.Fatalf("back to the user = %+v, %v", got, err)
	}
	if got, err = s.GetUser(ctx, tn.ID, ada.ID); err != nil || got.OwnerType != user || got.ManagerID != 0 {
		t.Fatalf("read back = %+v, %v", got, err)
	}
	events, err := s.ListAuditEvents(ctx, tn.ID, store.AuditFilter{TargetType: "user", TargetID: ada.PublicID()})
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, e := range events.Items {
		if _, ok := e.Changes["owner_type"]; ok && e.Action == "user.update" {
			changed++
		}
	}
	if changed != 2 {
		t.Errorf("owner type changes audited: %d, want 2", changed)
	}
}
