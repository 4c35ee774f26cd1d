package handlers_test

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"roster/store"
)

// Owners create AccessKey pairs on the API keys page, see the secret once,
// and revoke them; pairs of another tenant are out of reach; viewers only
// read; without a server key the page says pairs are off.
func TestConsoleAccessKeyPairs(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	if r := b.get("/settings/api-keys"); !strings.Contains(r.body, "AccessKey pairs are off") || strings.Contains(r.body, "Create AccessKey pair") {
		t.Fatal("without a server key the page does not say pairs are off, or offers to create one")
	}
	if r := b.post("/settings/access-keys", url.Values{"pair_name": {"sync"}, "pair_role": {"admin"}}); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("creating a pair without a server key = %d, want 503", r.StatusCode)
	}

	key := make([]byte, store.ServerKeySize)
	_, _ = rand.Read(key)
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	a.st.Sealer = sealer
	r := b.post("/settings/access-keys", url.Values{"pair_name": {" "}, "pair_role": {"owner"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Name must be 1 to 64 characters.") || !strings.Contains(r.body, "Role must be admin or viewer.") {
		t.Fatalf("a blank name and role owner = %d, want 422 naming both fields", r.StatusCode)
	}
	r = b.post("/settings/access-keys", url.Values{"pair_name": {"eds sync"}, "pair_role": {"admin"}})
	id := regexp.MustCompile(`id="new-pair-id" type="text" readonly value="(RAK[A-Z0-9]+)"`).FindStringSubmatch(r.body)
	secret := regexp.MustCompile(`id="new-pair-secret" type="text" readonly value="([a-z0-9]+)"`).FindStringSubmatch(r.body)
	if r.StatusCode != http.StatusCreated || id == nil || secret == nil || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create a pair = %d, id %v, secret %v, Cache-Control %q", r.StatusCode, id, secret, r.Header.Get("Cache-Control"))
	}
	if _, got, err := a.st.AccessKeySecret(t.Context(), id[1]); err != nil || string(got) != secret[1] {
		t.Fatalf("the page's secret is not the pair's: %v", err)
	}
	if r := b.get("/settings/api-keys"); !strings.Contains(r.body, id[1]) || strings.Contains(r.body, secret[1]) {
		t.Fatal("the list does not show the pair, or shows its secret again")
	}

	theirs, _, err := a.st.CreateAccessKey(t.Context(), a.other.ID, store.NewAccessKey{Name: "theirs", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if r := b.post("/settings/access-keys/"+theirs.AccessKeyID+"/revoke", nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("revoking another tenant's pair = %d, want 404", r.StatusCode)
	}
	if r := b.post("/settings/access-keys/"+id[1]+"/revoke", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke = %d, want 303", r.StatusCode)
	}
	if r := b.get("/settings/api-keys"); !strings.Contains(r.body, "AccessKey pair revoked.") || !strings.Contains(r.body, "revoked ") {
		t.Fatal("after revoking, the page does not say so")
	}

	if _, err := a.st.CreateAdmin(t.Context(), a.acme.ID, store.NewAdmin{Username: "vera", Password: ownerPassword}, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	v := a.browser(t)
	v.mustSignIn("vera")
	if r := v.get("/settings/api-keys"); strings.Contains(r.body, "Create AccessKey pair") {
		t.Fatal("a viewer is offered to create a pair")
	}
	if r := v.post("/settings/access-keys", url.Values{"pair_name": {"x"}, "pair_role": {"admin"}}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("a viewer creating a pair = %d, want 403", r.StatusCode)
	}
}
