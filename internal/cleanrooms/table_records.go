package cleanrooms

import "time"

// Analysis rule types of configured tables and of their associations.
const (
	RuleAggregation = "AGGREGATION"
	RuleList        = "LIST"
	RuleCustom      = "CUSTOM"
)

// ConfiguredTable is an account's description of a table it may bring
// into collaborations: where the table is and which columns may be used.
// It lives in its owner's account and region.
type ConfiguredTable struct {
	ID        string
	AccountID string
	Region    string

	Name        string
	Description string

	TableReference TableReference
	AllowedColumns []string // never nil
	AnalysisMethod string
	// SelectedAnalysisMethods is nil when never set.
	SelectedAnalysisMethods []string

	CreateTime time.Time
	UpdateTime time.Time

	// RuleType is the type of the table's analysis rule, "" when it has
	// none. The store derives it on every read (a table has at most one
	// rule); writes of the table ignore it.
	RuleType string
}

// TableReference is where the data of a configured table lives; exactly
// one member is set. The JSON names are the wire's.
type TableReference struct {
	Glue      *GlueTableReference      `json:"glue,omitempty"`
	Athena    *AthenaTableReference    `json:"athena,omitempty"`
	Snowflake *SnowflakeTableReference `json:"snowflake,omitempty"`
}

// GlueTableReference names a table of the owner's Glue Data Catalog.
// Region is "" when the table is in the configured table's region.
type GlueTableReference struct {
	DatabaseName string `json:"databaseName"`
	TableName    string `json:"tableName"`
	Region       string `json:"region,omitempty"`
}

// AthenaTableReference names a table Athena reads (not readable here).
type AthenaTableReference struct {
	WorkGroup      string  `json:"workGroup"`
	DatabaseName   string  `json:"databaseName"`
	TableName      string  `json:"tableName"`
	OutputLocation *string `json:"outputLocation,omitempty"`
	CatalogName    *string `json:"catalogName,omitempty"`
	Region         string  `json:"region,omitempty"`
}

// SnowflakeTableReference names a Snowflake table (not readable here).
type SnowflakeTableReference struct {
	SecretArn         string            `json:"secretArn"`
	AccountIdentifier string            `json:"accountIdentifier"`
	DatabaseName      string            `json:"databaseName"`
	SchemaName        string            `json:"schemaName"`
	TableName         string            `json:"tableName"`
	TableSchema       []SnowflakeColumn `json:"tableSchema"`
}

// SnowflakeColumn is a column of a Snowflake table's declared schema.
type SnowflakeColumn struct {
	ColumnName string `json:"columnName"`
	ColumnType string `json:"columnType"`
}

// TableAnalysisRule is the analysis rule of a configured table (at most
// one per table).
type TableAnalysisRule struct {
	ConfiguredTableID string
	Type              string // RuleAggregation, RuleList or RuleCustom
	Policy            TablePolicy
	CreateTime        time.Time
	UpdateTime        time.Time
}

// TablePolicy is the policy of a table analysis rule: exactly the member
// of its Type is set. The JSON names (and the members' shapes) are the
// wire's ConfiguredTableAnalysisRulePolicyV1.
type TablePolicy struct {
	Aggregation *AggregationPolicy `json:"aggregation,omitempty"`
	List        *ListPolicy        `json:"list,omitempty"`
	Custom      *CustomPolicy      `json:"custom,omitempty"`
}

// AggregationPolicy is an AGGREGATION rule. Lists are never nil.
type AggregationPolicy struct {
	AggregateColumns     []AggregateColumn       `json:"aggregateColumns"`
	JoinColumns          []string                `json:"joinColumns"`
	AllowedJoinOperators []string                `json:"allowedJoinOperators,omitempty"`
	DimensionColumns     []string                `json:"dimensionColumns"`
	ScalarFunctions      []string                `json:"scalarFunctions"`
	OutputConstraints    []AggregationConstraint `json:"outputConstraints"`
	JoinRequired         string                  `json:"joinRequired,omitempty"`
	AdditionalAnalyses   string                  `json:"additionalAnalyses,omitempty"`
}

