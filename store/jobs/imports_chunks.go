package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"roster/store"
	"roster/store/userfile"
)

// chunkRunner applies an import's chunks as they are read, up to side at
// once. A chunk starts beside those under way only if no row of it names a
// user (by username or external id) that a row of theirs names: a row
// naming a user an earlier row creates must find it created, as when
// chunks go one after another. The first chunk goes alone (it creates the
// org units the file names, which the next ones then find).
//
// The store refuses a chunk beside others unless it only creates users
// (ErrImportUpdates, ErrImportRowErrors): such a chunk is applied alone
// once those under way have ended, before any later chunk starts. After
// one that changes users already there (a file syncing what it filled
// before: most likely all of it does) the rest go one at a time. So does
// everything after a chunk failed beside others, which is tried again
// alone: a conflict with one of them (a unique property value, say) then
// shows as its row's error, as it would have one after another.
type chunkRunner struct {
	ctx     context.Context
	st      *store.Store
	imp     store.Import
	job     int64
	p       *Progress
	side    int
	running int
	busy    map[string]bool // the keys of the chunks under way
	done    chan chunkResult
	again   [][]store.ImportRecord // refused beside others: to apply alone
	err     error                  // the first error; nothing starts after it
}

// sideBySide, when tests set it, hears how many chunks are under way each
// time one starts beside others.
var sideBySide func(running int)

type chunkResult struct {
	chunk []store.ImportRecord
	keys  []string
	c     store.ImportCounts
	err   error
}

func applyChunks(ctx context.Context, st *store.Store, imp store.Import, job int64, chunks <-chan []store.ImportRecord, side int, p *Progress) error {
	r := &chunkRunner{ctx: ctx, st: st, imp: imp, job: job, p: p, side: side, busy: map[string]bool{},
		done: make(chan chunkResult, side)}
	first := true
	for chunk := range chunks {
		r.apply(chunk, first)
		first = false
		if r.err != nil {
			break
		}
	}
	r.settle()
	return r.err
}

func (r *chunkRunner) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// apply applies chunk beside those under way, or alone when it must.
func (r *chunkRunner) apply(chunk []store.ImportRecord, first bool) {
	keys := chunkKeys(chunk)
	for r.running > 0 && (r.running >= r.side || overlaps(r.busy, keys)) {
		r.wait()
	}
	if first || r.side == 1 || len(r.again) > 0 || r.err != nil {
		r.settle()
		r.alone(chunk)
		return
	}
	r.running++
	for _, k := range keys {
		r.busy[k] = true
	}
	if sideBySide != nil {
		sideBySide(r.running)
	}
	go func() {
		c, err := r.st.ApplyImportRows(r.ctx, r.imp, r.job, chunk, true)
		r.done <- chunkResult{chunk, keys, c, err}
	}()
}

// wait takes the next chunk under way to end.
func (r *chunkRunner) wait() {
	res := <-r.done
	r.running--
	for _, k := range res.keys {
		delete(r.busy, k)
	}
	switch {
	case res.err == nil:
		r.fail(r.p.Recorded(res.c.Cancel))
	case errors.Is(res.err, store.ErrImportRowErrors):
		r.again = append(r.again, res.chunk)
	case r.ctx.Err() != nil || errors.Is(res.err, store.ErrNotFound):
		r.fail(res.err) // stopped, or the job no longer runs
	default: // ErrImportUpdates, or a conflict with a chunk beside it
		r.side = 1
		r.again = append(r.again, res.chunk)
	}
}

// settle waits for every chunk under way, then applies alone, in the
// file's order, those refused beside others.
func (r *chunkRunner) settle() {
	for r.running > 0 {
		r.wait()
	}
	slices.SortFunc(r.again, func(a, b []store.ImportRecord) int { return a[0].Row - b[0].Row })
	for _, chunk := range r.again {
		r.alone(chunk)
	}
	r.again = nil
}

func (r *chunkRunner) alone(chunk []store.ImportRecord) {
	if r.err != nil {
		return
	}
	c, err := r.st.ApplyImportRows(r.ctx, r.imp, r.job, chunk, false)
	if err != nil {
		r.fail(err)
		return
	}
	r.fail(r.p.Recorded(c.Cancel))
}

// chunkKeys are the users a chunk's rows name (store.ImportKeys).
func chunkKeys(chunk []store.ImportRecord) []string {
	keys := make([]string, 0, 2*len(chunk))
	for _, rec := range chunk {
		keys = append(keys, store.ImportKeys(rec.Record)...)
	}
	return keys
}

func overlaps(busy map[string]bool, keys []string) bool {
	return slices.ContainsFunc(keys, func(k string) bool { return busy[k] })
}

// readChunks sends the rows of r that no chunk has applied (applied, in
// the file's order) to chunks, size at a time, until the file ends or stop
// is closed, then closes chunks. A chunk's rows follow one another in the
// file: it ends where rows applied before begin.
func readChunks(r *userfile.Reader, imp store.Import, applied []store.RowRange, size int, chunks chan<- []store.ImportRecord, stop <-chan struct{}) error {
	defer close(chunks)
	chunk := make([]store.ImportRecord, 0, size)
	send := func() bool {
		select {
		case <-stop: // not sent, though the drain would take it
			return false
		default:
		}
		select {
		case chunks <- chunk:
			chunk = make([]store.ImportRecord, 0, size)
			return true
		case <-stop:
			return false
		}
	}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re userfile.RowErrors
		if err != nil && !errors.As(err, &re) {
			return fmt.Errorf("jobs: reading the file of %s: %w", imp.PublicID(), err)
		}
		for len(applied) > 0 && applied[0].Last < rec.Row {
			applied = applied[1:]
		}
		if len(applied) > 0 && applied[0].First <= rec.Row {
			if len(chunk) > 0 && !send() {
				return nil
			}
			continue
		}
		chunk = append(chunk, store.ImportRecord{Row: rec.Row, Record: rec, Errs: re})
		if len(chunk) == size && !send() {
			return nil
		}
	}
	if len(chunk) > 0 {
		send()
	}
	return nil
}
