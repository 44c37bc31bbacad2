package sqlstore

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// The workloads of bench_test.go on PostgreSQL (a fresh schema each), for
// comparison with SQLite: point reads, keyset pages at the start and at
// the end of a long list, and single-insert transactions. PostgreSQL
// answers over a socket, so each View is three round trips (BEGIN, the
// query, ROLLBACK) and each Transact three or more.

func BenchmarkPostgresReads(b *testing.B) {
	benchReads(b, func(b *testing.B) *Store {
		s, _ := mustOpenPostgres(b, Options{})
		return s
	})
}

func BenchmarkPostgresInsertMembership(b *testing.B) {
	s, _ := mustOpenPostgres(b, Options{})
	mustTransact(b, s, func(tx cleanrooms.Tx) error {
		return tx.InsertCollaboration(b.Context(), testCollaboration("c1", "111111111111"))
	})
	i := 0
	defer cpuPerOp(b)()
	for b.Loop() {
		i++
		mustTransact(b, s, func(tx cleanrooms.Tx) error {
			return tx.InsertMembership(b.Context(), fullTestMembership(fmt.Sprintf("m%d", i), "c1", fmt.Sprintf("%012d", i)))
		})
	}
}

// Concurrent variants: throughput of the store itself with many
// goroutines, which is where a server store spends its life (SQLite
// serializes the writes; PostgreSQL runs them side by side).
func BenchmarkParallel(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			open := func(b *testing.B) *Store {
				if engine == "sqlite" {
					s, _ := mustOpenTemp(b, Options{})
					return s
				}
				s, _ := mustOpenPostgres(b, Options{})
				return s
			}
			b.Run("GetMembership", func(b *testing.B) {
				s := open(b)
				const n = 10_000
				seedMemberships(b, s, n)
				var next atomic.Int64
				b.SetParallelism(8)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						id := fmt.Sprintf("m-%s-c%07d", benchAccount, next.Add(7919)%n)
						err := s.View(b.Context(), func(tx cleanrooms.ReadTx) error {
							_, err := tx.GetMembership(b.Context(), id)
							return err
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			})
			b.Run("InsertMembership", func(b *testing.B) {
				s := open(b)
				mustTransact(b, s, func(tx cleanrooms.Tx) error {
					return tx.InsertCollaboration(b.Context(), testCollaboration("c1", "111111111111"))
				})
				var next atomic.Int64
				b.SetParallelism(8)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := next.Add(1)
						err := s.Transact(b.Context(), func(tx cleanrooms.Tx) error {
							return tx.InsertMembership(b.Context(), fullTestMembership(fmt.Sprintf("m%d", i), "c1", fmt.Sprintf("%012d", i)))
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
				b.ReportMetric(float64(s.retries.Load())/float64(b.N), "retries/op")
			})
		})
	}
}
