package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"roster/store"
	"roster/store/seed"
)

// How the benchmark's directory is built (--fill).
const (
	// fillSeed writes it with roster seed: rows in bulk, the search index
	// built and merged at the end.
	fillSeed = "seed"
	// fillAPI creates its users through POST /api/v1/users/batch, as a
	// provisioning script would: the search index grows user by user.
	fillAPI = "api"
)

// fillTag tells cached directories of the two fills apart: a seeded one
// keeps the name it always had.
func fillTag(o options) string {
	if o.fill == fillAPI {
		return "api-"
	}
	return ""
}

// build fills the new database dsn as o.fill says.
func build(ctx context.Context, o options, dsn string) error {
	if o.fill == fillAPI {
		return fillThroughAPI(ctx, o, dsn)
	}
	return rosterSeed(ctx, o, dsn)
}

// fillThroughAPI seeds the directory's structure (org units, groups and
// properties, with one user: roster seed wants one) and then creates the
// other users through the API, bulkBatch a request on o.conns connections.
// The users are named as roster seed names them, so the keyword scenarios
// match about as many; they sit in the root unit, in no group and hold no
// property value.
func fillThroughAPI(ctx context.Context, o options, dsn string) error {
	structure := o
	structure.users = 1
	if err := rosterSeed(ctx, structure, dsn); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "rosterbench-fill-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	keyFile := filepath.Join(work, "server.key")
	serverKey := make([]byte, store.ServerKeySize)
	rand.Read(serverKey)
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(serverKey)), 0o600); err != nil {
		return err
	}
	// Named, so no roster.key is left beside the cached database.
	out, err := cli(o.roster, "apikey", "create", "--db", dsn, "--role", "admin", "--name", "fill", "--secret-key-file", keyFile)
	if err != nil {
		return err
	}
	m := regexp.MustCompile(`(?m)^(rst_\S+)$`).FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("no key in %q", out)
	}
	srv, err := start(o.roster, dsn, "--secret-key-file", keyFile)
	if err != nil {
		return err
	}
	defer srv.stop()
	if err := postUsers(ctx, srv.url, m[1], o, 1, o.users); err != nil {
		return err
	}
	if store.IsPostgres(dsn) {
		return analyze(ctx, dsn)
	}
	return nil
}

// analyze gives PostgreSQL's planner statistics of the users the API
// created. A server's autovacuum would within the minute, but not on this
// database: roster seed's VACUUM (ANALYZE) left the statistics of one
// user, and the benchmark serves a copy made with CREATE DATABASE …
// TEMPLATE, which starts with no count of changed rows, so autovacuum
// never analyzes it. Planned as if each page held one user, keyword search
// walked every user by username (about 1 s at 200,000 users) instead of
// reading the trigram index. Only ANALYZE, no VACUUM: the trigram index's
// pending list and the pages not yet all-visible stay as the API left them.
func analyze(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return pgExec(ctx, db, `ANALYZE`)
}

// postUsers creates users from through to (not included), named by
// seed.Identities(o.seed), in batches of bulkBatch on o.conns connections,
// printing its progress and rate on stderr.
func postUsers(ctx context.Context, base, key string, o options, from, to int) error {
	bodies := make(chan []byte, o.conns)
	go func() {
		defer close(bodies)
		next := seed.Identities(o.seed)
		for k := from; k < to; k += bulkBatch {
			var users []map[string]string
			for i := k; i < min(k+bulkBatch, to); i++ {
				id := next(i)
				users = append(users, map[string]string{"username": id.Username, "display_name": id.DisplayName, "email": id.Email})
			}
			b, _ := json.Marshal(map[string]any{"users": users})
			select {
			case bodies <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	c := client(o.conns)
	start := time.Now()
	var done atomic.Int64
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Second):
				fmt.Fprintln(os.Stderr, fillProgress(int(done.Load()), to-from, time.Since(start)))
			}
		}
	}()
	var wg sync.WaitGroup
	var once sync.Once
	var failure error
	fail := func(err error) { once.Do(func() { failure = err }) }
	for range o.conns {
		wg.Go(func() {
			for b := range bodies {
				n, err := postBatch(c, base, key, b)
				if err != nil {
					fail(err)
					for range bodies { // let the producer finish
					}
					return
				}
				done.Add(int64(n))
			}
		})
	}
	wg.Wait()
	if failure != nil {
		return fmt.Errorf("filling through the API: %w", failure)
	}
	fmt.Fprintln(os.Stderr, fillProgress(int(done.Load()), to-from, time.Since(start)))
	return nil
}

// fillProgress is the API fill's progress line.
func fillProgress(done, total int, el time.Duration) string {
	return fmt.Sprintf("created %d of %d users through the API in %s (%.0f users/s)",
		done, total, el.Round(time.Second), float64(done)/max(el.Seconds(), 1e-9))
}

// postBatch sends one batch create and returns how many users it created;
// a user it failed is an error.
func postBatch(c *http.Client, base, key string, body []byte) (int, error) {
	r, _ := http.NewRequest("POST", base+"/api/v1/users/batch", bytes.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+key)
	r.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("POST /api/v1/users/batch: %s", resp.Status)
	}
	var out struct {
		Succeeded []json.RawMessage `json:"succeeded"`
		Failed    []struct {
			Key     string `json:"key"`
			Message string `json:"message"`
		} `json:"failed"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, err
	}
	if len(out.Failed) > 0 {
		return 0, fmt.Errorf("POST /api/v1/users/batch: %d users failed, the first %s: %s",
			len(out.Failed), strconv.Quote(out.Failed[0].Key), out.Failed[0].Message)
	}
	return len(out.Succeeded), nil
}
