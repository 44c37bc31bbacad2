# The two commands of README: `make run` and `make test`.
GO ?= go
# A count, not a duration: with -fuzztime=15s Go's fuzzing coordinator can
# fail a target with a bare "context deadline exceeded" when the deadline
# races its workers (golang/go#75804; seen here on FuzzFastJSON in CI, no
# input written). 100,000 calls is about 15 s per target on 2 cores.
FUZZTIME ?= 100000x

.PHONY: build run test generate check-generated lint unit fuzz python bench bench-load bench-profile

# The server and its query engine (a binary of its own, started on the
# first protected query: internal/engine/proc says why) go to bin/.
build:
	$(GO) build -o bin/ ./cmd/cleanroomsd ./cmd/cleanroomsd-engine

run: build
	bin/cleanroomsd --data-dir ./data

# test is what CI runs: generated code is current, formatting and vet are
# clean, every Go test passes under the race detector, the decoder survives
# a short fuzz, and boto3 and the AWS CLI drive a real binary.
test: check-generated lint unit fuzz python

generate:
	$(GO) generate ./...

check-generated: generate
	@git diff --exit-code -- internal/api || (echo "generated code is stale: run 'make generate' and commit" && exit 1)
	@test -z "$$(git status --porcelain -- internal/api)" || (echo "untracked generated files in internal/api" && exit 1)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$out" || (echo "gofmt needed: $$out" && exit 1)
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzHandler -fuzztime=$(FUZZTIME) ./internal/protocol/restjson
	$(GO) test -run='^$$' -fuzz=FuzzHandler -fuzztime=$(FUZZTIME) ./internal/protocol/awsjson
	$(GO) test -run='^$$' -fuzz=FuzzFastJSON -fuzztime=$(FUZZTIME) ./internal/store/sqlstore

python: build
	CLEANROOMSD_BIN=$(CURDIR)/bin/cleanroomsd python3 -m unittest discover -s tests/python -p '*_test.py'

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# bench-load: cleanroomsd against a static Go stub under crbench, side by
# side, and the table of ratios of issue 10 (docs/performance.md).
# CRBENCH and GOSTUB_DIR locate crbench.py and the stub;
# BENCH_LOAD_PROFILE=short is a quick check (scripts/bench_load.py).
bench-load: build
	python3 scripts/bench_load.py

# bench-profile: CPU and allocation profiles of the binary (built with
# -tags pprof) under crbench GetMembership and CreateCollaboration load.
bench-profile:
	python3 scripts/bench_profile.py
