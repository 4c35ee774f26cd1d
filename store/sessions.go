package store

import (
	"time"

	"github.com/alexedwards/scs/sqlite3store"
)

// SessionStore is scs's SQLite store on Roster's database. Writes and the
// expiry sweep use the write connection; Find, the one call made on every
// console request, uses the read pool so it never waits behind a write.
type SessionStore struct {
	*sqlite3store.SQLite3Store
	reader *sqlite3store.SQLite3Store
}

// Sessions returns a session store that sweeps expired sessions every
// cleanup interval until StopCleanup.
func (s *Store) Sessions(cleanup time.Duration) *SessionStore {
	return &SessionStore{
		SQLite3Store: sqlite3store.NewWithCleanupInterval(s.w, cleanup),
		reader:       sqlite3store.NewWithCleanupInterval(s.r, 0),
	}
}

// Find returns the data for a session token from the read pool.
func (ss *SessionStore) Find(token string) ([]byte, bool, error) {
	return ss.reader.Find(token)
}
