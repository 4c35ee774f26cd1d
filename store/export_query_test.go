package store

// SetScanLimit replaces ScanLimit for this store, so tests reach it with
// a few users; it returns the old value (0 is ScanLimit).
func (s *Store) SetScanLimit(n int) int {
	old := s.planner.scanCap
	s.planner.scanCap = n
	return old
}
