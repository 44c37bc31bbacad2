// Package durability holds end-to-end crash tests of the cleanroomsd
// binary: it is built, driven with real aws-sdk-go-v2 clients for several
// accounts, killed with SIGKILL in the middle of a write load and restarted
// on the same data directory, and every acknowledged write must still be
// there, with nothing half-applied: collaborations, memberships, tags, and
// the data path (S3 objects single and multipart, Glue tables, configured
// tables with their rules, associations and the schemas they make), read
// back byte for byte and checked in the database and the blob directory. A SIGTERM test checks that a graceful
// stop lets in-flight requests finish and exits 0. The load and its
// ledger are e2e/internal/crashload (shared with e2e/replicas); the binary
// is built and run by internal/testbin.
//
// The package has no non-test code; run it with
//
//	go test -race ./e2e/durability
package durability
