// Package bench measures cleanroomsd end to end: requests through the full
// HTTP handler stack in-process (router, SigV4 parsing, validation, the
// service and the SQLite store, in memory and on disk), one loopback
// variant with the aws-sdk-go-v2 client, and the built binary's start-up
// time and idle memory. Results and how to reproduce them are in
// docs/performance.md.
//
// Everything here is a test file: CI runs only the small fixture test;
// benchmarks are run by hand, e.g.
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/bench
package bench
