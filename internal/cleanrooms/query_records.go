package cleanrooms

import (
	"encoding/json"
	"time"
)

// Protected query statuses (the wire's ProtectedQueryStatus).
const (
	QuerySubmitted  = "SUBMITTED"
	QueryStarted    = "STARTED"
	QueryCancelling = "CANCELLING"
	QueryCancelled  = "CANCELLED"
	QuerySuccess    = "SUCCESS"
	QueryFailed     = "FAILED"
	QueryTimedOut   = "TIMED_OUT"
)

// QueryTerminal reports whether a query in status s is finished.
func QueryTerminal(s string) bool {
	switch s {
	case QueryCancelled, QuerySuccess, QueryFailed, QueryTimedOut:
		return true
	}
	return false
}

// ProtectedQuery is a query a member who can query started, with what the
// service resolved when it was started (the plan and the receivers) and
// how far it got. It lives under the querier's membership.
type ProtectedQuery struct {
	ID              string
	AccountID       string // the querier's account
	Region          string
	MembershipID    string
	CollaborationID string

	Status string

	// SQL is sqlParameters as given.
	SQL QuerySQL
	// ResultConfiguration is the resultConfiguration as given, nil when
	// the membership's default was used.
	ResultConfiguration *QueryOutputConfig
	// Compute is computeConfiguration as given (nil when absent).
	Compute *QueryCompute
	// PayerAccountID is queryComputePayerAccountId ("" when absent).
	PayerAccountID string

	// Plan is what runs: the checked SQL and the tables it reads.
	Plan QueryPlan
	// Receivers are where results go, resolved at start.
	Receivers []QueryReceiver

	// Result is set on SUCCESS, Error on FAILED (and TIMED_OUT).
	Result *QueryResult
	Error  *QueryError
	// DurationMillis is the run time of a finished query.
	DurationMillis int64

	// LeaseOwner is the runner executing the query ("" when none);
	// LeaseExpires when its claim lapses unless renewed. Attempts counts
	// the runs started (a query whose runner died is run again).
	LeaseOwner   string
	LeaseExpires time.Time
	Attempts     int

	CreateTime time.Time
	UpdateTime time.Time
}

// QuerySQL is the wire's ProtectedQuerySQLParameters.
type QuerySQL struct {
	QueryString         *string           `json:"queryString,omitempty"`
	AnalysisTemplateArn *string           `json:"analysisTemplateArn,omitempty"`
	Parameters          map[string]string `json:"parameters,omitempty"`
}

// QueryOutputConfig is the wire's ProtectedQueryOutputConfiguration union.
type QueryOutputConfig struct {
	S3         *QueryS3Output          `json:"s3,omitempty"`
	Member     *QueryMemberOutput      `json:"member,omitempty"`
	Distribute []QueryOutputConfigItem `json:"distribute,omitempty"`
}

// QueryOutputConfigItem is one location of a distribute output.
type QueryOutputConfigItem struct {
	S3     *QueryS3Output     `json:"s3,omitempty"`
	Member *QueryMemberOutput `json:"member,omitempty"`
}

// QueryS3Output is the wire's ProtectedQueryS3OutputConfiguration.
type QueryS3Output struct {
	Bucket           string `json:"bucket"`
	KeyPrefix        string `json:"keyPrefix,omitempty"`
	ResultFormat     string `json:"resultFormat"`
	SingleFileOutput *bool  `json:"singleFileOutput,omitempty"`
}

// QueryMemberOutput is the wire's ProtectedQueryMemberOutputConfiguration.
type QueryMemberOutput struct {
	AccountID string `json:"accountId"`
}

// QueryCompute is the wire's ComputeConfiguration (worker), kept to be
// echoed.
type QueryCompute struct {
	Type       string            `json:"type,omitempty"`
	Number     int32             `json:"number,omitempty"`
	Properties map[string]string `json:"properties,omitempty"`
}

