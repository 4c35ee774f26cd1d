package store

import "context"

// AttemptRows counts the rows of the attempts table, lapsed ones included.
func (s *Store) AttemptRows(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM attempts`).Scan(&n)
	return n, err
}

// NonceRows counts the rows of the request_nonces table, lapsed ones
// included.
func (s *Store) NonceRows(ctx context.Context) (int, error) {
	var n int
	err := s.nonces.QueryRowContext(ctx, `SELECT count(*) FROM request_nonces`).Scan(&n)
	return n, err
}
