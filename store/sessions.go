package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
)

// SessionStore is scs's SQLite store on Roster's database. Writes and the
// expiry sweep use the write connection; Find, the one call made on every
// console request, reads the same table from the read pool with a prepared
// statement, so it never waits behind a write nor prepares each time.
type SessionStore struct {
	*sqlite3store.SQLite3Store
	s *Store
}

// Sessions returns a session store that sweeps expired sessions every
// cleanup interval until StopCleanup.
func (s *Store) Sessions(cleanup time.Duration) *SessionStore {
	return &SessionStore{SQLite3Store: sqlite3store.NewWithCleanupInterval(s.w, cleanup), s: s}
}

// Find returns the data of an unexpired session, as sqlite3store's does.
func (ss *SessionStore) Find(token string) ([]byte, bool, error) {
	var b []byte
	err := ss.s.rd.QueryRowContext(context.Background(),
		`SELECT data FROM sessions WHERE token = ? AND julianday('now') < expiry`, token).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}
