package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
)

// SessionStore is scs's store for the engine, on Roster's database: every
// replica on one PostgreSQL sees the same sessions. Writes and the expiry
// sweep are scs's; Find, the one call made on every console request, reads
// the table through the store's reader (prepared statements on SQLite's
// read pool), so it never waits behind a write nor prepares each time.
type SessionStore struct {
	scsStore
	s *Store
}

// scsStore is what SessionStore takes from scs's engine stores.
type scsStore interface {
	Commit(token string, b []byte, expiry time.Time) error
	Delete(token string) error
	All() (map[string][]byte, error)
	StopCleanup()
}

// Sessions returns a session store that sweeps expired sessions every
// cleanup interval until StopCleanup.
func (s *Store) Sessions(cleanup time.Duration) *SessionStore {
	if s.pg {
		return &SessionStore{scsStore: postgresstore.NewWithCleanupInterval(s.w, cleanup), s: s}
	}
	return &SessionStore{scsStore: sqlite3store.NewWithCleanupInterval(s.w, cleanup), s: s}
}

// Find returns the data of an unexpired session, as scs's stores do (the
// engines keep expiry in their own time types).
func (ss *SessionStore) Find(token string) ([]byte, bool, error) {
	query := `SELECT data FROM sessions WHERE token = ? AND julianday('now') < expiry`
	if ss.s.pg {
		query = `SELECT data FROM sessions WHERE token = ? AND current_timestamp < expiry`
	}
	var b []byte
	err := ss.s.rd.QueryRowContext(context.Background(), query, token).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}
