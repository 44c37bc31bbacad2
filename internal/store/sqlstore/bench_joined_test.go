package sqlstore

import (
	"fmt"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// The joined reads, in View and in ViewOne, on the stores of benchReads.
func init() { joinedReads = benchJoinedReads }

func benchJoinedReads(b *testing.B, s *Store, n int) {
	views := []struct {
		name string
		view func(b *testing.B, fn func(tx cleanrooms.ReadTx) error)
	}{
		{"View", func(b *testing.B, fn func(tx cleanrooms.ReadTx) error) { mustView(b, s, fn) }},
		{"ViewOne", func(b *testing.B, fn func(tx cleanrooms.ReadTx) error) {
			if err := s.ViewOne(b.Context(), fn); err != nil {
				b.Fatal(err)
			}
		}},
	}
	for _, v := range views {
		b.Run("GetMembershipWith/"+v.name, func(b *testing.B) {
			i := 0
			defer cpuPerOp(b)()
			for b.Loop() {
				id := fmt.Sprintf("m-%s-c%07d", benchAccount, i%n)
				i += 7919
				v.view(b, func(tx cleanrooms.ReadTx) error {
					w, err := tx.GetMembershipWith(b.Context(), id)
					if err == nil && w.Member == nil {
						b.Fatal("no member row")
					}
					return err
				})
			}
		})
	}
	// Cursor of the last full page of 100.
	var deep string
	for cursor := ""; ; {
		var next string
		mustView(b, s, func(tx cleanrooms.ReadTx) (err error) {
			_, next, err = tx.ListMembershipsOf(b.Context(), benchAccount, nil, cleanrooms.Page{Cursor: cursor, Limit: 100})
			return err
		})
		if next == "" {
			break
		}
		deep, cursor = next, next
	}
	for _, v := range views {
		for _, pg := range []struct{ name, cursor string }{{"first", ""}, {"deep", deep}} {
			b.Run("ListMembershipSummariesOf/"+pg.name+"/"+v.name, func(b *testing.B) {
				defer cpuPerOp(b)()
				for b.Loop() {
					v.view(b, func(tx cleanrooms.ReadTx) error {
						items, _, err := tx.ListMembershipSummariesOf(b.Context(), benchAccount, nil, cleanrooms.Page{Cursor: pg.cursor, Limit: 100})
						if err == nil && len(items) == 0 {
							b.Fatal("empty page")
						}
						return err
					})
				}
			})
		}
	}
}
