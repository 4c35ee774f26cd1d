# Roster's two commands are `make run` and `make test`; see README.md.

PW_VERSION := 1.52.0# must equal playwrightCliVersion in playwright-go v0.5200.1
PW_DIR     := $(CURDIR)/.cache/pwdriver
POPCORE_DIR := $(CURDIR)/.cache/popcore
CHROMIUM   := /usr/bin/chromium
# The packages whose tests open databases: make test runs them a second time on PostgreSQL.
PG_PACKAGES := ./store/... ./handlers/... ./cmd/roster
# Tests of both engines at once (copying SQLite to PostgreSQL) are named Test…ToPostgres. They need
# ROSTER_TEST_POSTGRES, which only the PostgreSQL pass sets (in the SQLite pass it would move every
# other test onto PostgreSQL), so they run there and the SQLite pass skips them.
BOTH_ENGINES := ToPostgres$$
SUDO       := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# The race detector instruments Roster's code and every Go library but SQLite's engine, which is C
# translated to Go (modernc.org/sqlite/lib): instrumenting its every memory access made the SQLite
# tests about a third slower under -race while watching code that is not ours. Its locks and atomics
# are calls into modernc's libc, which stays instrumented: leaving libc out too hid their ordering
# from the detector, which then reported races that are not there.
RACE       := -race -gcflags='modernc.org/sqlite/lib=-race=false'

.PHONY: run build generate check-generated check-repo test e2e-setup bench-setup pg-setup vendor bench-store bench

## run: generate, build and start Roster on ./data/roster.db (the first start prints the owner's password)
run: build
	./bin/roster serve --db ./data/roster.db

build: generate
	go build -o bin/roster ./cmd/roster

## generate: templ components -> *_templ.go, and the API's OpenAPI document -> the Go client the tests
## drive the server with (handlers/api/apiclient); templ and oapi-codegen are pinned as go.mod tools
generate:
	go tool templ generate -path web/templates
	go generate ./handlers/api/apiclient

## check-generated: fail when the committed generated files are not what templ and oapi-codegen generate
check-generated:
	@tmp=$$(mktemp -d) && cp web/templates/*_templ.go handlers/api/apiclient/client.gen.go $$tmp/ && \
	go tool templ generate -path web/templates >/dev/null && go generate ./handlers/api/apiclient && \
	for f in web/templates/*_templ.go handlers/api/apiclient/client.gen.go; do \
		cmp -s $$f $$tmp/$$(basename $$f) || { echo "stale generated file: $$f (regenerated now; commit it)"; rm -rf $$tmp; exit 1; }; \
	done; rm -rf $$tmp

## check-repo: no tracked file over 1 MB (a committed build output or data set), go.mod and go.sum tidy
check-repo:
	@big=$$(git ls-files -z | xargs -0 -r stat -c '%s %n' 2>/dev/null | awk '$$1 > 1048576 {print $$2}'); \
	test -z "$$big" || { echo "tracked files over 1 MB (build outputs or data do not belong in git):"; echo "$$big"; exit 1; }
	@go mod tidy -diff >/dev/null || { echo "go.mod or go.sum is not tidy: run go mod tidy and commit the result"; go mod tidy -diff; exit 1; }

## e2e-setup: Debian's Chromium and the Playwright driver (npm playwright-core, exact pin) for e2e tests,
## Debian's sqlite3, which a test opens Roster's database with, and Debian's Node.js with Alibaba Cloud's
## npm client @alicloud/pop-core (exact pin), which a test drives eds-user with
e2e-setup:
	@# Only what is missing: a machine's own Node.js (NodeSource's, say) bundles npm, and Debian's npm
	@# package conflicts with it.
	@pkgs=""; for p in chromium sqlite3 node:nodejs npm; do \
		command -v $${p%%:*} >/dev/null 2>&1 || pkgs="$$pkgs $${p#*:}"; done; \
	test -z "$$pkgs" || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$pkgs; }
	@mkdir -p $(PW_DIR)
	@cp e2e/driver/package.json e2e/driver/package-lock.json $(PW_DIR)/
	@cd $(PW_DIR) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@ln -sfn node_modules/playwright-core $(PW_DIR)/package
	@ln -sfn "$$(command -v node)" $(PW_DIR)/node
	@$(PW_DIR)/node $(PW_DIR)/package/cli.js --version | grep -qx "Version $(PW_VERSION)" || \
		{ echo "Playwright driver is not $(PW_VERSION)"; exit 1; }
	@mkdir -p $(POPCORE_DIR)
	@cp e2e/popcore/package.json e2e/popcore/package-lock.json $(POPCORE_DIR)/
	@cd $(POPCORE_DIR) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

## bench-setup: wrk (Debian's package) drives the benchmark's GET scenarios, as the targets in BENCHMARKS.md were set
bench-setup:
	@command -v wrk >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends wrk; }

## pg-setup: Debian's PostgreSQL server (with contrib: pg_trgm, citext), which the tests run a throwaway cluster of
pg-setup:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ls /usr/share/postgresql/*/extension/pg_trgm.control >/dev/null 2>&1 || \
		{ $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends postgresql postgresql-contrib; }

