package bench

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/server"
)

// Handler benchmarks: each operation is one http.Request through the whole
// stack (request id, access log, SigV4 parsing, routing, JSON binding,
// validation, the service, the SQLite store, JSON encoding) called
// in-process with ServeHTTP, so ns/op is the server's latency without the
// network and cpu-ns/op its CPU cost.

var sizes = []int{1_000, 10_000, 100_000}

func size(n int) string {
	switch {
	case n == 0:
		return "0"
	case n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// envFor is a fresh empty environment for n == 0 (so that writes start
// from nothing) and the shared seeded one otherwise.
func envFor(b *testing.B, kind string, n int) *env {
	if n == 0 {
		return freshEnv(b, kind, 0)
	}
	return sharedEnv(b, kind, n)
}

// BenchmarkCreateCollaboration creates collaborations with one invited
// member, as the account that already created `existing` of them.
func BenchmarkCreateCollaboration(b *testing.B) {
	for _, kind := range []string{mem, disk, diskNormal} {
		for _, n := range []int{0, 100_000} {
			b.Run(fmt.Sprintf("store=%s/existing=%s", kind, size(n)), func(b *testing.B) {
				e := envFor(b, kind, n)
				bodies := make([][]byte, b.N)
				for i := range bodies {
					bodies[i] = createCollaborationBody(i)
				}
				measure(b, func(i int) {
					serve(b, e.h, newRequest("POST", "/collaborations", collaborator, bodies[i]))
				})
			})
		}
	}
}

// BenchmarkCreateMembership joins collaborations the account is invited
// to, as the account that already holds `existing` memberships.
func BenchmarkCreateMembership(b *testing.B) {
	for _, kind := range []string{mem, disk, diskNormal} {
		for _, n := range []int{0, 100_000} {
			b.Run(fmt.Sprintf("store=%s/existing=%s", kind, size(n)), func(b *testing.B) {
				e := envFor(b, kind, n)
				first := e.invitations(b, b.N)
				bodies := make([][]byte, b.N)
				for i := range bodies {
					bodies[i] = createMembershipBody(id(kindInvitation, first+i))
				}
				measure(b, func(i int) {
					serve(b, e.h, newRequest("POST", "/memberships", member, bodies[i]))
				})
			})
		}
	}
}

// spread visits the seeded memberships in a scattered order, so reads
// are not all served by one hot page.
func spread(i, n int) int { return (i * 7919) % n }

func BenchmarkGetMembership(b *testing.B) {
	for _, kind := range []string{mem, disk} {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("store=%s/n=%s", kind, size(n)), func(b *testing.B) {
				e := sharedEnv(b, kind, n)
				measure(b, func(i int) {
					serve(b, e.h, newRequest("GET", "/memberships/"+id(kindMembership, spread(i, n)), member, nil))
				})
			})
		}
	}
	// The binary logs one JSON line per request at the default level;
	// this is that cost (written to io.Discard), with the binary's handler.
	b.Run("store=mem/n=10k/log=json", func(b *testing.B) {
		e := newEnv(b, mem, 10_000, slog.New(server.NewJSONLogHandler(io.Discard, nil)))
		b.Cleanup(e.close)
		measure(b, func(i int) {
			serve(b, e.h, newRequest("GET", "/memberships/"+id(kindMembership, spread(i, 10_000)), member, nil))
		})
	})
}

// BenchmarkGetMembershipParallel is GetMembership from concurrent
// goroutines (measureParallel): throughput on this machine's cores.
func BenchmarkGetMembershipParallel(b *testing.B) {
	for _, kind := range []string{mem, disk} {
		for _, n := range []int{1_000, 100_000} {
			b.Run(fmt.Sprintf("store=%s/n=%s", kind, size(n)), func(b *testing.B) {
				e := sharedEnv(b, kind, n)
				measureParallel(b, e.h, func(i int) *http.Request {
					return newRequest("GET", "/memberships/"+id(kindMembership, spread(i, n)), member, nil)
				})
			})
		}
	}
}

// BenchmarkCreateCollaborationParallel is CreateCollaboration from
// concurrent goroutines, as crbench's 8 closed-loop clients send it but
// without the network and the client's CPU: the store's group commit and
// its one writer under contention, and the ceiling of the write workloads
// on this machine's cores.
func BenchmarkCreateCollaborationParallel(b *testing.B) {
	for _, kind := range []string{mem, disk, diskNormal} {
		b.Run("store="+kind, func(b *testing.B) {
			e := freshEnv(b, kind, 0)
			measureParallel(b, e.h, func(i int) *http.Request {
				return newRequest("POST", "/collaborations", collaborator, createCollaborationBody(i))
			})
		})
	}
}

func BenchmarkUpdateMembership(b *testing.B) {
	for _, kind := range []string{mem, disk, diskNormal} {
		for _, n := range sizes {
			if kind == diskNormal && n != 1_000 {
				continue
			}
			b.Run(fmt.Sprintf("store=%s/n=%s", kind, size(n)), func(b *testing.B) {
				e := sharedEnv(b, kind, n)
				bodies := make([][]byte, b.N)
				for i := range bodies {
					bodies[i] = updateMembershipBody(i)
				}
				measure(b, func(i int) {
					serve(b, e.h, newRequest("PATCH", "/memberships/"+id(kindMembership, spread(i, n)), member, bodies[i]))
				})
			})
		}
	}
}

// BenchmarkListMemberships asks for 100 memberships (the maximum page) of
// the account holding n: the first page, and the last full page, reached
// with the nextToken a client walking every page would hold.
func BenchmarkListMemberships(b *testing.B) {
	for _, kind := range []string{mem, disk} {
		for _, n := range sizes {
			for _, pg := range []string{"first", "deep"} {
				b.Run(fmt.Sprintf("store=%s/n=%s/page=%s", kind, size(n), pg), func(b *testing.B) {
					e := sharedEnv(b, kind, n)
					target := listTarget("")
					if pg == "deep" {
						target = listTarget(e.deepPageToken(b))
					}
					measure(b, func(int) {
						serve(b, e.h, newRequest("GET", target, member, nil))
					})
				})
			}
		}
	}
}

// BenchmarkHarness is what the handler benchmarks spend outside the
// server: building the request and the recorder, around a handler that
// does nothing. Subtract it from their ns/op and allocations.
func BenchmarkHarness(b *testing.B) {
	nop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	measure(b, func(i int) {
		serve(b, nop, newRequest("GET", "/memberships/"+id(kindMembership, i), member, nil))
	})
}
