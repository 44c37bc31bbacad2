package cleanrooms

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors returned by Store implementations. Callers test them with
// errors.Is; backends may wrap them with context.
var (
	// ErrNotFound: the record does not exist.
	ErrNotFound = errors.New("cleanrooms: not found")
	// ErrConflict: an insert collided with an existing key (for example a
	// second membership of the same account in the same collaboration).
	ErrConflict = errors.New("cleanrooms: conflict")
	// ErrInvalidCursor: a list cursor was not produced by this store for
	// this list with these arguments.
	ErrInvalidCursor = errors.New("cleanrooms: invalid cursor")
	// ErrUnavailable: the backend could not complete the transaction even
	// after retries (serialization failures, lock timeouts, closed store).
	ErrUnavailable = errors.New("cleanrooms: store unavailable")
)

// Store is the persistence contract of cleanroomsd. Stores keep times to
// the microsecond (truncated); the time zone is not kept. Every backend passes the
// conformance suite in internal/store/storetest.
type Store interface {
	// Transact runs fn in one serializable transaction: either every write
	// fn made is committed and durable when Transact returns nil, or none
	// is. If fn returns an error the transaction is rolled back and that
	// error is returned unchanged. fn may be called more than once (a
	// backend retries on serialization failures), so it must not have side
	// effects outside tx.
	Transact(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction with a consistent snapshot.
	View(ctx context.Context, fn func(tx ReadTx) error) error
	// ViewOne is View for an fn that makes exactly one ReadTx call. Every
	// ReadTx method reads one consistent snapshot by itself (see ReadTx),
	// so a backend may run that call without opening a transaction. A
	// second ReadTx call in the same fn fails (with an error that is not
	// ErrNotFound) instead of reading another snapshot: use View for fns
	// that read more than once. fn's own error is returned unchanged;
	// after Close, ViewOne fails with ErrUnavailable.
	ViewOne(ctx context.Context, fn func(tx ReadTx) error) error
	Close() error
}

// Page asks for one page of a list. Cursor is "" for the first page, else
// the NextCursor of the previous page. Limit is at least 1.
type Page struct {
	Cursor string
	Limit  int
}

// ReadTx holds the read operations. Lists are in a stable order (creation
// order) and cost the same whatever page is asked for: backends use keyset
// pagination on an index, never OFFSET. NextCursor is "" on the last page.
//
// Each method is atomic on its own: everything one call returns (a page,
// a record with the records joined to it, a count) comes from one
// committed state, even when the call runs outside a transaction
// (Store.ViewOne).
type ReadTx interface {
	// GetCollaboration returns ErrNotFound if no collaboration has this id.
	// Deleted collaborations are returned (see Collaboration.Deleted).
	GetCollaboration(ctx context.Context, id string) (*Collaboration, error)
	// GetMember returns ErrNotFound if the account has no row.
	GetMember(ctx context.Context, collaborationID, accountID string) (*Member, error)
	// ListMembers lists the rows of a collaboration by Position.
	ListMembers(ctx context.Context, collaborationID string, p Page) (members []Member, next string, err error)
	// ListCollaborationsOf lists the non-deleted collaborations in which the
	// account's member row has one of the given statuses, in the order the
	// account's rows were created, with the account's own row. An empty
	// statuses means every status.
	ListCollaborationsOf(ctx context.Context, accountID string, statuses []string, p Page) (items []CollaborationWithMember, next string, err error)
	// CountCollaborationsCreatedBy counts the non-deleted collaborations the
	// account created. Its cost does not depend on how many there are.
	CountCollaborationsCreatedBy(ctx context.Context, accountID string) (int, error)

	// GetMembership returns ErrNotFound if no membership has this id.
	GetMembership(ctx context.Context, id string) (*Membership, error)
	// GetMembershipWith returns a membership with its collaboration and
	// the member's row (Member is nil if the account has no row in the
	// collaboration, which the service never allows), read together in
	// one call. ErrNotFound if no membership has this id.
	GetMembershipWith(ctx context.Context, id string) (*MembershipWith, error)
	// ListMembershipsOf lists the account's memberships whose status is in
	// statuses (all statuses when statuses is empty), in creation order.
	ListMembershipsOf(ctx context.Context, accountID string, statuses []string, p Page) (items []Membership, next string, err error)
	// ListMembershipsWithOf is ListMembershipsOf with each membership's
	// collaboration and member row, as GetMembershipWith returns them: the
	// same list in the same pages. Its cursors and ListMembershipsOf's
	// are interchangeable.
	ListMembershipsWithOf(ctx context.Context, accountID string, statuses []string, p Page) (items []MembershipWith, next string, err error)
	// CountMembershipsOf counts the account's memberships whose status is in
	// statuses (all when empty). Its cost does not depend on how many
	// there are.
	CountMembershipsOf(ctx context.Context, accountID string, statuses []string) (int, error)

	// Tags returns the tags of a resource ARN (an empty, non-nil map when
	// it has none).
	Tags(ctx context.Context, arn string) (map[string]string, error)
}

// Tx adds the writes. Each write returns ErrNotFound when the record it
// changes does not exist (InsertMember and InsertMembership: when the
// collaboration does not exist), and inserts return ErrConflict on a
// duplicate key. SetMembershipStatuses and the tag methods never return
// ErrNotFound; an ARN without tags simply has none.
type Tx interface {
	ReadTx

	InsertCollaboration(ctx context.Context, c *Collaboration) error
	// UpdateCollaboration replaces every stored field of c.
	UpdateCollaboration(ctx context.Context, c *Collaboration) error

	// InsertMember returns ErrConflict if the account already has a row.
	InsertMember(ctx context.Context, m *Member) error
	// UpdateMember replaces every stored field of m.
	UpdateMember(ctx context.Context, m *Member) error

	// InsertMembership returns ErrConflict if the id exists or the account
	// already has a membership in that collaboration.
	InsertMembership(ctx context.Context, m *Membership) error
	// UpdateMembership replaces every stored field of m.
	UpdateMembership(ctx context.Context, m *Membership) error
	DeleteMembership(ctx context.Context, id string) error
	// SetMembershipStatuses sets the status (and update time) of every
	// membership of the collaboration whose status is ACTIVE. Returns the
	// number changed.
	SetMembershipStatuses(ctx context.Context, collaborationID, status string, now time.Time) (int, error)

	// TagResource adds or overwrites tags of arn.
	TagResource(ctx context.Context, arn string, tags map[string]string) error
	// UntagResource removes the keys (absent keys are ignored).
	UntagResource(ctx context.Context, arn string, keys []string) error
	// DeleteTags removes every tag of arn.
	DeleteTags(ctx context.Context, arn string) error
}

// CollaborationWithMember is a collaboration seen by one account: the
// collaboration and that account's member row.
type CollaborationWithMember struct {
	Collaboration Collaboration
	Member        Member
}

// MembershipWith is a membership with its collaboration and the member's
// row in it.
type MembershipWith struct {
	Membership    Membership
	Collaboration Collaboration
	// Member is nil if the account has no row in the collaboration.
	Member *Member
}
