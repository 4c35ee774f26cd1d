package store

import (
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Administrator password rules: bcrypt reads at most 72 bytes, so longer
// passwords are refused rather than silently truncated.
const (
	MinAdminPasswordLen = 10
	maxPasswordBytes    = 72
)

// dummyHash is compared against when a username is unknown, so a failed
// sign-in takes as long whether or not the account exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("roster-timing-equaliser"), bcrypt.DefaultCost)

// CheckAdminPassword returns a message for a password that breaks the
// administrator password rules, or "".
func CheckAdminPassword(pw string) string {
	switch {
	case utf8.RuneCountInString(pw) < MinAdminPasswordLen:
		return fmt.Sprintf("Password must be at least %d characters.", MinAdminPasswordLen)
	case len(pw) > maxPasswordBytes:
		return fmt.Sprintf("Password must be at most %d bytes.", maxPasswordBytes)
	}
	return ""
}

func hashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("store: hash password: %w", err)
	}
	return string(h), nil
}

func passwordMatches(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// GeneratePassword returns a random password of 20 characters for first
// owners and new administrators; it is shown once and never stored.
func GeneratePassword() string {
	return randomString(13)[:20]
}
