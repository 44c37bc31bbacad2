package cleanrooms

import "context"

// PrivacyBudgetReads reads privacy budget templates and the spend ledger.
type PrivacyBudgetReads interface {
	// GetPrivacyBudgetTemplate returns ErrNotFound if no template has
	// this id.
	GetPrivacyBudgetTemplate(ctx context.Context, id string) (*PrivacyBudgetTemplate, error)
	// PrivacyBudgetTemplateFor returns the collaboration's template of
	// resource key key ("" for the differential privacy template, else
	// an access budget's resource ARN), or ErrNotFound.
	PrivacyBudgetTemplateFor(ctx context.Context, collaborationID, key string) (*PrivacyBudgetTemplate, error)
	// ListPrivacyBudgetTemplatesOf lists a membership's templates in
	// creation order.
	ListPrivacyBudgetTemplatesOf(ctx context.Context, membershipID string, p Page) (items []PrivacyBudgetTemplate, next string, err error)
	// ListCollaborationPrivacyBudgetTemplates lists the templates of
	// every membership of a collaboration in creation order.
	ListCollaborationPrivacyBudgetTemplates(ctx context.Context, collaborationID string, p Page) (items []PrivacyBudgetTemplate, next string, err error)
	// CountPrivacyBudgetTemplatesOf counts a membership's templates.
	CountPrivacyBudgetTemplatesOf(ctx context.Context, membershipID string) (int, error)
	// PrivacyBudgetSpent is what the ledger holds for a period, 0 when
	// nothing was spent in it.
	PrivacyBudgetSpent(ctx context.Context, period BudgetPeriod) (int64, error)
}

// PrivacyBudgetWrites changes privacy budget templates and spends.
type PrivacyBudgetWrites interface {
	// InsertPrivacyBudgetTemplate returns ErrConflict if the id exists or
	// the collaboration has a template of the same ResourceKey,
	// ErrNotFound if the membership or collaboration does not exist.
	InsertPrivacyBudgetTemplate(ctx context.Context, t *PrivacyBudgetTemplate) error
	// UpdatePrivacyBudgetTemplate replaces every stored field of t.
	UpdatePrivacyBudgetTemplate(ctx context.Context, t *PrivacyBudgetTemplate) error
	DeletePrivacyBudgetTemplate(ctx context.Context, id string) error
	// SpendPrivacyBudget adds amount to the period's spend if the result
	// stays at most limit (a negative limit is no limit) and reports
	// whether it did; when it did not, nothing changed. The check and the
	// write are one step of the caller's transaction, so concurrent
	// spends never overrun the limit.
	SpendPrivacyBudget(ctx context.Context, period BudgetPeriod, amount, limit int64) (bool, error)
}
