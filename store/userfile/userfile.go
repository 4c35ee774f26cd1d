// Package userfile is the file format users leave Roster in (an export)
// and come into it by (an import): CSV or JSON Lines, one user a row, with
// the same columns both ways, so that an export imports back unchanged.
//
// CSV: a header row naming the columns, UTF-8 (a byte-order mark is
// skipped), cells separated by commas or semicolons (read from the header
// row). Lists (groups, required actions, a property's values: one but for
// a multiselect) are one cell, their items joined by "|"; an item holding
// a "|" or a "\" escapes it with a "\". Tags are one column each, named
// "tag:" and the key; custom properties one column each, named "property:"
// and the key.
// Times are RFC 3339; booleans true or false; an empty cell is no value.
//
// JSON Lines: one JSON object a line, keyed by the same column names;
// lists are arrays, tags an object under "tags", properties an object
// under "properties" (a multiselect's values an array, other values a
// string, number or boolean).
//
// Only username is required. A column the file does not have leaves that
// field of an existing user as it is; a column present with an empty cell
// clears it (or, for a field that cannot be empty, is an error naming the
// row and column).
package userfile

import "time"

// The formats of a users' file.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// The fixed columns, in the order an export writes them: the tag and
// property columns follow them.
const (
	ColUsername         = "username"
	ColExternalID       = "external_id"
	ColEmail            = "email"
	ColEmailVerified    = "email_verified"
	ColDisplayName      = "display_name"
	ColDescription      = "description"
	ColPhoneRegion      = "phone_region"
	ColPhoneNumber      = "phone_number"
	ColPhoneVerified    = "phone_verified"
	ColStatus           = "status"
	ColUserType         = "user_type"
	ColLanguage         = "language"
	ColTimezone         = "timezone"
	ColAccountExpiresAt = "account_expires_at"
	ColAutoLockAt       = "auto_lock_at"
	ColRequiredActions  = "required_actions"
	ColOrgUnit          = "org_unit"
	ColGroups           = "groups"
)

// Columns are the fixed columns in the order an export writes them.
var Columns = []string{
	ColUsername, ColExternalID, ColEmail, ColEmailVerified, ColDisplayName, ColDescription,
	ColPhoneRegion, ColPhoneNumber, ColPhoneVerified, ColStatus, ColUserType, ColLanguage,
	ColTimezone, ColAccountExpiresAt, ColAutoLockAt, ColRequiredActions, ColOrgUnit, ColGroups,
}

// Prefixes of the columns named after a tag's or a custom property's key.
const (
	TagPrefix      = "tag:"
	PropertyPrefix = "property:"
)

// Row is one user as a file holds them. OrgUnit is the unit's path of
// names from the root's child down ("Sales/EMEA/Berlin" in a cell; empty
// for the root); Groups are group names; Properties are values by the
// property's key (one value unless the property is a multiselect).
type Row struct {
	Username         string
	ExternalID       string
	Email            string
	EmailVerified    bool
	DisplayName      string
	Description      string
	PhoneRegion      string
	PhoneNumber      string
	PhoneVerified    bool
	Status           string
	UserType         string
	Language         string
	Timezone         string
	AccountExpiresAt *time.Time
	AutoLockAt       *time.Time
	RequiredActions  []string
	OrgUnit          []string
	Groups           []string
	Tags             map[string]string
	Properties       map[string][]string
}
