package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"roster/handlers"
	"roster/store"
)

// config is the server's configuration: each flag defaults to its ROSTER_*
// environment variable, then to the built-in default.
type config struct {
	Addr          string
	DB            string
	KeyFile       string // the server key; see sealer
	BaseURL       string
	SecureCookies bool
	Limits        store.Limits
	SMTP          *smtpConfig // nil: emails stay in the outbox
	DebugAddr     string      // net/http/pprof, off when empty
	// TrustedProxies may set X-Forwarded-For; nobody else's is believed.
	TrustedProxies []*net.IPNet
	BodyTimeout    time.Duration
	Bench          bool // bench mode: see handlers.Config.Bench
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// dbFlag adds the --db flag every command shares.
func dbFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("db", envOr(getenv, "ROSTER_DB", "./data/roster.db"), "database: a SQLite file (optionally sqlite:FILE) or a postgres:// URL (ROSTER_DB)")
}

func parseServe(args []string, getenv func(string) string) (c config, err error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", envOr(getenv, "ROSTER_ADDR", "127.0.0.1:8080"), "address to listen on (ROSTER_ADDR)")
	db := dbFlag(fs, getenv)
	keyFile := keyFileFlag(fs, getenv)
	fs.StringVar(&c.BaseURL, "base-url", getenv("ROSTER_BASE_URL"), "URL people reach Roster at, for emailed links (ROSTER_BASE_URL; default from --addr)")
	secure := fs.String("secure-cookies", getenv("ROSTER_SECURE_COOKIES"), "mark cookies Secure (ROSTER_SECURE_COOKIES; default: true when the base URL is https)")
	fs.StringVar(&c.DebugAddr, "debug-addr", getenv("ROSTER_DEBUG_ADDR"), "address for Go's profiling endpoints /debug/pprof/ (ROSTER_DEBUG_ADDR; off when empty; keep it on loopback)")
	smtpURL := fs.String("smtp-url", getenv("ROSTER_SMTP_URL"), "SMTP server for emails, smtp://user:pass@host:587[?starttls=required] or smtps://… (ROSTER_SMTP_URL; unset: emails stay in the outbox)")
	smtpFrom := fs.String("smtp-from", getenv("ROSTER_SMTP_FROM"), "sender address of emails (ROSTER_SMTP_FROM; default roster@ the SMTP host)")
	maxProps := fs.String("max-properties", envOr(getenv, "ROSTER_MAX_PROPERTIES", strconv.Itoa(store.DefaultMaxProperties)),
		"custom properties a tenant may define (ROSTER_MAX_PROPERTIES)")
	maxValues := fs.String("max-property-values", envOr(getenv, "ROSTER_MAX_PROPERTY_VALUES", strconv.Itoa(store.DefaultMaxPropertyValues)),
		"allowed values a list property may have (ROSTER_MAX_PROPERTY_VALUES)")
	proxies := fs.String("trusted-proxies", getenv("ROSTER_TRUSTED_PROXIES"),
		"comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed (ROSTER_TRUSTED_PROXIES; default none: the client is the connection's peer)")
	bodyTimeout := fs.String("body-timeout", envOr(getenv, "ROSTER_BODY_TIMEOUT", "30s"),
		"how long a request body may take to arrive (ROSTER_BODY_TIMEOUT)")
	if v := getenv("ROSTER_BENCH"); v != "" {
		if c.Bench, err = strconv.ParseBool(v); err != nil {
			return config{}, fmt.Errorf("ROSTER_BENCH: %q is not true or false", v)
		}
	}
	fs.BoolVar(&c.Bench, "bench", c.Bench,
		"bench mode, for make bench only: a constant answer behind each surface's checks and Server-Timing on the lists (ROSTER_BENCH)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if c.TrustedProxies, err = parseProxies(*proxies); err != nil {
		return config{}, err
	}
	if c.BodyTimeout, err = time.ParseDuration(*bodyTimeout); err != nil || c.BodyTimeout <= 0 {
		return config{}, fmt.Errorf("--body-timeout: %q is not a positive duration such as 30s", *bodyTimeout)
	}
	for _, l := range []struct {
		name string
		v    *string
		dst  *int
	}{{"--max-properties", maxProps, &c.Limits.Properties}, {"--max-property-values", maxValues, &c.Limits.PropertyValues}} {
		n, err := strconv.Atoi(*l.v)
		if err != nil || n < 1 {
			return config{}, fmt.Errorf("%s: %q is not a whole number from 1", l.name, *l.v)
		}
		*l.dst = n
	}
	smtp, err := parseSMTP(*smtpURL, *smtpFrom)
	if err != nil {
		return config{}, err
	}
	c.SMTP = smtp
	c.DB, c.KeyFile = *db, *keyFile
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.SecureCookies = strings.HasPrefix(c.BaseURL, "https://")
	if *secure != "" {
		v, err := strconv.ParseBool(*secure)
		if err != nil {
			return config{}, fmt.Errorf("--secure-cookies: %q is not true or false", *secure)
		}
		c.SecureCookies = v
	}
	return c, nil
}

