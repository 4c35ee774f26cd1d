package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/bits-and-blooms/bloom/v3"

	"roster/store/userfile"
)

// ImportKeys are the users a row of an import's file names: its username
// in lower case ("u:…") and, when the file has the column and the cell is
// not empty, its external id ("e:…"). Two rows naming the same key name the
// same user.
func ImportKeys(r userfile.Record) []string {
	keys := make([]string, 0, 2)
	if name := strings.ToLower(strings.TrimSpace(r.User.Username)); name != "" {
		keys = append(keys, createdName("u", name))
	}
	if ext := strings.TrimSpace(r.User.ExternalID); ext != "" && r.Has(userfile.ColExternalID) {
		keys = append(keys, createdName("e", ext))
	}
	return keys
}

// createdName is a new user's username (u, lower case) or external id (e)
// as ImportKeys and import_created hold it.
func createdName(kind, v string) string { return kind + ":" + v }

// RepeatedKeys tells which keys (ImportKeys) an import's file may name on
// more than one row: the rows creating users whose keys no other row names
// need not record them (import_created) for later chunks to find, which
// was a tenth of a chunk's work in PostgreSQL. Sure of the keys it says
// are not repeated; of the others, about 2 % are not repeated after all.
// A nil one (an import from before it was kept) says every key may be.
type RepeatedKeys struct{ f *bloom.BloomFilter }

// Maybe reports whether key may be named on another row of the file.
func (r *RepeatedKeys) Maybe(key string) bool { return r == nil || r.f.TestString(key) }

// maxRepeatKeys bounds the filters of a file of any size: past about four
// million keys they grow no more and tell less (more keys look repeated),
// never wrongly.
const maxRepeatKeys = 4 << 20

// RepeatFinder finds a file's repeated keys as its rows are read once: a
// key met when the filter of keys met says it was met before goes into the
// filter of repeated keys. size is the file's size in bytes, which bounds
// its keys.
type RepeatFinder struct{ seen, repeated *bloom.BloomFilter }

func NewRepeatFinder(size int64) *RepeatFinder {
	n := uint(min(max(size/16, 1024), maxRepeatKeys))
	return &RepeatFinder{seen: bloom.NewWithEstimates(n, 0.01), repeated: bloom.NewWithEstimates(n, 0.01)}
}

// Add counts a row's keys.
func (f *RepeatFinder) Add(r userfile.Record) {
	for _, k := range ImportKeys(r) {
		if f.seen.TestAndAddString(k) {
			f.repeated.AddString(k)
		}
	}
}

// Repeated is what the rows added so far repeat.
func (f *RepeatFinder) Repeated() *RepeatedKeys { return &RepeatedKeys{f.repeated} }

// ImportRepeatedKeys returns what an import's file repeats, as found when
// it was stored (nil for an import stored before).
func (s *Store) ImportRepeatedKeys(ctx context.Context, id int64) (*RepeatedKeys, error) {
	var data []byte
	err := s.rd.QueryRowContext(ctx, `SELECT repeated_keys FROM imports WHERE id = ?`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: import %d: %w", id, ErrNotFound)
	}
	if err != nil || data == nil {
		return nil, err
	}
	f := &bloom.BloomFilter{}
	if err := f.UnmarshalBinary(data); err != nil {
		return nil, fmt.Errorf("store: import %d's repeated keys: %w", id, err)
	}
	return &RepeatedKeys{f}, nil
}

func (r *RepeatedKeys) bytes() ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	return r.f.MarshalBinary()
}