// QueryPlan is a checked query: the SQL the engine runs and the tables it
// reads, each with what the runner needs to stage it.
type QueryPlan struct {
	SQL    string      `json:"sql"`
	Tables []PlanTable `json:"tables"`
	// DP is set for a query over differentially private tables.
	DP *QueryDP `json:"dp,omitempty"`
}

// QueryDP is what a differentially private query runs under and what it
// spent. It is fixed at start: later changes to the collaboration's
// privacy budget template do not change a query already started.
type QueryDP struct {
	// UsersNoise is the template's usersNoisePerQuery at start.
	UsersNoise int `json:"usersNoise"`
	// Aggregations are the types (dp.Types) of the aggregates the query
	// releases, in output order: what it spent budget for.
	Aggregations []string `json:"aggregations"`
	// SpentNano is the nano-epsilon spent at start (dp.QueryCost).
	SpentNano int64 `json:"spentNano"`
	// Spec is the engine's plan of the query (package query's DPPlan as
	// JSON), opaque here.
	Spec json.RawMessage `json:"spec"`
}

// PlanTable is one table of a plan: the association's name (the view the
// SQL reads), the configured table it comes from and the columns exposed.
type PlanTable struct {
	Name              string   `json:"name"`
	OwnerAccountID    string   `json:"ownerAccountId"`
	ConfiguredTableID string   `json:"configuredTableId"`
	Columns           []string `json:"columns"`
}

// QueryReceiver is one place results go: a member's account (with its
// membership, through which it sees the query) and the S3 location and
// format the result is written to.
type QueryReceiver struct {
	AccountID    string `json:"accountId"`
	MembershipID string `json:"membershipId"`
	// Direct is true for an s3 output configuration (the result shows as
	// an s3 location), false for a member output (it shows in memberList).
	Direct     bool   `json:"direct"`
	Bucket     string `json:"bucket"`
	KeyPrefix  string `json:"keyPrefix,omitempty"`
	Format     string `json:"format"`
	SingleFile bool   `json:"singleFile,omitempty"`
}

// OtherOutput returns the first receiver that wants the result in another
// form (format, single file) than the first receiver, nil when all want
// the same. Each form is one run of the engine; a differentially private
// query may run only once (one draw of noise per charge).
func OtherOutput(rs []QueryReceiver) *QueryReceiver {
	for i := 1; i < len(rs); i++ {
		if rs[i].Format != rs[0].Format || rs[i].SingleFile != rs[0].SingleFile {
			return &rs[i]
		}
	}
	return nil
}

// ResultPrefix is the key prefix under which a query's result files are
// written for this receiver: {keyPrefix}/{queryId}/result/ (the key
// layout is cleanroomsd's; AWS does not document its own).
func (r QueryReceiver) ResultPrefix(queryID string) string {
	p := r.KeyPrefix
	if p != "" && p[len(p)-1] != '/' {
		p += "/"
	}
	return p + queryID + "/result/"
}

// QueryResult is the output of a successful query.
type QueryResult struct {
	// Locations are the s3:// prefixes written for Direct receivers.
	Locations []string `json:"locations,omitempty"`
	// Members are the accounts of the member receivers.
	Members []string `json:"members,omitempty"`
	Rows    int64    `json:"rows"`
	// Sensitivity is set for a differentially private query: how each
	// released aggregate was bounded.
	Sensitivity []SensitivityParameter `json:"sensitivity,omitempty"`
}

// SensitivityParameter is the wire's
// DifferentialPrivacySensitivityParameters: the contribution bound of one
// released aggregate.
type SensitivityParameter struct {
	AggregationType       string   `json:"aggregationType"`
	AggregationExpression string   `json:"aggregationExpression"`
	UserContributionLimit int64    `json:"userContributionLimit"`
	MinColumnValue        *float64 `json:"minColumnValue,omitempty"`
	MaxColumnValue        *float64 `json:"maxColumnValue,omitempty"`
}

// QueryError is the error of a failed query.
type QueryError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
