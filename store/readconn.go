package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
)

// readerCacheKiB is the page cache of each connection of the SQLite read
// pool (see dsn).
const readerCacheKiB = 2000

// pinKey is the context key of a read connection held for a series of
// reads (see withReadConn).
type pinKey struct{}

// pinnedConn is the read connection ctx's reads are pinned to, nil for
// none.
func pinnedConn(ctx context.Context) *sql.Conn {
	c, _ := ctx.Value(pinKey{}).(*sql.Conn)
	return c
}

// unpinned is ctx with its reads back on the pool, for work that may
// outlive the connection.
func unpinned(ctx context.Context) context.Context {
	if pinnedConn(ctx) == nil {
		return ctx
	}
	return context.WithValue(ctx, pinKey{}, (*sql.Conn)(nil))
}

// withReadConn runs fn with a context whose reads through s.rd all go to
// one connection of the SQLite read pool, its page cache cut to cacheKiB
// meanwhile. A long walk through a table meets each page once, so a big
// cache only holds what will not be read again; and the pool would lend
// the walk's reads whichever connections are idle, each then keeping its
// full cache of the walk's pages (resident memory the server keeps). The
// connection's cache is restored before it goes back to the pool; one
// that cannot be restored is closed. On PostgreSQL, which keeps its cache
// in the server, fn runs on the pool.
func (s *Store) withReadConn(ctx context.Context, cacheKiB int, fn func(context.Context) error) (err error) {
	if s.pg {
		return fn(ctx)
	}
	c, err := s.r.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: read connection: %w", err)
	}
	defer func() {
		// Restored even when ctx has ended: the connection outlives it.
		restore := context.WithoutCancel(ctx)
		if _, rerr := c.ExecContext(restore, cacheSizePragma(readerCacheKiB)); rerr != nil {
			// Raw's ErrBadConn closes the connection instead of pooling it.
			c.Raw(func(any) error { return driver.ErrBadConn })
			return
		}
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err := c.ExecContext(ctx, cacheSizePragma(cacheKiB)); err != nil {
		return fmt.Errorf("store: read connection: %w", err)
	}
	return fn(context.WithValue(ctx, pinKey{}, c))
}

// cacheSizePragma sets a connection's page cache to kib KiB. (A smaller
// cache than the connection holds frees the pages beyond it.)
func cacheSizePragma(kib int) string {
	return "PRAGMA cache_size = -" + strconv.Itoa(kib)
}
