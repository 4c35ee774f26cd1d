package console

import (
	"strings"
	"time"

	"roster/store"
	"roster/web/templates"
)

// A user's editable fields are described once, by templates.UserForm (what
// the forms send and show) and templates.AccessForm; these turn them into
// the store's input and a stored user back into them.

// userForm is u's profile as the user page first shows it.
func userForm(u store.User) templates.UserForm {
	return templates.UserForm{Username: u.Username, DisplayName: u.DisplayName, Description: u.Description,
		Email: u.Email, PhoneRegion: u.PhoneRegion, PhoneNumber: u.PhoneNumber, Language: u.Language,
		Timezone: u.Timezone, SourceType: u.SourceType, SourceID: u.SourceID, ExternalID: u.ExternalID,
		UserType: u.UserType, Verified: u.EmailVerified, PhoneVerified: u.PhoneVerified}
}

// newUser is the store input of a filled-in new-user form.
func newUser(f templates.UserForm) store.NewUser {
	return store.NewUser{Username: f.Username, DisplayName: f.DisplayName, Description: f.Description,
		Email: f.Email, PhoneRegion: f.PhoneRegion, PhoneNumber: f.PhoneNumber, Password: f.Password,
		Language: f.Language, Timezone: f.Timezone, SourceType: f.SourceType, SourceID: f.SourceID,
		ExternalID: f.ExternalID, Invite: f.Invite}
}

// profileUpdate is the store update of a submitted profile section of u.
func profileUpdate(f *templates.UserForm, u store.User) store.UserUpdate {
	upd := store.UserUpdate{Username: &f.Username, DisplayName: &f.DisplayName, Description: &f.Description,
		Email: &f.Email, PhoneRegion: &f.PhoneRegion, PhoneNumber: &f.PhoneNumber, Language: &f.Language,
		Timezone: &f.Timezone, SourceType: &f.SourceType, SourceID: &f.SourceID, ExternalID: &f.ExternalID,
		UserType: &f.UserType, PhoneVerified: &f.PhoneVerified}
	if strings.EqualFold(strings.TrimSpace(f.Email), u.Email) {
		// The checkbox speaks only for the address it was shown next to.
		upd.EmailVerified = &f.Verified
	}
	return upd
}

// accessForm is u's access section as the user page first shows it.
func accessForm(u store.User) templates.AccessForm {
	return templates.AccessForm{AccountExpiresAt: dateOf(u.AccountExpiresAt), PasswordExpiresAt: dateOf(u.PasswordExpiresAt),
		RequiredActions: u.RequiredActions}
}

func dateOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}