## test: install what the tests need, then vet, format and generated-code checks and every test, e2e included,
## on SQLite and on a throwaway PostgreSQL (store/storetest/pgserver) started for the run and stopped after it
test: e2e-setup bench-setup pg-setup check-repo check-generated
	go vet ./...
	@test -z "$$(gofmt -l cmd handlers store web e2e)" || { echo "gofmt needed:"; gofmt -l cmd handlers store web e2e; exit 1; }
	@pg=$$(mktemp -d) && chmod 755 "$$pg" && trap 'store/storetest/pgserver stop "'"$$pg"'/cluster"; rm -rf "'"$$pg"'"' EXIT && \
	pgurl=$$(store/storetest/pgserver start "$$pg/cluster") && \
	echo "go test -race (SQLite)" && \
	go test $(RACE) -count=1 -timeout 12m -skip '$(BOTH_ENGINES)' $$(go list ./... | grep -v -e /cmd/rosterbench -e /e2e) && \
	echo "go test -race (PostgreSQL at $$pgurl)" && \
	ROSTER_TEST_POSTGRES=$$pgurl go test $(RACE) -count=1 -timeout 12m $(PG_PACKAGES) && \
	echo "go test ./e2e (the browser tests drive roster binaries of their own: without -race, which would only instrument the test's Playwright client)" && \
	ROSTER_TEST_POSTGRES=$$pgurl ROSTER_E2E_REQUIRED=1 PLAYWRIGHT_DRIVER_PATH=$(PW_DIR) CHROMIUM_PATH=$(CHROMIUM) POPCORE_PATH=$(POPCORE_DIR) \
		go test -count=1 -timeout 15m ./e2e/...
	@# The benchmark's smoke run loads both cores; alone, it neither starves the
	@# browser tests nor is slowed by them (and not under -race, which it would only measure).
	@# It runs SQLite and PostgreSQL side by side, as make bench does, on a throwaway server of its own.
	@pg=$$(mktemp -d) && chmod 755 "$$pg" && trap 'store/storetest/pgserver stop "'"$$pg"'/cluster"; rm -rf "'"$$pg"'"' EXIT && \
	ROSTER_TEST_POSTGRES=$$(store/storetest/pgserver start "$$pg/cluster") go test -count=1 -timeout 5m ./cmd/rosterbench

## vendor: refresh htmx and Pico CSS in web/static from npm (versions pinned in web/package.json)
vendor:
	cd web && npm ci --no-audit --no-fund --ignore-scripts
	cp web/node_modules/htmx.org/dist/htmx.min.js web/static/js/htmx.min.js
	cp web/node_modules/@picocss/pico/css/pico.min.css web/static/css/pico.min.css

## bench-store: the store's list queries at a million users (ROSTER_BENCH_USERS to change); the
## database is built once (about 2 minutes; ten million: about 40 minutes, 12 GB) and cached in the
## temp dir. BENCHMARKS.md's scale table runs the list benchmarks alone at each size.
bench-store:
	go test -run '^$$' -bench . -benchtime 200x -timeout 60m ./store

## bench: seed (or reuse) a million-user directory, start Roster on loopback and drive every scenario
## at 8 connections next to a bare net/http floor, and each list next to a constant answer of its size
## through Roster's own middleware (roster serve --bench); prints the tables for BENCHMARKS.md.
## DB=both (the default) measures SQLite and PostgreSQL in one run, side by side, as BENCHMARKS.md shows
## them: the two servers take turns scenario by scenario, so this box's drift reaches both alike.
## DB=sqlite or DB=postgres measures one engine. PostgreSQL is a throwaway server with its default
## durability (fsync on; store/storetest/pgserver --durable, checkpoints spaced as the README advises), seeded anew each run and stopped after it;
## BENCH_PG=postgres://… uses a server of yours instead, where the seeded database is kept and reused.
DB ?= both
BENCH_ARGS = --roster bin/roster --users 1000000 --conns 8 --duration 10s
bench: build bench-setup $(if $(filter sqlite,$(DB)),,pg-setup)
	@case "$(DB)" in sqlite|postgres|both) ;; *) echo "DB is sqlite, postgres or both, not $(DB)"; exit 2;; esac
	@if [ "$(DB)" = sqlite ]; then \
		go run ./cmd/rosterbench --engine sqlite $(BENCH_ARGS); \
	elif [ -n "$(BENCH_PG)" ]; then \
		go run ./cmd/rosterbench --engine $(DB) --postgres "$(BENCH_PG)" $(BENCH_ARGS); \
	else \
		pg=$$(mktemp -d) && chmod 755 "$$pg" && trap 'store/storetest/pgserver stop "'"$$pg"'/cluster"; rm -rf "'"$$pg"'"' EXIT && \
		pgurl=$$(store/storetest/pgserver start "$$pg/cluster" --durable) && \
		go run ./cmd/rosterbench --engine $(DB) --postgres "$$pgurl" $(BENCH_ARGS); \
	fi
