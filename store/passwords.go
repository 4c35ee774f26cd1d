package store

import (
	"database/sql"
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

// dummyHash stands in for a hash that does not exist (an unknown username,
// a user without a password yet), so every rejected password costs one
// bcrypt comparison at the cost of a real one. It is made once per store,
// at the store's cost.
func (s *Store) dummyHash() []byte {
	s.dummy.once.Do(func() {
		s.dummy.hash, _ = bcrypt.GenerateFromPassword([]byte("roster-timing-equaliser"), s.passwordCost())
	})
	return s.dummy.hash
}

func (s *Store) passwordCost() int {
	if s.PasswordCost == 0 {
		return bcrypt.DefaultCost
	}
	return s.PasswordCost
}

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

// hashPassword hashes pw with bcrypt. It takes tens of milliseconds, so it is
// never called inside a write transaction (which would hold every writer).
func (s *Store) hashPassword(pw string) (string, error) {
	s.bcryptRuns()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.passwordCost())
	if err != nil {
		return "", fmt.Errorf("store: hash password: %w", err)
	}
	return string(h), nil
}

// verifyPassword reports whether pw matches hash. Whatever the input (no
// hash, a password too long to have been set) it spends exactly one bcrypt
// comparison, so a rejection takes as long as a wrong guess at a real
// password and timing does not tell which accounts exist or have a
// password. Like hashPassword, never inside a write transaction.
func (s *Store) verifyPassword(hash sql.NullString, pw string) bool {
	s.bcryptRuns()
	usable := hash.Valid && len(pw) <= maxPasswordBytes
	against := s.dummyHash()
	if usable {
		against = []byte(hash.String)
	}
	probe := pw[:min(len(pw), maxPasswordBytes)]
	return bcrypt.CompareHashAndPassword(against, []byte(probe)) == nil && usable
}

func (s *Store) bcryptRuns() {
	if s.onBcrypt != nil {
		s.onBcrypt()
	}
}

// GeneratePassword returns a random password of 20 characters for first
// owners and new administrators; it is shown once and never stored.
func GeneratePassword() string {
	return randomString(13)[:20]
}
