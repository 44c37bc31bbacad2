package service

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// queryNotFound: ResourceType has no protected query, so the parent type
// MEMBERSHIP is sent (dataplane spec 1.10), with the query's id.
func queryNotFound(id string) error {
	msg := fmt.Sprintf("Protected query %s not found.", id)
	return &api.ResourceNotFoundException{Message: &msg, ResourceId: &id, ResourceType: api.ResourceTypeMembership}
}

// viewedQuery reads a query through one of the caller's memberships: the
// querier's own, or a receiver's (dataplane spec 3.3). querier reports
// which. Anyone else gets 404, whether or not the query exists.
func viewedQuery(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, membershipID, id string) (q *cleanrooms.ProtectedQuery, querier bool, err error) {
	if _, _, _, err := ownMembership(ctx, tx, caller, membershipID); err != nil {
		return nil, false, err
	}
	q, err = tx.GetProtectedQuery(ctx, id)
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, false, queryNotFound(id)
	}
	if err != nil {
		return nil, false, err
	}
	if q.MembershipID == membershipID {
		return q, true, nil
	}
	for _, r := range q.Receivers {
		if r.MembershipID == membershipID {
			return q, false, nil
		}
	}
	return nil, false, queryNotFound(id)
}

// s3Location is the prefix a receiver's result files are under.
func s3Location(r cleanrooms.QueryReceiver, queryID string) string {
	return "s3://" + r.Bucket + "/" + r.ResultPrefix(queryID)
}

// toProtectedQuery is the wire form. sqlParameters are sensitive: only
// the querier sees them (dataplane spec 1.8).
func toProtectedQuery(q *cleanrooms.ProtectedQuery, querier bool) *api.ProtectedQuery {
	out := &api.ProtectedQuery{
		Id: str(q.ID), MembershipId: str(q.MembershipID), MembershipArn: str(membershipARN(q.Region, q.AccountID, q.MembershipID)),
		CreateTime: ts(q.CreateTime), Status: api.ProtectedQueryStatus(q.Status),
		ResultConfiguration:        toQueryOutput(q.ResultConfiguration),
		QueryComputePayerAccountId: optStr(q.PayerAccountID),
	}
	if querier {
		out.SqlParameters = &api.ProtectedQuerySQLParameters{QueryString: q.SQL.QueryString,
			AnalysisTemplateArn: q.SQL.AnalysisTemplateArn, Parameters: q.SQL.Parameters}
	}
	if q.ResultConfiguration == nil {
		// The membership's default was used: show the location it named.
		for _, r := range q.Receivers {
			if r.Direct {
				out.ResultConfiguration = &api.ProtectedQueryResultConfiguration{OutputConfiguration: &api.ProtectedQueryOutputConfiguration{
					S3: &api.ProtectedQueryS3OutputConfiguration{Bucket: str(r.Bucket), KeyPrefix: optStr(r.KeyPrefix), ResultFormat: api.ResultFormat(r.Format)}}}
			}
		}
	}
	if c := q.Compute; c != nil {
		w := &api.WorkerComputeConfiguration{Type: api.WorkerComputeType(c.Type)}
		if c.Number != 0 {
			w.Number = &c.Number
		}
		if c.Properties != nil {
			w.Properties = &api.WorkerComputeConfigurationProperties{Spark: c.Properties}
		}
		out.ComputeConfiguration = &api.ComputeConfiguration{Worker: w}
	}
	if cleanrooms.QueryTerminal(q.Status) && q.Status != cleanrooms.QueryCancelled {
		ms := q.DurationMillis
		// The embedded engine is one CRPU: units are the run's hours.
		units := float64(ms) / 3_600_000
		out.Statistics = &api.ProtectedQueryStatistics{TotalDurationInMillis: &ms,
			BilledResourceUtilization: &api.BilledResourceUtilization{Units: &units}}
	}
	if e := q.Error; e != nil {
		out.Error = &api.ProtectedQueryError{Code: str(e.Code), Message: str(e.Message)}
	}
	if q.Status == cleanrooms.QuerySuccess {
		out.Result = &api.ProtectedQueryResult{Output: toResultOutput(q)}
		if sp := q.Result.Sensitivity; len(sp) > 0 {
			out.DifferentialPrivacy = toSensitivity(sp)
		}
	}
	return out
}

// toSensitivity is the differentialPrivacy of a DP query: how each
// released aggregate was bounded (the bounds are themselves chosen
// privately, so every member who sees the query may see them).
func toSensitivity(sp []cleanrooms.SensitivityParameter) *api.DifferentialPrivacyParameters {
	out := &api.DifferentialPrivacyParameters{SensitivityParameters: make([]api.DifferentialPrivacySensitivityParameters, len(sp))}
	f32 := func(v *float64) *float32 {
		if v == nil {
			return nil
		}
		f := float32(*v)
		return &f
	}
	for i, p := range sp {
		limit := int32(min(p.UserContributionLimit, math.MaxInt32))
		out.SensitivityParameters[i] = api.DifferentialPrivacySensitivityParameters{
			AggregationType:       api.DifferentialPrivacyAggregationType(p.AggregationType),
			AggregationExpression: str(p.AggregationExpression),
			UserContributionLimit: &limit,
			MinColumnValue:        f32(p.MinColumnValue),
			MaxColumnValue:        f32(p.MaxColumnValue),
		}
	}
	return out
}

