package store_test

import (
	"testing"

	"roster/store"
)

// A whole change of a user is stored whole or not at all: a refused
// property value leaves the fields, status and password as they were; an
// accepted change stores every part with its audit event.
func TestReplaceUserIsAllOrNothing(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tn, _ := mustTenant(t, s, "acme")
	if _, err := s.CreateProperty(ctx, tn.ID, store.NewProperty{Key: "level", DisplayName: "Level", Type: "number"}); err != nil {
		t.Fatal(err)
	}
	ada := mustUser(t, s, tn.ID, store.NewUser{Username: "ada", DisplayName: "Ada"})
	name := "Ada Lovelace"
	r := store.UserReplace{Update: store.UserUpdate{DisplayName: &name}, Action: store.ActionDisable,
		Password: "Correct-horse-battery-9", Properties: map[string][]string{"level": {"high"}}}
	_, err := s.ReplaceUser(ctx, tn.ID, ada.ID, r)
	if !isFieldError(err, store.PropertyField("level")) {
		t.Fatalf("a refused value = %v, want an error naming %s", err, store.PropertyField("level"))
	}
	got, err := s.GetUser(ctx, tn.ID, ada.ID)
	if err != nil || got.DisplayName != "Ada" || got.Status == store.StatusDisabled || got.PasswordSet {
		t.Fatalf("after the refusal: %+v, %v; want ada unchanged", got, err)
	}

	r.Properties = map[string][]string{"level": {"3"}}
	got, err = s.ReplaceUser(ctx, tn.ID, ada.ID, r)
	if err != nil || got.DisplayName != name || got.Status != store.StatusDisabled || !got.PasswordSet ||
		got.Properties["level"].Values[0] != "3" {
		t.Fatalf("the whole change = %+v, %v", got, err)
	}
	events, err := s.ListAuditEvents(ctx, tn.ID, store.AuditFilter{TargetType: "user", TargetID: ada.PublicID()})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events.Items {
		seen[e.Action] = true
	}
	for _, want := range []string{"user.update", "user.disable", "user.set_password", "user.set_property"} {
		if !seen[want] {
			t.Errorf("no %s event among %v", want, seen)
		}
	}
}
