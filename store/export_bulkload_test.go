package store

import "context"

// ForeignKeys lists the foreign keys of the PostgreSQL database, each with
// whether it was checked against every row (a bulk load drops and adds
// some), one a line.
func (s *Store) ForeignKeys(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		|| CASE WHEN convalidated THEN '' ELSE ' (not validated)' END
		FROM pg_constraint WHERE contype = 'f' ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var fk string
		if err := rows.Scan(&fk); err != nil {
			return nil, err
		}
		out = append(out, fk)
	}
	return out, rows.Err()
}
