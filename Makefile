# Gantry's Makefile. `make run` and `make test` are the two commands a
# newcomer needs; see README.md.
GO        ?= go
CONFIG    ?= examples/gantry.yaml
BIN       := bin/gantry
export CGO_ENABLED := 1
# SQLite's full-text search is FTS5, which mattn/go-sqlite3 compiles in
# only under the build tag sqlite_fts5: every go command here builds with it
# (a binary without it refuses to open a SQLite database and says why).
# `go env` adds it to the flags already in force, wherever they were set.
export GOFLAGS := $(strip $(shell $(GO) env GOFLAGS) -tags=sqlite_fts5)

.PHONY: run build test vet fmt-check bench clean web

run: build
	./$(BIN) serve --config $(CONFIG)

build:
	$(GO) build -o $(BIN) ./cmd/gantry

# Every package has concurrency (the bot, the run engine, syncs, digests,
# the fakes' servers), so every test runs under the race detector.
test: fmt-check vet
	$(GO) test -race -count=1 -timeout 15m ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# The local playground's web client (web/) is built into
# internal/playground/dist, which the binary embeds and git keeps, so
# `make run` needs neither npm nor the network. Run this after changing
# web/ or manifest.yaml, and commit the result.
web:
	cd web && npm ci && npm test && npm run build

bench:
	$(GO) test -run XXX -bench . -benchmem ./...

clean:
	rm -rf bin gantry.db gantry.db-shm gantry.db-wal