// AggregateColumn is a set of columns and the function applied to them.
type AggregateColumn struct {
	ColumnNames []string `json:"columnNames"`
	Function    string   `json:"function"`
}

// AggregationConstraint is an output threshold of an aggregation rule.
type AggregationConstraint struct {
	ColumnName string `json:"columnName"`
	Minimum    int32  `json:"minimum"`
	Type       string `json:"type"`
}

// ListPolicy is a LIST rule.
type ListPolicy struct {
	JoinColumns          []string `json:"joinColumns"`
	AllowedJoinOperators []string `json:"allowedJoinOperators,omitempty"`
	ListColumns          []string `json:"listColumns"`
	AdditionalAnalyses   string   `json:"additionalAnalyses,omitempty"`
}

// CustomPolicy is a CUSTOM rule.
type CustomPolicy struct {
	AllowedAnalyses          []string                   `json:"allowedAnalyses"`
	AllowedAnalysisProviders []string                   `json:"allowedAnalysisProviders,omitempty"`
	AdditionalAnalyses       string                     `json:"additionalAnalyses,omitempty"`
	DisallowedOutputColumns  []string                   `json:"disallowedOutputColumns,omitempty"`
	DifferentialPrivacy      *DifferentialPrivacyPolicy `json:"differentialPrivacy,omitempty"`
}

// DifferentialPrivacyPolicy names the columns that identify users.
type DifferentialPrivacyPolicy struct {
	Columns []DifferentialPrivacyColumn `json:"columns"`
}

// DifferentialPrivacyColumn is one user-identifier column.
type DifferentialPrivacyColumn struct {
	Name string `json:"name"`
}

// Association is a configured table associated to a collaboration through
// its owner's membership (a ConfiguredTableAssociation). Its Name is the
// table's name in the collaboration, and the name of its schema. It lives
// in the membership's account and region.
type Association struct {
	ID                string
	AccountID         string
	Region            string
	MembershipID      string
	CollaborationID   string
	ConfiguredTableID string

	Name        string
	Description string
	RoleArn     string

	CreateTime time.Time
	UpdateTime time.Time

	// RuleTypes are the types of the association's analysis rules, in the
	// order AGGREGATION, LIST, CUSTOM. The store derives them on every
	// read; writes of the association ignore them.
	RuleTypes []string
}

// AssociationAnalysisRule is an analysis rule of an association (the
// "collaboration analysis rule"), at most one per type.
type AssociationAnalysisRule struct {
	AssociationID string
	Type          string
	Policy        AssociationPolicy
	CreateTime    time.Time
	UpdateTime    time.Time
}

// AssociationPolicy is who may receive results of queries on the table and
// which additional analyses may use them. Both lists are nil when unset.
type AssociationPolicy struct {
	AllowedResultReceivers    []string `json:"allowedResultReceivers,omitempty"`
	AllowedAdditionalAnalyses []string `json:"allowedAdditionalAnalyses,omitempty"`
}

// CollaborationAccess is the part of a collaboration and of an
// account's member row in it that a schema read checks the caller
// against and names in its answer (GetSchemaSourceFor): no more is read,
// so GetSchema's hit path scans and decodes nothing it does not use.
type CollaborationAccess struct {
	CollaborationID  string
	Region           string
	CreatorAccountID string
	// Deleted is Collaboration.Deleted().
	Deleted bool
	// MemberStatus is the Status of the account's member row.
	MemberStatus string
}

// SchemaSource is everything a schema is computed from: an association,
// its configured table, the table's rule and the association's rules.
type SchemaSource struct {
	Association Association
	Table       ConfiguredTable
	// TableRule is nil when the table has no analysis rule.
	TableRule *TableAnalysisRule
	// AssociationRules are the association's rules by type order
	// (AGGREGATION, LIST, CUSTOM); empty when it has none.
	AssociationRules []AssociationAnalysisRule
}
