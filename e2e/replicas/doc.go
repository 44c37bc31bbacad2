// Package replicas holds end-to-end tests of several cleanroomsd
// processes sharing one PostgreSQL database and one objects directory
// (--objects-dir; a replica without it, or --s3-endpoint, refuses to
// start). The binary is built, two replicas are started on a fresh schema
// behind different ports, and
// aws-sdk-go-v2 clients acting as several accounts spread their calls over
// both: what one replica writes the other serves at once, concurrent
// joins, updates, deletes and quota-limited creates give exactly the
// results one process would (one winner of concurrent Glue CreateTable and
// CreateConfiguredTableAssociation of one name), objects, Glue tables and
// schemas written through one are read through the other, and a replica
// killed with SIGKILL in the middle of writes (uploads included) loses no
// acknowledged write and leaves nothing half-applied (no object row without
// its bytes).
//
// The tests need PostgreSQL (CLEANROOMS_TEST_DATABASE_URL, by default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable): they skip
// without it, and fail when CLEANROOMS_TESTDB=required. The benchmarks
// measure requests per second through the binary with one and with two
// replicas, beside SQLite:
//
//	go test -race ./e2e/replicas
//	go test -run '^$' -bench . ./e2e/replicas
//
// The package has no non-test code: the kill test's load and ledger are
// e2e/internal/crashload (shared with e2e/durability), and the binary is
// built and run by internal/testbin.
package replicas
