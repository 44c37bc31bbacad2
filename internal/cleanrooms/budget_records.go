package cleanrooms

import "time"

// Privacy budget types (the wire's PrivacyBudgetType).
const (
	BudgetDifferentialPrivacy = "DIFFERENTIAL_PRIVACY"
	BudgetAccess              = "ACCESS_BUDGET"
)

// Budget periods: the period kinds of the spend ledger. LIFETIME is one
// period that never ends (its start is the zero of the ledger, the Unix
// epoch); the calendar periods are UTC, weeks start on Monday.
const (
	PeriodLifetime      = "LIFETIME"
	PeriodCalendarDay   = "CALENDAR_DAY"
	PeriodCalendarWeek  = "CALENDAR_WEEK"
	PeriodCalendarMonth = "CALENDAR_MONTH"
)

// PrivacyBudgetTemplate is a member's privacy budget template, stored
// under its membership. Exactly one of DP and Access is set, as Type
// says. A collaboration has at most one DIFFERENTIAL_PRIVACY template and
// at most one ACCESS_BUDGET template per resource ARN: the store enforces
// it (ErrConflict), keyed by ResourceKey.
type PrivacyBudgetTemplate struct {
	ID              string
	AccountID       string // the membership's account: the template's creator
	Region          string
	MembershipID    string
	CollaborationID string
	// CollaborationCreatorAccountID is the account in the collaboration's
	// ARN, kept so that a template reads alone.
	CollaborationCreatorAccountID string

	Type        string // BudgetDifferentialPrivacy or BudgetAccess
	AutoRefresh string // CALENDAR_MONTH or NONE

	DP     *DPBudgetParams
	Access *AccessBudgetParams

	CreateTime time.Time
	UpdateTime time.Time
}

// ResourceKey is what the template is unique by within its collaboration:
// "" for the differential privacy template, the resource ARN for an
// access budget.
func (t *PrivacyBudgetTemplate) ResourceKey() string {
	if t.Access != nil {
		return t.Access.ResourceArn
	}
	return ""
}

// DPBudgetParams are a differential privacy template's parameters.
type DPBudgetParams struct {
	Epsilon    int `json:"epsilon"`
	UsersNoise int `json:"usersNoisePerQuery"`
}

// AccessBudgetParams are an access budget template's parameters.
type AccessBudgetParams struct {
	ResourceArn string              `json:"resourceArn"`
	Budgets     []AccessBudgetParam `json:"budgetParameters"`
}

// AccessBudgetParam is one period budget of an access budget.
type AccessBudgetParam struct {
	Type        string `json:"type"` // one of the Period* kinds
	Budget      int    `json:"budget"`
	AutoRefresh string `json:"autoRefresh,omitempty"` // ENABLED, DISABLED or ""
}

// BudgetPeriod names one entry of the spend ledger: what was spent from
// Scope in the period of kind Period that starts at Start. Differential
// privacy spends are kept in nano-epsilon with Scope the collaboration
// id; access budget spends in queries with Scope the resource ARN. The
// ledger is not tied to a template: deleting and recreating a template
// refunds nothing.
type BudgetPeriod struct {
	Scope  string
	Period string
	Start  time.Time
}
