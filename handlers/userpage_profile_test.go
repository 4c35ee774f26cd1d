package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"roster/store"
)

// The profile section shows and edits the user type and whether the
// phone number is verified.
func TestConsoleUserProfileTypeAndPhoneVerified(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	u, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", PhoneRegion: "44", PhoneNumber: "2079460000"})
	if err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	path := "/users/" + u.PublicID()
	wantPage(t, b.get(path), http.StatusOK, `<label for="user_type">User type</label>`, `<option value="user" selected>User</option>`,
		`<option value="api_user">API user</option>`, `<input type="checkbox" name="phone_verified" value="true"> Phone number verified`)

	profile := url.Values{"username": {"ada"}, "language": {"en"}, "source_type": {"built_in"}, "phone_region": {"44"},
		"phone_number": {"2079460000"}, "user_type": {"robot"}, "phone_verified": {"true"}}
	wantPage(t, b.htmxPost(path+"/profile", profile), http.StatusUnprocessableEntity, "User type must be user or api_user.",
		`name="phone_verified" value="true" checked`)
	profile.Set("user_type", "api_user")
	wantPage(t, b.htmxPost(path+"/profile", profile), http.StatusOK, "Profile saved.", `<option value="api_user" selected>API user</option>`,
		`name="phone_verified" value="true" checked`)
	if got, _ := a.st.GetUser(ctx, a.acme.ID, u.ID); got.UserType != "api_user" || !got.PhoneVerified {
		t.Fatalf("after the save: type %q, phone verified %v", got.UserType, got.PhoneVerified)
	}
	profile.Del("phone_verified")
	wantPage(t, b.htmxPost(path+"/profile", profile), http.StatusOK, "Profile saved.")
	if got, _ := a.st.GetUser(ctx, a.acme.ID, u.ID); got.PhoneVerified {
		t.Fatal("unticking Phone number verified left it verified")
	}
}
