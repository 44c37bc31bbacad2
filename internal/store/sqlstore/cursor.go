package sqlstore

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// cursorScope identifies one list and its arguments. It is hashed into the
// cursor so that a cursor only resumes the list that produced it. Each
// argument is length-prefixed so that no two argument lists hash alike.
func cursorScope(list string, args ...string) string {
	h := sha256.New()
	for _, a := range append([]string{list}, args...) {
		h.Write(binary.AppendUvarint(nil, uint64(len(a))))
		h.Write([]byte(a))
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// statusScope canonicalizes a status filter so that the same set, in any
// order, resumes the same list.
func statusScope(statuses []string) []string {
	s := slices.Clone(statuses)
	slices.Sort(s)
	return slices.Compact(s)
}

func encodeCursor(scope string, keys ...int64) string {
	var b strings.Builder
	b.WriteString("v1:")
	b.WriteString(scope)
	for _, k := range keys {
		b.WriteByte(':')
		b.WriteString(strconv.FormatInt(k, 10))
	}
	return base64.RawURLEncoding.EncodeToString([]byte(b.String()))
}

// decodeCursor returns the n keyset values of cursor c issued for scope.
// Anything that encodeCursor would not have produced for this scope is
// ErrInvalidCursor; re-encoding rejects non-canonical spellings too.
func decodeCursor(c, scope string, n int) ([]int64, error) {
	invalid := invalidCursor(c)
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, invalid
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 2+n || parts[0] != "v1" || parts[1] != scope {
		return nil, invalid
	}
	keys := make([]int64, n)
	for i, p := range parts[2:] {
		if keys[i], err = strconv.ParseInt(p, 10, 64); err != nil {
			return nil, invalid
		}
	}
	if encodeCursor(scope, keys...) != c {
		return nil, invalid
	}
	return keys, nil
}

type invalidCursor string

func (c invalidCursor) Error() string {
	return fmt.Sprintf("sqlstore: cursor %.40q: %v", string(c), cleanrooms.ErrInvalidCursor)
}

func (invalidCursor) Unwrap() error { return cleanrooms.ErrInvalidCursor }
