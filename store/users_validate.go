package store

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // IANA names validate the same on hosts without a zoneinfo database
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// UserTypes are the kinds of user: people, and accounts that programs
// sign in with.
var UserTypes = []string{"user", "api_user"}

var (
	sourceTypePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	tagKeyPattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$`)
	digits            = regexp.MustCompile(`^[0-9]+$`)
	validZones        sync.Map // IANA name -> true, so each name is loaded once
)

// CheckTimezone returns why name is not an IANA time zone name, or "".
func CheckTimezone(name string) string {
	if _, ok := validZones.Load(name); ok {
		return ""
	}
	if name == "Local" || strings.ContainsAny(name, " \\") {
		return "Use an IANA time zone name such as Europe/Paris."
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "Unknown time zone; use an IANA name such as Europe/Paris."
	}
	validZones.Store(name, true)
	return ""
}

// cleanText reports whether s is valid UTF-8 without control characters.
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func checkText(fe FieldErrors, field, label, v string, max int) {
	switch {
	case !cleanText(v):
		fe[field] = label + " must be valid UTF-8 text without control characters."
	case utf8.RuneCountInString(v) > max:
		fe[field] = fmt.Sprintf("%s must be at most %d characters.", label, max)
	}
}

// normalize trims and canonicalises a user's fields before validation.
func (u *User) normalize() {
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	u.Email = strings.TrimSpace(u.Email)
	u.PhoneRegion = strings.TrimPrefix(strings.TrimSpace(u.PhoneRegion), "+")
	u.PhoneNumber = strings.TrimSpace(u.PhoneNumber)
	u.SourceType = strings.TrimSpace(u.SourceType)
	u.ExternalID = strings.TrimSpace(u.ExternalID)
	u.Timezone = strings.TrimSpace(u.Timezone)
	if tag, err := language.Parse(strings.TrimSpace(u.Language)); err == nil {
		u.Language = tag.String()
	}
	acts := slices.Clone(u.RequiredActions)
	sort.Strings(acts)
	u.RequiredActions = slices.Compact(acts)
}

// validate checks every rule of a user's fields and returns one message per field.
func (u *User) validate() FieldErrors {
	fe := FieldErrors{}
	if !cleanText(u.Username) {
		fe["username"] = "Username must be valid UTF-8 text without control characters."
	} else if msg := CheckUsername(u.Username); msg != "" {
		fe["username"] = msg
	}
	checkText(fe, "display_name", "Display name", u.DisplayName, 128)
	checkText(fe, "description", "Description", u.Description, 256)
	if u.Email != "" {
		if msg := CheckEmail(u.Email); msg != "" {
			fe["email"] = msg
		}
	}
	if u.PhoneRegion != "" && (!digits.MatchString(u.PhoneRegion) || len(u.PhoneRegion) > 3) {
		fe["phone_region"] = "Phone region must be a country calling code of 1 to 3 digits, such as 44."
	}
	if u.PhoneNumber != "" && (!digits.MatchString(u.PhoneNumber) || len(u.PhoneNumber) < 4 || len(u.PhoneNumber)+len(u.PhoneRegion) > 15) {
		fe["phone_number"] = "Phone number must be 4 to 14 digits (15 with the region code), without spaces."
	}
	if u.PhoneNumber != "" && u.PhoneRegion == "" && fe["phone_region"] == "" {
		fe["phone_region"] = "Give the phone region (country calling code) with a phone number."
	}
	switch u.Status {
	case StatusEnabled, StatusDisabled, StatusPending:
	default:
		fe["status"] = "Status must be enabled, disabled or pending."
	}
	for _, a := range u.RequiredActions {
		if !slices.Contains(RequiredActions, a) {
			fe["required_actions"] = "Required actions are update_password, update_profile and verify_email."
		}
	}
	if !slices.Contains(UserTypes, u.UserType) {
		fe["user_type"] = "User type must be user or api_user."
	}
	if !sourceTypePattern.MatchString(u.SourceType) {
		fe["source_type"] = "Source type must be a lower-case word such as built_in, csv, scim or ldap."
	}
	checkText(fe, "source_id", "Source id", u.SourceID, 128)
	checkText(fe, "external_id", "External id", u.ExternalID, 256)
	if _, err := language.Parse(u.Language); err != nil || u.Language == "" {
		fe["language"] = "Language must be a BCP 47 tag such as en, en-GB or pt-BR."
	}
	if u.Timezone != "" {
		if msg := CheckTimezone(u.Timezone); msg != "" {
			fe["timezone"] = msg
		}
	}
	if len(u.Tags) > 50 {
		fe["tags"] = "A user has at most 50 tags."
	}
	for k, v := range u.Tags {
		if !tagKeyPattern.MatchString(k) {
			fe["tags"] = fmt.Sprintf("Tag key %q must be 1 to 64 letters, digits and _ . : / -, starting with a letter or digit.", k)
			break
		}
		if !cleanText(v) || utf8.RuneCountInString(v) > 256 {
			fe["tags"] = fmt.Sprintf("Tag %q must have a value of at most 256 characters without control characters.", k)
			break
		}
	}
	if u.OwnerType != OwnerUser && u.OwnerType != OwnerManager {
		fe["owner_type"] = "Owner type must be user (the user receives their notices) or manager (the creating administrator does)."
	}
	return fe
}

// candidate turns a NewUser into the User it would create, with defaults.
func (n NewUser) candidate(t Tenant, root int64) User {
	u := User{Username: n.Username, DisplayName: n.DisplayName, Description: n.Description, Email: n.Email,
		EmailVerified: n.EmailVerified, PhoneRegion: n.PhoneRegion, PhoneNumber: n.PhoneNumber, Status: n.Status,
		AccountExpiresAt: n.AccountExpiresAt, PasswordExpiresAt: n.PasswordExpiresAt, LockAt: n.LockAt, OwnerType: n.OwnerType, RequiredActions: n.RequiredActions,
		UserType: n.UserType, SourceType: n.SourceType, SourceID: n.SourceID, ExternalID: n.ExternalID,
		Language: n.Language, Timezone: n.Timezone, Tags: n.Tags, OrgUnitID: n.OrgUnitID, TenantID: t.ID}
	if u.UserType == "" {
		u.UserType = "user"
	}
	if u.OwnerType == "" {
		u.OwnerType = OwnerUser
	}
	if u.SourceType == "" {
		u.SourceType = "built_in"
	}
	if u.Language == "" {
		u.Language = t.DefaultLanguage
	}
	if u.Status == "" {
		u.Status = StatusPending
		if n.Password != "" || u.SourceType != "built_in" || u.UserType == "api_user" {
			u.Status = StatusEnabled
		}
	}
	if u.OrgUnitID == 0 {
		u.OrgUnitID = root
	}
	if u.Tags == nil {
		u.Tags = map[string]string{}
	}
	u.PasswordSet = n.Password != ""
	return u
}