// parseProxies reads a comma-separated list of addresses and CIDR ranges.
func parseProxies(list string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			ip := net.ParseIP(f)
			if ip == nil {
				return nil, fmt.Errorf("--trusted-proxies: %q is not an IP address or CIDR range", f)
			}
			bits := 128
			if ip.To4() != nil {
				bits = 32
			}
			f += "/" + strconv.Itoa(bits)
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is not an IP address or CIDR range", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// openStore opens the database, creating a SQLite file's folder on first
// use.
func openStore(ctx context.Context, dsn string) (*store.Store, error) {
	if !store.IsPostgres(dsn) {
		if err := os.MkdirAll(filepath.Dir(strings.TrimPrefix(dsn, "sqlite:")), 0o750); err != nil {
			return nil, err
		}
	}
	return store.Open(ctx, dsn)
}

// openSealed is openStore for the commands that use AccessKeys: the store
// gets the server key of keyFile (see sealer).
func openSealed(ctx context.Context, dsn, keyFile string) (*store.Store, error) {
	st, err := openStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if st.Sealer, err = sealer(keyFile, dsn); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// tuneGC trades a little memory for CPU unless GOGC or GOMEMLIMIT say
// otherwise. The live heap of a serving Roster is a few MiB, so with Go's
// default GOGC=100 a collection ran every few hundred requests and cost a
// quarter of a list page's CPU (make bench: first page +25-35 % at 400).
// The soft limit keeps a burst (a batch of 10,000 users, an import) from
// growing the heap past the memory target (under 150 MB under load). On
// SQLite, its caches and connections and the binary's code take some 80
// of those (make bench peaked at 153-163 MiB with 64 MiB here, 142-144
// with 56). On PostgreSQL the caches are the server's: with the console's
// and the API's caches filled, 56 MiB made an import collect garbage for
// a fifth of Roster's CPU (9,306 rows/s after the read scenarios, 11,743
// with 96 MiB), and the whole run peaked at 78 MiB.
func tuneGC(getenv func(string) string, postgres bool) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		limit := int64(56 << 20)
		if postgres {
			limit = 96 << 20
		}
		debug.SetMemoryLimit(limit)
	}
}

func serve(ctx context.Context, args []string, getenv func(string) string, logw io.Writer) error {
	cfg, err := parseServe(args, getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(logw, nil))
	tuneGC(getenv, store.IsPostgres(cfg.DB))
	st, err := openSealed(ctx, cfg.DB, cfg.KeyFile)
	if err != nil {
		return err
	}
	defer st.Close()
	st.Limits = cfg.Limits

	pw := store.GeneratePassword()
	created, err := st.Bootstrap(ctx, pw)
	if err != nil {
		return err
	}
	if created {
		// Printed once: only its hash is stored. "roster admin password" sets a new one.
		log.Info("first owner: username=admin password=" + pw)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if strings.HasSuffix(cfg.Addr, ":0") && getenv("ROSTER_BASE_URL") == "" {
		cfg.BaseURL = "http://" + ln.Addr().String()
	}
	e, stop := handlers.New(st, handlers.Config{BaseURL: cfg.BaseURL, SecureCookies: cfg.SecureCookies,
		Version: buildVersion(), Log: log, SMTPConfigured: cfg.SMTP != nil,
		TrustedProxies: cfg.TrustedProxies, BodyTimeout: cfg.BodyTimeout, Bench: cfg.Bench})
	defer stop()
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if cfg.DebugAddr != "" {
		dl, err := net.Listen("tcp", cfg.DebugAddr)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		dbg := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go dbg.Serve(dl)
		defer dbg.Close()
		log.Info("debug listening", "addr", "http://"+dl.Addr().String())
	}
	if cfg.SMTP != nil {
		snd := &sender{st: st, smtp: cfg.SMTP, log: log, every: 2 * time.Second}
		go snd.run(ctx)
		log.Info("emails delivered through " + cfg.SMTP.host + ":" + strconv.Itoa(cfg.SMTP.port))
	} else {
		log.Info("no SMTP server configured (ROSTER_SMTP_URL): emails stay queued in the outbox; see Settings → Email")
	}
	log.Info("roster listening", "addr", "http://"+ln.Addr().String(), "db", store.Redacted(cfg.DB), "version", buildVersion())
	log.Info("sign in at " + cfg.BaseURL + "/login")

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// optimizeCmd merges the keyword index (see store.OptimizeSearch); it can
// run beside a serving Roster, whose writes wait for it.
func optimizeCmd(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("optimize", flag.ContinueOnError)
	db := dbFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if st.Engine() == "postgres" {
		fmt.Fprintln(out, "nothing to do: PostgreSQL keeps its keyword index (pg_trgm) merged as it writes")
		return nil
	}
	// A minute or so at a million users, with nothing to report on the way:
	// say so before starting.
	fmt.Fprintln(out, "merging the keyword index (about a minute per million users; writes wait meanwhile)…")
	start := time.Now()
	if err := st.OptimizeSearch(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "keyword index merged into one segment in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

func migrateCmd(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	db := dbFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "database is up to date:", store.Redacted(*db))
	return st.Close()
}
