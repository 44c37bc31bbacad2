// Package cleanrooms holds the domain of cleanroomsd: the records a Clean
// Rooms deployment keeps (collaborations, their member rows, memberships,
// tags) and the Store contract that every storage backend implements.
//
// It knows nothing of HTTP, JSON wire shapes or the generated API types:
// the service layer maps between the wire and these records, and the
// backends under internal/store persist them. Records are plain values;
// slices that are nil mean "never set" (the wire omits them), non-nil empty
// slices mean "set to empty" (the wire shows []).
package cleanrooms
