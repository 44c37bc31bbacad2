package cleanrooms

import "context"

// AnalysisTemplateReads reads analysis templates.
type AnalysisTemplateReads interface {
	// GetAnalysisTemplate returns ErrNotFound if no template has this id.
	GetAnalysisTemplate(ctx context.Context, id string) (*AnalysisTemplate, error)
	// GetAnalysisTemplates returns the templates among ids that exist, in
	// the order of ids (an id given twice is returned once); an unknown id
	// is simply absent.
	GetAnalysisTemplates(ctx context.Context, ids []string) ([]AnalysisTemplate, error)
	// ListAnalysisTemplatesOf lists a membership's templates in creation
	// order.
	ListAnalysisTemplatesOf(ctx context.Context, membershipID string, p Page) (items []AnalysisTemplate, next string, err error)
	// ListCollaborationAnalysisTemplates lists the templates of every
	// membership of a collaboration in creation order.
	ListCollaborationAnalysisTemplates(ctx context.Context, collaborationID string, p Page) (items []AnalysisTemplate, next string, err error)
	// CountAnalysisTemplatesOf counts a membership's templates. Its cost
	// grows with that number, which the quota bounds.
	CountAnalysisTemplatesOf(ctx context.Context, membershipID string) (int, error)
}

// AnalysisTemplateWrites changes analysis templates.
type AnalysisTemplateWrites interface {
	// InsertAnalysisTemplate returns ErrConflict if the id exists,
	// ErrNotFound if the membership or collaboration does not.
	InsertAnalysisTemplate(ctx context.Context, t *AnalysisTemplate) error
	// UpdateAnalysisTemplate replaces every stored field of t.
	UpdateAnalysisTemplate(ctx context.Context, t *AnalysisTemplate) error
	DeleteAnalysisTemplate(ctx context.Context, id string) error
}
