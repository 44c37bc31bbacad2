package sqlstore

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

const benchAccount = "999999999999"

// cpuPerOp reports allocations, and the process's CPU per op (user +
// system, all threads) once the calling benchmark function returns: on a
// shared machine a steadier figure than ns/op. Call it deferred, first
// thing: defer cpuPerOp(b)(). On PostgreSQL it leaves out the server's
// CPU, which ns/op (the round trips) shows.
func cpuPerOp(b *testing.B) func() {
	b.ReportAllocs()
	c0 := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// seedMemberships gives benchAccount n memberships, each in its own
// collaboration that also holds another account's membership, with their
// member rows, in transactions of 1,000 collaborations. (On PostgreSQL a
// transaction that changes one count k times costs O(k²): see
// migrations/postgres/0002_counters.sql.)
func seedMemberships(b *testing.B, s *Store, n int) {
	b.Helper()
	const batch = 1000
	for from := 0; from < n; from += batch {
		mustTransact(b, s, func(tx cleanrooms.Tx) error {
			for i := from; i < min(n, from+batch); i++ {
				c := testCollaboration(fmt.Sprintf("c%07d", i), "111111111111")
				if err := tx.InsertCollaboration(b.Context(), c); err != nil {
					return err
				}
				for pos, acct := range []string{benchAccount, fmt.Sprintf("%012d", i)} {
					// The member row the service keeps with every membership.
					row := testMember(c.ID, acct, pos+1)
					row.Status, row.MembershipID = cleanrooms.MemberActive, "m-"+acct+"-"+c.ID
					if err := tx.InsertMember(b.Context(), row); err != nil {
						return err
					}
					m := testMembership("m-"+acct+"-"+c.ID, c.ID, acct)
					if i%4 == 3 {
						m.Status = cleanrooms.MembershipRemoved
					}
					if err := tx.InsertMembership(b.Context(), m); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
}

func BenchmarkReads(b *testing.B) {
	benchReads(b, func(b *testing.B) *Store {
		s, _ := mustOpenTemp(b, Options{})
		return s
	})
}

// benchReads runs the read workloads on stores from open, which closes
// them at the end of the benchmark.
func benchReads(b *testing.B, open func(b *testing.B) *Store) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			s := open(b)
			seedMemberships(b, s, n)
			const limit = 100

			// Cursor of the last full page, walking the account's whole list.
			deepCursor := func(statuses []string) string {
				var cursor, last string
				for {
					mustView(b, s, func(tx cleanrooms.ReadTx) (err error) {
						_, cursor, err = tx.ListMembershipsOf(b.Context(), benchAccount, statuses, cleanrooms.Page{Cursor: cursor, Limit: limit})
						return err
					})
					if cursor == "" {
						return last
					}
					last = cursor
				}
			}
			list := func(b *testing.B, statuses []string, cursor string) {
				defer cpuPerOp(b)()
				for b.Loop() {
					mustView(b, s, func(tx cleanrooms.ReadTx) error {
						items, _, err := tx.ListMembershipsOf(b.Context(), benchAccount, statuses, cleanrooms.Page{Cursor: cursor, Limit: limit})
						if err == nil && len(items) == 0 {
							b.Fatal("empty page")
						}
						return err
					})
				}
			}

			b.Run("GetMembership", func(b *testing.B) {
				i := 0
				defer cpuPerOp(b)()
				for b.Loop() {
					id := fmt.Sprintf("m-%s-c%07d", benchAccount, i%n)
					i += 7919
					mustView(b, s, func(tx cleanrooms.ReadTx) error {
						_, err := tx.GetMembership(b.Context(), id)
						return err
					})
				}
			})
			// The three reads GetMembership made before GetMembershipWith.
			b.Run("GetMembership+Collaboration+Member", func(b *testing.B) {
				i := 0
				defer cpuPerOp(b)()
				for b.Loop() {
					id := fmt.Sprintf("m-%s-c%07d", benchAccount, i%n)
					i += 7919
					mustView(b, s, func(tx cleanrooms.ReadTx) error {
						m, err := tx.GetMembership(b.Context(), id)
						if err != nil {
							return err
						}
						if _, err := tx.GetCollaboration(b.Context(), m.CollaborationID); err != nil {
							return err
						}
						_, err = tx.GetMember(b.Context(), m.CollaborationID, m.AccountID)
						return err
					})
				}
			})
			// The quota checks of CreateCollaboration and CreateMembership.
			b.Run("CountMembershipsOf/ACTIVE", func(b *testing.B) {
				defer cpuPerOp(b)()
				for b.Loop() {
					mustView(b, s, func(tx cleanrooms.ReadTx) error {
						_, err := tx.CountMembershipsOf(b.Context(), benchAccount, []string{cleanrooms.MembershipActive})
						return err
					})
				}
			})
			b.Run("CountCollaborationsCreatedBy", func(b *testing.B) {
				defer cpuPerOp(b)()
				for b.Loop() {
					mustView(b, s, func(tx cleanrooms.ReadTx) error {
						_, err := tx.CountCollaborationsCreatedBy(b.Context(), "111111111111")
						return err
					})
				}
			})
			if joinedReads != nil {
				joinedReads(b, s, n)
			}
			all, active := deepCursor(nil), deepCursor([]string{cleanrooms.MembershipActive})
			// The page ListMemberships served before the joined list (ListMembershipSummariesOf):
			// the memberships, then each one's collaboration and member row.
			b.Run("ListMembershipsOf+Collaboration+Member/first", func(b *testing.B) {
				defer cpuPerOp(b)()
				for b.Loop() {
					mustView(b, s, func(tx cleanrooms.ReadTx) error {
						items, _, err := tx.ListMembershipsOf(b.Context(), benchAccount, nil, cleanrooms.Page{Limit: limit})
						for _, m := range items {
							if err != nil {
								break
							}
							if _, err = tx.GetCollaboration(b.Context(), m.CollaborationID); err == nil {
								_, err = tx.GetMember(b.Context(), m.CollaborationID, m.AccountID)
							}
						}
						return err
					})
				}
			})
			b.Run("ListMembershipsOf/first", func(b *testing.B) { list(b, nil, "") })
			b.Run("ListMembershipsOf/deep", func(b *testing.B) { list(b, nil, all) })
			b.Run("ListMembershipsOf/ACTIVE/first", func(b *testing.B) { list(b, []string{cleanrooms.MembershipActive}, "") })
			b.Run("ListMembershipsOf/ACTIVE/deep", func(b *testing.B) { list(b, []string{cleanrooms.MembershipActive}, active) })
		})
	}
}

// joinedReads, when set, adds the reads of one statement to benchReads.
var joinedReads func(b *testing.B, s *Store, n int)

func BenchmarkInsertMembership(b *testing.B) {
	for _, tc := range []struct {
		name string
		path bool
		opts Options
	}{
		{"memory", false, Options{}},
		{"file/sync=full", true, Options{}},
		{"file/sync=normal", true, Options{Synchronous: SyncNormal}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var s *Store
			if tc.path {
				s, _ = mustOpenTemp(b, tc.opts)
			} else {
				s = mustOpen(b, "", tc.opts)
				defer s.Close()
			}
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
		})
	}
}

func fullTestMembership(id, collaborationID, accountID string) *cleanrooms.Membership {
	m := testMembership(id, collaborationID, accountID)
	m.DefaultResultConfig = &cleanrooms.ResultConfig{S3: &cleanrooms.S3Output{Bucket: "b", ResultFormat: "CSV"}, RoleArn: "arn:aws:iam::1:role/r"}
	return m
}

// BenchmarkListMembers reads the first page of 100 members of a
// collaboration of n members through ViewOne, on a file store that also
// holds 10,000 other collaborations of 6 members. Since migration 0009
// the page sorts the collaboration's rows, so its cost grows with n: the
// members quota (5 invited members and the creator on AWS) bounds it.
func BenchmarkListMembers(b *testing.B) {
	s, _ := mustOpenTemp(b, Options{})
	for from := 0; from < 10000; from += 1000 {
		mustTransact(b, s, func(tx cleanrooms.Tx) error {
			for i := from; i < from+1000; i++ {
				c := testCollaboration(fmt.Sprintf("other%06d", i), "111111111111")
				if err := tx.InsertCollaboration(b.Context(), c); err != nil {
					return err
				}
				for pos := range 6 {
					if err := tx.InsertMember(b.Context(), testMember(c.ID, fmt.Sprintf("%012d", pos), pos)); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	for _, n := range []int{6, 100, 500, 1000} {
		id := fmt.Sprintf("c%d", n)
		mustTransact(b, s, func(tx cleanrooms.Tx) error {
			if err := tx.InsertCollaboration(b.Context(), testCollaboration(id, "111111111111")); err != nil {
				return err
			}
			for pos := range n {
				if err := tx.InsertMember(b.Context(), testMember(id, fmt.Sprintf("%012d", n-pos), pos)); err != nil {
					return err
				}
			}
			return nil
		})
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			defer cpuPerOp(b)()
			for b.Loop() {
				err := s.ViewOne(b.Context(), func(tx cleanrooms.ReadTx) error {
					items, _, err := tx.ListMembers(b.Context(), id, cleanrooms.Page{Limit: 100})
					if err == nil && len(items) != min(n, 100) {
						err = fmt.Errorf("got %d members, want %d", len(items), min(n, 100))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
