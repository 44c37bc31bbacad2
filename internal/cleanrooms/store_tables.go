package cleanrooms

import "context"

// ConfiguredTableReads reads configured tables and their analysis rules.
type ConfiguredTableReads interface {
	// GetConfiguredTable returns the table with its RuleType, or
	// ErrNotFound.
	GetConfiguredTable(ctx context.Context, id string) (*ConfiguredTable, error)
	// ListConfiguredTablesOf lists the account's tables of one region, with
	// their RuleType, in creation order.
	ListConfiguredTablesOf(ctx context.Context, accountID, region string, p Page) (items []ConfiguredTable, next string, err error)
	// GetTableAnalysisRule returns the table's rule, ErrNotFound when it
	// has none (or the table does not exist).
	GetTableAnalysisRule(ctx context.Context, configuredTableID string) (*TableAnalysisRule, error)
}

// ConfiguredTableWrites changes configured tables and their rules.
type ConfiguredTableWrites interface {
	// InsertConfiguredTable returns ErrConflict if the id exists.
	InsertConfiguredTable(ctx context.Context, t *ConfiguredTable) error
	// UpdateConfiguredTable replaces every stored field of t.
	UpdateConfiguredTable(ctx context.Context, t *ConfiguredTable) error
	// DeleteConfiguredTable deletes the table and its rule. A table that
	// is still associated cannot be deleted (ErrConflict): the service
	// checks first.
	DeleteConfiguredTable(ctx context.Context, id string) error

	// InsertTableAnalysisRule returns ErrConflict if the table already has
	// a rule (of any type), ErrNotFound if the table does not exist.
	InsertTableAnalysisRule(ctx context.Context, r *TableAnalysisRule) error
	// UpdateTableAnalysisRule replaces the stored rule of r's table
	// (ErrNotFound if it has none).
	UpdateTableAnalysisRule(ctx context.Context, r *TableAnalysisRule) error
	DeleteTableAnalysisRule(ctx context.Context, configuredTableID string) error
}

// AssociationReads reads configured table associations, their rules and
// the schemas they make.
type AssociationReads interface {
	// GetAssociation returns the association with its RuleTypes, or
	// ErrNotFound.
	GetAssociation(ctx context.Context, id string) (*Association, error)
	// ListAssociationsOf lists a membership's associations, with their
	// RuleTypes, in creation order.
	ListAssociationsOf(ctx context.Context, membershipID string, p Page) (items []Association, next string, err error)
	// GetAssociationRule returns the association's rule of that type, or
	// ErrNotFound.
	GetAssociationRule(ctx context.Context, associationID, ruleType string) (*AssociationAnalysisRule, error)
	// AssociationOfTableIn returns the association of the configured
	// table in the collaboration, or ErrNotFound.
	AssociationOfTableIn(ctx context.Context, collaborationID, configuredTableID string) (*Association, error)
	// TableIsAssociated reports whether the configured table has any
	// association.
	TableIsAssociated(ctx context.Context, configuredTableID string) (bool, error)
	// MembershipHasAssociations reports whether the membership has any
	// association.
	MembershipHasAssociations(ctx context.Context, membershipID string) (bool, error)

	// GetCollaborationMember returns a collaboration with the account's
	// row in it, read together (the check that opens every schema read);
	// ErrNotFound if either does not exist.
	GetCollaborationMember(ctx context.Context, collaborationID, accountID string) (*CollaborationWithMember, error)
	// GetSchemaSource returns what the schema of the association named
	// name in the collaboration is made of, read together in one call.
	// Names are matched without regard to case. ErrNotFound if the
	// collaboration has no association of that name.
	GetSchemaSource(ctx context.Context, collaborationID, name string) (*SchemaSource, error)
	// GetSchemaSourceFor is GetSchemaSource read together, in one call,
	// with what GetCollaborationMember would say of the account in the
	// collaboration, narrowed to CollaborationAccess (GetSchema's hit
	// path); ErrNotFound if the collaboration, the account's row in it or
	// the schema does not exist (the caller then tells which with
	// GetCollaborationMember). The table rule's policy it returns is
	// read-only: it may share memory with other calls' answers.
	GetSchemaSourceFor(ctx context.Context, collaborationID, accountID, name string) (*CollaborationAccess, *SchemaSource, error)
	// ListSchemaSources lists them for every association of the
	// collaboration in creation order.
	ListSchemaSources(ctx context.Context, collaborationID string, p Page) (items []SchemaSource, next string, err error)
}

// AssociationWrites changes associations and their rules.
type AssociationWrites interface {
	// InsertAssociation returns ErrConflict if the id exists, if the
	// collaboration has an association of that name (without regard to
	// case) or of that configured table; ErrNotFound if the membership,
	// collaboration or configured table does not exist.
	InsertAssociation(ctx context.Context, a *Association) error
	// UpdateAssociation replaces every stored field of a.
	UpdateAssociation(ctx context.Context, a *Association) error
	// DeleteAssociation deletes the association and its rules.
	DeleteAssociation(ctx context.Context, id string) error

	// InsertAssociationRule returns ErrConflict if the association has a
	// rule of that type, ErrNotFound if it does not exist.
	InsertAssociationRule(ctx context.Context, r *AssociationAnalysisRule) error
	// UpdateAssociationRule replaces the stored rule of r's association
	// and type.
	UpdateAssociationRule(ctx context.Context, r *AssociationAnalysisRule) error
	DeleteAssociationRule(ctx context.Context, associationID, ruleType string) error
}
