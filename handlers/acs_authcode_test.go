package handlers_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"roster/store"
)

// authCodeOnPage creates an authorization code with the console's button
// as b's administrator and returns it, read from the page.
func authCodeOnPage(t *testing.T, b *browser) string {
	t.Helper()
	r := b.post("/settings/auth-codes", nil)
	m := regexp.MustCompile(`id="new-auth-code" type="text" readonly value="([a-z0-9]+)"`).FindStringSubmatch(r.body)
	if r.StatusCode != http.StatusCreated || m == nil || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Create authorization code = %d, code %v, Cache-Control %q", r.StatusCode, m, r.Header.Get("Cache-Control"))
	}
	return m[1]
}

// Any administrator, a viewer too, makes a one-time authorization code on
// the API keys page; it is shown once, and the page shown again does not
// have it.
func TestConsoleAuthorizationCode(t *testing.T) {
	a := newTestApp(t)
	if _, err := a.st.CreateAdmin(t.Context(), a.acme.ID, store.NewAdmin{Username: "vera", Password: ownerPassword}, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	v := a.browser(t)
	v.mustSignIn("vera")
	if r := v.get("/settings/api-keys"); !strings.Contains(r.body, "Create authorization code") {
		t.Fatal("the API keys page offers no authorization code to a viewer")
	}
	code := authCodeOnPage(t, v)
	if r := v.get("/settings/api-keys"); strings.Contains(r.body, code) {
		t.Fatal("the page shows the code again")
	}
	vera, err := a.st.UseAuthCode(t.Context(), a.acme.ID, code)
	if err != nil || vera.Username != "vera" {
		t.Fatalf("the page's code stands for %+v, %v; want vera", vera, err)
	}
	out := a.browser(t)
	if r := out.post("/settings/auth-codes", nil); r.StatusCode == http.StatusCreated {
		t.Fatal("an authorization code was made without signing in")
	}
}

// GetManagerInfoByAuthCode through Alibaba's client: a code made in the
// console names its administrator and tenant, once; used again, made in
// another tenant, expired or unknown, it is refused alike.
func TestEdsUserGetManagerInfoByAuthCode(t *testing.T) {
	a := newACSApp(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	for _, sig := range []string{"", "v2"} {
		c := a.client(t, a.viewer.AccessKeyID, a.viewerSecret, sig)
		code := authCodeOnPage(t, b)
		got, err := call(c, "GetManagerInfoByAuthCode", map[string]any{"AuthCode": code}, nil)
		if err != nil {
			t.Fatalf("GetManagerInfoByAuthCode (signature %q) = %v", sig, err)
		}
		want := map[string]string{"OrgId": "acme", "Phone": "", "TeamName": "Tenant acme", "UserName": "owner-acme",
			"WaId": fmt.Sprint(a.owner.ID)}
		for k, v := range want {
			if fmt.Sprint(got[k]) != v {
				t.Errorf("GetManagerInfoByAuthCode (signature %q) %s = %v, want %q", sig, k, got[k], v)
			}
		}
		if got["RequestId"] == "" || got["Code"] != nil {
			t.Errorf("GetManagerInfoByAuthCode = %v, want a RequestId and no Code", got)
		}
		_, err = call(c, "GetManagerInfoByAuthCode", map[string]any{"AuthCode": code}, nil)
		wantCode(t, "the same code again", err, 400, "InvalidParameter")
		if err == nil || !strings.Contains(err.Error(), "AuthCode") {
			t.Errorf("the refusal %v does not name AuthCode", err)
		}
	}
	c := a.client(t, a.admin.AccessKeyID, a.adminSecret, "")
	_, err := call(c, "GetManagerInfoByAuthCode", map[string]any{"AuthCode": "nosuchcode"}, nil)
	wantCode(t, "an unknown code", err, 400, "InvalidParameter")
	_, err = call(c, "GetManagerInfoByAuthCode", nil, nil)
	wantCode(t, "no code", err, 400, "MissingParameter")

	theirs, _, err := a.st.CreateAuthCode(t.Context(), a.other.ID, a.owner2.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = call(c, "GetManagerInfoByAuthCode", map[string]any{"AuthCode": theirs}, nil)
	wantCode(t, "another tenant's code", err, 400, "InvalidParameter")

	late := authCodeOnPage(t, b)
	a.st.SetClock(func() time.Time { return time.Now().Add(store.AuthCodeTTL) })
	c = a.client(t, a.admin.AccessKeyID, a.adminSecret, "v2")
	_, err = call(c, "GetManagerInfoByAuthCode", map[string]any{"AuthCode": late}, nil)
	wantCode(t, "a code five minutes old", err, 400, "InvalidParameter")
}
