package sqlstore

import (
	"encoding/base64"
	"errors"
	"fmt"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/google/go-cmp/cmp"
)

func TestCursorRoundTrip(t *testing.T) {
	scope := cursorScope("members", "c1")
	for _, keys := range [][]int64{{1}, {0, 42}, {-3, 9223372036854775807}} {
		c := encodeCursor(scope, keys...)
		got, err := decodeCursor(c, scope, len(keys))
		if err != nil {
			t.Fatalf("decodeCursor(%q): %v", c, err)
		}
		if d := cmp.Diff(keys, got); d != "" {
			t.Errorf("keys (-want +got):\n%s", d)
		}
	}
}

func TestCursorRejects(t *testing.T) {
	scope := cursorScope("memberships-of", "111111111111", "ACTIVE")
	// 22 bytes: standard base64 pads it, unlike ours.
	padded := base64.StdEncoding.EncodeToString([]byte("v1:" + scope + ":12"))
	raw := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, c := range []string{
		"",
		"not base64 !",
		raw("v1:" + scope),          // no key
		raw("v1:" + scope + ":1:2"), // too many keys
		raw("v2:" + scope + ":1"),   // unknown version
		raw("v1:" + scope + ":007"), // not canonical
		raw("v1:" + scope + ":+7"),  // not canonical
		raw("v1:" + scope + ":x"),   // not a number
		raw("v1:"+scope+":1") + "=", // padding
		padded,
		encodeCursor(cursorScope("memberships-of", "222222222222", "ACTIVE"), 1), // other account
		encodeCursor(cursorScope("memberships-of", "111111111111"), 1),           // other filter
		encodeCursor(cursorScope("collaborations-of", "111111111111", "ACTIVE"), 1),
	} {
		if _, err := decodeCursor(c, scope, 1); !errors.Is(err, cleanrooms.ErrInvalidCursor) {
			t.Errorf("decodeCursor(%q) = %v, want ErrInvalidCursor", c, err)
		}
	}
}

func TestStatusScope(t *testing.T) {
	scope := func(statuses ...string) string {
		return cursorScope("memberships-of", append([]string{"acct"}, statusScope(statuses)...)...)
	}
	if scope("B", "A", "B") != scope("A", "B") {
		t.Errorf("status order or repetition changes the scope")
	}
	for _, other := range []string{scope("A,B"), scope("A\x00B"), scope("AB"), scope("A"), scope()} {
		if other == scope("A", "B") {
			t.Errorf("another filter aliases A+B")
		}
	}
	if cursorScope("l", "ab", "c") == cursorScope("l", "a", "bc") {
		t.Errorf("argument boundaries do not affect the scope")
	}
}

// A cursor resumes only the list call that produced it: same account and
// same status set (in any order).
func TestCursorBoundToArguments(t *testing.T) {
	s := mustOpen(t, "", Options{})
	defer s.Close()
	mustTransact(t, s, func(tx cleanrooms.Tx) error {
		for i := range 3 {
			c := testCollaboration(fmt.Sprintf("c%d", i), "0")
			if err := tx.InsertCollaboration(t.Context(), c); err != nil {
				return err
			}
			for _, acct := range []string{"a", "b"} {
				if err := tx.InsertMembership(t.Context(), testMembership(c.ID+acct, c.ID, acct)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	list := func(acct string, statuses []string, cursor string) (string, error) {
		var next string
		err := s.View(t.Context(), func(tx cleanrooms.ReadTx) (err error) {
			_, next, err = tx.ListMembershipsOf(t.Context(), acct, statuses, cleanrooms.Page{Cursor: cursor, Limit: 1})
			return err
		})
		return next, err
	}
	both := []string{cleanrooms.MembershipActive, cleanrooms.MembershipRemoved}
	c, err := list("a", both, "")
	if err != nil || c == "" {
		t.Fatalf("first page: %q, %v", c, err)
	}
	if _, err := list("a", []string{both[1], both[0]}, c); err != nil {
		t.Errorf("same statuses in another order: %v", err)
	}
	for _, tc := range []struct {
		acct     string
		statuses []string
	}{{"b", both}, {"a", nil}, {"a", both[:1]}} {
		if _, err := list(tc.acct, tc.statuses, c); !errors.Is(err, cleanrooms.ErrInvalidCursor) {
			t.Errorf("cursor replayed for %s %v: %v, want ErrInvalidCursor", tc.acct, tc.statuses, err)
		}
	}
}
