package store

// caseless is a display name or email column as its indexes hold it,
// compared without case: on PostgreSQL ci(column), the lower-cased value
// in citext's own order (an index of the citext column itself lower-cased
// both sides of every comparison as it descended, a third of an INSERT's
// CPU); on SQLite the NOCASE column itself. Sorts, ranges and equality
// that an index should serve compare caseless(col) with caselessArg.
func (s *Store) caseless(col string) string {
	if s.pg {
		return "ci(" + col + ")"
	}
	return col
}

// caselessArg is the placeholder of a value compared with a caseless
// column.
func (s *Store) caselessArg() string {
	if s.pg {
		return "ci(?)"
	}
	return "?"
}
