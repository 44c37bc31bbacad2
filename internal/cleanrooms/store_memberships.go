package cleanrooms

import (
	"context"
	"time"
)

// MembershipReads reads memberships.
type MembershipReads interface {
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
	// ListMembershipSummariesOf is ListMembershipsOf as summaries: the same
	// list in the same pages, each item SummaryOf the records
	// GetMembershipWith returns. Its cursors and ListMembershipsOf's are
	// interchangeable.
	ListMembershipSummariesOf(ctx context.Context, accountID string, statuses []string, p Page) (items []MembershipSummary, next string, err error)
	// CountMembershipsOf counts the account's memberships whose status is in
	// statuses (all when empty). Its cost does not depend on how many
	// there are.
	CountMembershipsOf(ctx context.Context, accountID string, statuses []string) (int, error)
}

// MembershipWrites changes memberships.
type MembershipWrites interface {
	// InsertMembership returns ErrConflict if the id exists or the account
	// already has a membership in that collaboration, ErrNotFound if the
	// collaboration does not exist.
	InsertMembership(ctx context.Context, m *Membership) error
	// UpdateMembership replaces every stored field of m but its identity
	// (ID, AccountID, CollaborationID), which never changes: it returns
	// ErrNotFound if no membership has all three of m's.
	UpdateMembership(ctx context.Context, m *Membership) error
	DeleteMembership(ctx context.Context, id string) error
	// SetMembershipStatuses sets the status (and update time) of every
	// membership of the collaboration whose status is ACTIVE. Returns the
	// number changed; never ErrNotFound.
	SetMembershipStatuses(ctx context.Context, collaborationID, status string, now time.Time) (int, error)
}
