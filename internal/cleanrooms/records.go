package cleanrooms

import "time"

// Member statuses (a member row inside a collaboration).
const (
	MemberInvited = "INVITED"
	MemberActive  = "ACTIVE"
	MemberLeft    = "LEFT"
	MemberRemoved = "REMOVED"
)

// Membership statuses. A member who leaves has no membership at all: the
// record is deleted, so there is no LEFT membership status.
const (
	MembershipActive               = "ACTIVE"
	MembershipRemoved              = "REMOVED"
	MembershipCollaborationDeleted = "COLLABORATION_DELETED"
)

// Collaboration is one collaboration. It lives in its creator's account and
// region. A deleted collaboration is kept (DeleteTime set) because the
// memberships that point at it still show its name and creator.
type Collaboration struct {
	ID               string
	Region           string
	CreatorAccountID string

	Name               string
	Description        string
	CreatorDisplayName string

	QueryLogStatus   string
	JobLogStatus     string // "" when never set
	AnalyticsEngine  string
	IsMetricsEnabled *bool

	DataEncryption          *DataEncryptionMetadata
	AutoApprovedChangeTypes []string
	AllowedResultRegions    []string

	CreateTime time.Time
	UpdateTime time.Time
	DeleteTime *time.Time
}

// Deleted reports whether the collaboration was deleted by its creator.
func (c *Collaboration) Deleted() bool { return c.DeleteTime != nil }

// DataEncryptionMetadata is the cryptographic computing setting of a
// collaboration; all four flags are set when it is present.
type DataEncryptionMetadata struct {
	AllowCleartext                        bool `json:"allowCleartext"`
	AllowDuplicates                       bool `json:"allowDuplicates"`
	AllowJoinsOnColumnsWithDifferentNames bool `json:"allowJoinsOnColumnsWithDifferentNames"`
	PreserveNulls                         bool `json:"preserveNulls"`
}

// Member is one account's row in a collaboration, the creator included.
// Rows are never deleted while the collaboration exists; leaving or being
// removed only changes Status.
type Member struct {
	CollaborationID string
	AccountID       string
	// Position orders the rows of a collaboration: 0 is the creator, then
	// the invitees in request order, then later additions.
	Position int

	DisplayName string
	Abilities   []string // MemberAbility values, in the order given; never nil
	MLAbilities []string // CustomMLMemberAbility values; nil when never set

	Status string
	// Payment is the resolved payment responsibility of this member.
	Payment PaymentConfig
	// MembershipID is the member's current membership, "" when it has none
	// (never joined, or left).
	MembershipID string

	CreateTime time.Time
	UpdateTime time.Time
}

// PaymentConfig is a resolved payment configuration: who pays for each cost
// type. QueryCompute is always resolved; the other cost types are nil when
// the collaboration does not configure them.
type PaymentConfig struct {
	QueryCompute            bool  `json:"queryCompute"`
	JobCompute              *bool `json:"jobCompute,omitempty"`
	ModelTraining           *bool `json:"modelTraining,omitempty"`
	ModelInference          *bool `json:"modelInference,omitempty"`
	SyntheticDataGeneration *bool `json:"syntheticDataGeneration,omitempty"`
}

// Membership is an account's joined membership of a collaboration. It lives
// in the member's own account. Its abilities are those of its member row.
type Membership struct {
	ID              string
	AccountID       string
	Region          string
	CollaborationID string

	Status           string
	QueryLogStatus   string
	JobLogStatus     string // "" when never set
	IsMetricsEnabled *bool

	DefaultResultConfig    *ResultConfig
	DefaultJobResultConfig *JobResultConfig
	Payment                PaymentConfig

	CreateTime time.Time
	UpdateTime time.Time
}

// ResultConfig is where a member's protected query results go by default.
type ResultConfig struct {
	S3      *S3Output `json:"s3,omitempty"`
	RoleArn string    `json:"roleArn,omitempty"`
}

// JobResultConfig is where a member's protected job results go by default.
type JobResultConfig struct {
	S3      *S3Output `json:"s3,omitempty"`
	RoleArn string    `json:"roleArn,omitempty"`
}

// S3Output is an S3 destination. ResultFormat and SingleFileOutput apply to
// query results only.
type S3Output struct {
	Bucket           string  `json:"bucket"`
	KeyPrefix        *string `json:"keyPrefix,omitempty"`
	ResultFormat     string  `json:"resultFormat,omitempty"`
	SingleFileOutput *bool   `json:"singleFileOutput,omitempty"`
}
