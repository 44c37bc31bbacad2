package cleanrooms

import "time"

// Analysis template formats.
const (
	FormatSQL       = "SQL"
	FormatPySpark10 = "PYSPARK_1_0"
)

// AnalysisTemplate is a reusable analysis a member stores under its
// membership (and so in its own account); every ACTIVE member of the
// collaboration can read it through the collaboration views. Only
// Description changes after creation.
type AnalysisTemplate struct {
	ID              string
	AccountID       string // the membership's account: the template's creator
	Region          string
	MembershipID    string
	CollaborationID string
	// CollaborationCreatorAccountID is the account in the collaboration's
	// ARN, kept here (it never changes) so that a template reads alone.
	CollaborationCreatorAccountID string

	Name        string
	Description string
	Format      string // FormatSQL or FormatPySpark10

	// Exactly one of Text (SQL) and Artifacts (PySpark) is set.
	Text      *string
	Artifacts *TemplateArtifacts
	// ArtifactHashes are the sha256 hashes of the artifacts (nil for SQL).
	ArtifactHashes *TemplateArtifactHashes

	Parameters []TemplateParameter // nil when none were given
	// ReferencedTables are the schema names the SQL reads, computed by
	// the service; nil for PySpark.
	ReferencedTables []string
	// ErrorMessageType is the errorMessageConfiguration type ("" unset).
	ErrorMessageType string
	// SyntheticData is the syntheticDataParameters union as given.
	SyntheticData *SyntheticDataParams

	CreateTime time.Time
	UpdateTime time.Time
}

// TemplateParameter is a declared :name parameter of a template.
type TemplateParameter struct {
	Name         string  `json:"name"`
	Type         string  `json:"type"`
	DefaultValue *string `json:"defaultValue,omitempty"`
}

// TemplateArtifacts are the S3 objects of a PySpark template.
type TemplateArtifacts struct {
	EntryPoint          S3Location   `json:"entryPoint"`
	AdditionalArtifacts []S3Location `json:"additionalArtifacts,omitempty"`
	RoleArn             string       `json:"roleArn"`
}

// S3Location is an S3 object.
type S3Location struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

// TemplateArtifactHashes are hex sha256 hashes, "" when unknown.
type TemplateArtifactHashes struct {
	EntryPoint string   `json:"entryPoint"`
	Additional []string `json:"additional,omitempty"`
}

// SyntheticDataParams is MLSyntheticDataParameters.
type SyntheticDataParams struct {
	Epsilon                           float64               `json:"epsilon"`
	MaxMembershipInferenceAttackScore float64               `json:"maxMembershipInferenceAttackScore"`
	ColumnMapping                     []SyntheticDataColumn `json:"columnMapping"`
}

// SyntheticDataColumn is one column of a synthetic data classification.
type SyntheticDataColumn struct {
	ColumnName        string `json:"columnName"`
	ColumnType        string `json:"columnType"`
	IsPredictiveValue bool   `json:"isPredictiveValue"`
}
