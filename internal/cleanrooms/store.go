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

// ReadTx holds the read operations, grouped by resource: each group is an
// interface of its own (CollaborationReads, MembershipReads, ...), declared
// next to its writes in store_<resource>.go. Lists are in a stable order
// (creation order) and cost the same whatever page is asked for: backends
// use keyset pagination on an index, never OFFSET. NextCursor is "" on the
// last page.
//
// Each method is atomic on its own: everything one call returns (a page,
// a record with the records joined to it, a count) comes from one
// committed state, even when the call runs outside a transaction
// (Store.ViewOne).
type ReadTx interface {
	CollaborationReads
	MembershipReads
	TagReads
	CatalogReads
	ObjectReads
	AnalysisTemplateReads
	ConfiguredTableReads
	AssociationReads
	ProtectedQueryReads
	PrivacyBudgetReads
}

// Tx adds the writes, grouped by resource like the reads. Each write
// returns ErrNotFound when the record it changes does not exist, and
// inserts return ErrConflict on a duplicate key, unless its group says
// otherwise.
type Tx interface {
	ReadTx
	CollaborationWrites
	MembershipWrites
	TagWrites
	CatalogWrites
	ObjectWrites
	AnalysisTemplateWrites
	ConfiguredTableWrites
	AssociationWrites
	ProtectedQueryWrites
	PrivacyBudgetWrites
}

// CollaborationWithMember is a collaboration seen by one account: the
// collaboration and that account's member row.
type CollaborationWithMember struct {
	Collaboration Collaboration
	Member        Member
}

// MembershipSummary is what a list shows of a membership (the API's
// MembershipSummary): the membership's identity, status, payment and
// times, its collaboration's name and creator, and the member's abilities.
// ListMembershipSummariesOf reads these columns and no others: a page of
// 100 spent a tenth of its time reading and decoding the rest (issue 10).
type MembershipSummary struct {
	ID, AccountID, Region, CollaborationID string
	Status                                 string
	Payment                                PaymentConfig
	CreateTime, UpdateTime                 time.Time

	CollaborationRegion             string
	CollaborationCreatorAccountID   string
	CollaborationCreatorDisplayName string
	CollaborationName               string

	// HasMember is false if the account has no row in the collaboration
	// (which the service never allows); the abilities are that row's.
	HasMember   bool
	Abilities   []string
	MLAbilities []string
}

// SummaryOf is the summary of a membership, its collaboration and the
// member's row (nil if it has none): what ListMembershipSummariesOf
// returns for them. It shares their slices.
func SummaryOf(ms *Membership, c *Collaboration, m *Member) MembershipSummary {
	s := MembershipSummary{
		ID: ms.ID, AccountID: ms.AccountID, Region: ms.Region, CollaborationID: ms.CollaborationID,
		Status: ms.Status, Payment: ms.Payment, CreateTime: ms.CreateTime, UpdateTime: ms.UpdateTime,
		CollaborationRegion: c.Region, CollaborationCreatorAccountID: c.CreatorAccountID,
		CollaborationCreatorDisplayName: c.CreatorDisplayName, CollaborationName: c.Name,
	}
	if m != nil {
		s.HasMember, s.Abilities, s.MLAbilities = true, m.Abilities, m.MLAbilities
	}
	return s
}

// MembershipWith is a membership with its collaboration and the member's
// row in it.
type MembershipWith struct {
	Membership    Membership
	Collaboration Collaboration
	// Member is nil if the account has no row in the collaboration.
	Member *Member
}