// toResultOutput: an s3 configuration shows its location, a member one
// the member list, distribute both (the model's ProtectedQueryOutput).
func toResultOutput(q *cleanrooms.ProtectedQuery) *api.ProtectedQueryOutput {
	var s3 *api.ProtectedQueryS3Output
	var members []api.ProtectedQuerySingleMemberOutput
	for _, r := range q.Receivers {
		if r.Direct {
			s3 = &api.ProtectedQueryS3Output{Location: str(s3Location(r, q.ID))}
		} else {
			members = append(members, api.ProtectedQuerySingleMemberOutput{AccountId: str(r.AccountID)})
		}
	}
	if q.ResultConfiguration != nil && q.ResultConfiguration.Distribute != nil {
		return &api.ProtectedQueryOutput{Distribute: &api.ProtectedQueryDistributeOutput{S3: s3, MemberList: members}}
	}
	if s3 != nil {
		return &api.ProtectedQueryOutput{S3: s3}
	}
	return &api.ProtectedQueryOutput{MemberList: members}
}

func toQuerySummary(q *cleanrooms.ProtectedQuery) api.ProtectedQuerySummary {
	return api.ProtectedQuerySummary{
		Id: str(q.ID), MembershipId: str(q.MembershipID), MembershipArn: str(membershipARN(q.Region, q.AccountID, q.MembershipID)),
		CreateTime: ts(q.CreateTime), Status: api.ProtectedQueryStatus(q.Status), QueryComputePayerAccountId: optStr(q.PayerAccountID),
		ReceiverConfigurations: []api.ReceiverConfiguration{{AnalysisType: api.AnalysisTypeDirectAnalysis,
			ConfigurationDetails: &api.ConfigurationDetails{DirectAnalysisConfigurationDetails: &api.DirectAnalysisConfigurationDetails{
				ReceiverAccountIds: receiverAccounts(q.Receivers)}}}},
	}
}

// GetProtectedQuery returns a query to its querier or to a receiver,
// through the caller's own membership.
func (s *Service) GetProtectedQuery(ctx context.Context, in *api.GetProtectedQueryInput) (*api.GetProtectedQueryOutput, error) {
	caller := callerOf(ctx)
	var out *api.ProtectedQuery
	err := s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		q, querier, err := viewedQuery(ctx, tx, caller, *in.MembershipIdentifier, *in.ProtectedQueryIdentifier)
		if err != nil {
			return err
		}
		out = toProtectedQuery(q, querier)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.GetProtectedQueryOutput{ProtectedQuery: out}, nil
}

// ListProtectedQueries lists, newest first, the queries the membership
// started or receives results of.
func (s *Service) ListProtectedQueries(ctx context.Context, in *api.ListProtectedQueriesInput) (*api.ListProtectedQueriesOutput, error) {
	caller := callerOf(ctx)
	status := string(in.Status)
	cursor, err := decodeToken(in.NextToken, "ListProtectedQueries", caller.AccountID, *in.MembershipIdentifier+"/"+status)
	if err != nil {
		return nil, err
	}
	out := &api.ListProtectedQueriesOutput{ProtectedQueries: []api.ProtectedQuerySummary{}}
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		if _, _, _, err := ownMembership(ctx, tx, caller, *in.MembershipIdentifier); err != nil {
			return err
		}
		items, next, err := tx.ListProtectedQueriesOf(ctx, *in.MembershipIdentifier, status, page(in.MaxResults, cursor))
		if err != nil {
			return err
		}
		for i := range items {
			out.ProtectedQueries = append(out.ProtectedQueries, toQuerySummary(&items[i]))
		}
		out.NextToken = encodeToken("ListProtectedQueries", caller.AccountID, *in.MembershipIdentifier+"/"+status, next)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateProtectedQuery cancels a query: only the querier may, and only
// an unfinished one (409 otherwise). The query shows CANCELLING until its
// runner has stopped it (or, if none runs it, until a runner finishes the
// cancel: promptly, it is the first thing a runner picks up).
func (s *Service) UpdateProtectedQuery(ctx context.Context, in *api.UpdateProtectedQueryInput) (*api.UpdateProtectedQueryOutput, error) {
	caller := callerOf(ctx)
	var out *api.ProtectedQuery
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		q, querier, err := viewedQuery(ctx, tx, caller, *in.MembershipIdentifier, *in.ProtectedQueryIdentifier)
		if err != nil {
			return err
		}
		if !querier {
			return accessDenied(fmt.Sprintf("Only the member who started protected query %s can cancel it.", q.ID))
		}
		if cleanrooms.QueryTerminal(q.Status) {
			return conflict(api.ConflictExceptionReasonInvalidState, api.ResourceTypeMembership, q.ID,
				fmt.Sprintf("Protected query %s is %s: it can no longer be cancelled.", q.ID, q.Status))
		}
		if q.Status != cleanrooms.QueryCancelling {
			q.Status, q.UpdateTime = cleanrooms.QueryCancelling, s.clock()
			if err := tx.UpdateProtectedQuery(ctx, q); err != nil {
				return err
			}
		}
		out = toProtectedQuery(q, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.runner.Cancel(*out.Id)
	s.runner.Notify()
	return &api.UpdateProtectedQueryOutput{ProtectedQuery: out}, nil
}
