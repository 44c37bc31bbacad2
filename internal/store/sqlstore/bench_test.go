package sqlstore

import (
	"fmt"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

const benchAccount = "999999999999"

// seedMemberships gives benchAccount n memberships, each in its own
// collaboration that also holds another account's membership, all in one
// transaction.
func seedMemberships(b *testing.B, s *Store, n int) {
	b.Helper()
	mustTransact(b, s, func(tx cleanrooms.Tx) error {
		for i := range n {
			c := testCollaboration(fmt.Sprintf("c%07d", i), "111111111111")
			if err := tx.InsertCollaboration(b.Context(), c); err != nil {
				return err
			}
			for _, acct := range []string{benchAccount, fmt.Sprintf("%012d", i)} {
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
				for b.Loop() {
					id := fmt.Sprintf("m-%s-c%07d", benchAccount, i%n)
					i += 7919
					mustView(b, s, func(tx cleanrooms.ReadTx) error {
						_, err := tx.GetMembership(b.Context(), id)
						return err
					})
				}
			})
			all, active := deepCursor(nil), deepCursor([]string{cleanrooms.MembershipActive})
			b.Run("ListMembershipsOf/first", func(b *testing.B) { list(b, nil, "") })
			b.Run("ListMembershipsOf/deep", func(b *testing.B) { list(b, nil, all) })
			b.Run("ListMembershipsOf/ACTIVE/first", func(b *testing.B) { list(b, []string{cleanrooms.MembershipActive}, "") })
			b.Run("ListMembershipsOf/ACTIVE/deep", func(b *testing.B) { list(b, []string{cleanrooms.MembershipActive}, active) })
		})
	}
}

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
