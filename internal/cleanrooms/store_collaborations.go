package cleanrooms

import "context"

// CollaborationReads reads collaborations and their member rows.
type CollaborationReads interface {
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
}

// CollaborationWrites changes collaborations and member rows.
type CollaborationWrites interface {
	InsertCollaboration(ctx context.Context, c *Collaboration) error
	// UpdateCollaboration replaces every stored field of c.
	UpdateCollaboration(ctx context.Context, c *Collaboration) error

	// InsertMember returns ErrConflict if the account already has a row,
	// ErrNotFound if the collaboration does not exist.
	InsertMember(ctx context.Context, m *Member) error
	// UpdateMember replaces every stored field of m.
	UpdateMember(ctx context.Context, m *Member) error
}
