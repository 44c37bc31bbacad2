package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// CreateMembership joins the caller to a collaboration it is invited to.
func (s *Service) CreateMembership(ctx context.Context, in *api.CreateMembershipInput) (*api.CreateMembershipOutput, error) {
	caller := callerOf(ctx)
	if err := checkTagKeys("tags", tagKeys(in.Tags)); err != nil {
		return nil, err
	}
	var out *api.Membership
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		id := *in.CollaborationIdentifier
		c, err := tx.GetCollaboration(ctx, id)
		if errors.Is(err, cleanrooms.ErrNotFound) {
			return collaborationAccessDenied(id)
		}
		if err != nil {
			return err
		}
		if c.Deleted() || c.Region != caller.Region {
			return collaborationAccessDenied(id)
		}
		row, err := tx.GetMember(ctx, id, caller.AccountID)
		if errors.Is(err, cleanrooms.ErrNotFound) {
			return collaborationAccessDenied(id)
		}
		if err != nil {
			return err
		}
		switch row.Status {
		case cleanrooms.MemberActive:
			return conflict(api.ConflictExceptionReasonAlreadyExists, api.ResourceTypeMembership, row.MembershipID,
				fmt.Sprintf("The caller already has membership %s in collaboration %s.", row.MembershipID, id))
		case cleanrooms.MemberLeft, cleanrooms.MemberRemoved:
			return conflict(api.ConflictExceptionReasonInvalidState, api.ResourceTypeCollaboration, id,
				fmt.Sprintf("The caller can no longer join collaboration %s (member status %s).", id, row.Status))
		}
		settings := membershipSettings{
			queryLogStatus: string(in.QueryLogStatus), jobLogStatus: string(in.JobLogStatus),
			result: in.DefaultResultConfiguration, jobResult: in.DefaultJobResultConfiguration,
			resultRequired: true,
		}
		if err := checkMembershipSettings(c, row, settings); err != nil {
			return err
		}
		canQuery := hasAbility(row.Abilities, api.MemberAbilityCanQuery)
		if err := checkAcceptance("paymentConfiguration", row.Payment, canQuery, true, fromMembershipPayment(in.PaymentConfiguration)); err != nil {
			return err
		}
		if in.IsMetricsEnabled != nil && *in.IsMetricsEnabled {
			if err := checkMetrics(c, row); err != nil {
				return err
			}
		}
		// Quotas come after every validation rule (shared spec 4.3).
		n, err := tx.CountMembershipsOf(ctx, caller.AccountID, []string{cleanrooms.MembershipActive})
		if err != nil {
			return err
		}
		if n >= s.quotas.MembershipsPerAccount {
			return quotaExceeded(quotaMemberships, s.quotas.MembershipsPerAccount)
		}
		now := s.clock()
		ms := &cleanrooms.Membership{
			ID: s.newID(), AccountID: caller.AccountID, Region: c.Region, CollaborationID: id,
			Status: cleanrooms.MembershipActive, QueryLogStatus: string(in.QueryLogStatus), JobLogStatus: string(in.JobLogStatus),
			IsMetricsEnabled:       in.IsMetricsEnabled,
			DefaultResultConfig:    fromResultConfig(in.DefaultResultConfiguration),
			DefaultJobResultConfig: fromJobResultConfig(in.DefaultJobResultConfiguration),
			Payment:                row.Payment,
			CreateTime:             now, UpdateTime: now,
		}
		if err := tx.InsertMembership(ctx, ms); err != nil {
			if errors.Is(err, cleanrooms.ErrConflict) {
				// A concurrent join won between the read above and this
				// insert; its id cannot be read in this failed transaction.
				msg := "The caller already has a membership in collaboration " + id + "."
				return &api.ConflictException{Message: &msg, Reason: api.ConflictExceptionReasonAlreadyExists, ResourceType: api.ResourceTypeMembership}
			}
			return err
		}
		row.Status, row.MembershipID, row.UpdateTime = cleanrooms.MemberActive, ms.ID, now
		if err := tx.UpdateMember(ctx, row); err != nil {
			return err
		}
		if len(in.Tags) > 0 {
			if err := tx.TagResource(ctx, membershipARN(ms.Region, ms.AccountID, ms.ID), in.Tags); err != nil {
				return err
			}
		}
		out = toMembership(ms, c, row)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.CreateMembershipOutput{Membership: out}, nil
}

// membershipSettings are the settings a member chooses for itself, as
// CreateMembership or UpdateMembership carry them ("" / nil: not given).
type membershipSettings struct {
	queryLogStatus, jobLogStatus string
	result                       *api.MembershipProtectedQueryResultConfiguration
	jobResult                    *api.MembershipProtectedJobResultConfiguration
	// resultRequired: a receive-only member must give a result
	// configuration (on create; on update the stored one counts).
	resultRequired bool
}

// checkMembershipSettings applies shared spec 3.8 and 3.9: receive-only
// members must say where results go (with a role), members who cannot
// receive results cannot configure them, single-file output only exists on
// Spark, and query logging needs the collaboration's logging.
func checkMembershipSettings(c *cleanrooms.Collaboration, row *cleanrooms.Member, st membershipSettings) error {
	receives := hasAbility(row.Abilities, api.MemberAbilityCanReceiveResults)
	queries := hasAbility(row.Abilities, api.MemberAbilityCanQuery)
	if st.queryLogStatus == string(api.MembershipQueryLogStatusEnabled) && c.QueryLogStatus != string(api.CollaborationQueryLogStatusEnabled) {
		return invalid("queryLogStatus", "Query logging cannot be enabled for a membership when the collaboration has query logging disabled.")
	}
	if st.jobLogStatus == string(api.MembershipJobLogStatusEnabled) && c.JobLogStatus != string(api.CollaborationJobLogStatusEnabled) {
		return invalid("jobLogStatus", "Job logging cannot be enabled for a membership when the collaboration has job logging disabled.")
	}
	if r := st.result; r != nil {
		if !receives {
			return invalid("defaultResultConfiguration", "Only a member that can receive results can set a default result configuration.")
		}
		if !queries && r.RoleArn == nil {
			return invalid("defaultResultConfiguration.roleArn", "A member that receives results without querying must give the role that writes them.")
		}
		if s3 := r.OutputConfiguration.S3; s3 != nil && s3.SingleFileOutput != nil && *s3.SingleFileOutput &&
			c.AnalyticsEngine != string(api.AnalyticsEngineSpark) {
			return invalid("defaultResultConfiguration.outputConfiguration.s3.singleFileOutput", "singleFileOutput is only supported with the SPARK analytics engine.")
		}
	} else if st.resultRequired && receives && !queries {
		return invalid("defaultResultConfiguration", "A member that can receive results but cannot query must provide a default result configuration.")
	}
	if st.jobResult != nil && !receives {
		return invalid("defaultJobResultConfiguration", "Only a member that can receive results can set a default job result configuration.")
	}
	return nil
}

// checkMetrics: a membership may enable metrics only when the
// collaboration has them and the member runs analyses or pays for them.
func checkMetrics(c *cleanrooms.Collaboration, row *cleanrooms.Member) error {
	if c.IsMetricsEnabled == nil || !*c.IsMetricsEnabled {
		return invalid("isMetricsEnabled", "Metrics cannot be enabled for a membership of a collaboration without metrics.")
	}
	if !hasAbility(row.Abilities, api.MemberAbilityCanQuery) && !hasAbility(row.Abilities, api.MemberAbilityCanRunJob) && !paysAnything(row.Payment) {
		return invalid("isMetricsEnabled", "Only a member that runs analyses or pays for them can enable metrics.")
	}
	return nil
}

// ownMembership loads a membership of the caller with its collaboration
// and member row, in one read. Another account's or an unknown membership
// is ResourceNotFound (shared spec 2.5).
func ownMembership(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, id string) (*cleanrooms.Membership, *cleanrooms.Collaboration, *cleanrooms.Member, error) {
	w, err := tx.GetMembershipWith(ctx, id)
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, nil, nil, notFound(api.ResourceTypeMembership, id)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	ms := &w.Membership
	if ms.AccountID != caller.AccountID || ms.Region != caller.Region {
		return nil, nil, nil, notFound(api.ResourceTypeMembership, id)
	}
	if w.Member == nil {
		return nil, nil, nil, missingMemberRow(ms.ID, ms.AccountID, ms.CollaborationID)
	}
	return ms, &w.Collaboration, w.Member, nil
}

// missingMemberRow is a membership whose account has no member row in the
// collaboration, which CreateMembership never leaves (the row is made
// ACTIVE in the transaction that inserts the membership) and nothing
// deletes: a broken store, answered as an internal error.
func missingMemberRow(membershipID, accountID, collaborationID string) error {
	return fmt.Errorf("service: membership %s: no member row of account %s in collaboration %s: %w",
		membershipID, accountID, collaborationID, cleanrooms.ErrNotFound)
}

// GetMembership returns one of the caller's memberships. ownMembership is
// one read, so it needs no transaction (Store.ViewOne).
func (s *Service) GetMembership(ctx context.Context, in *api.GetMembershipInput) (*api.GetMembershipOutput, error) {
	caller := callerOf(ctx)
	// The output and its membership in one allocation.
	box := new(struct {
		out api.GetMembershipOutput
		m   api.Membership
	})
	err := s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
		ms, c, row, err := ownMembership(ctx, tx, caller, *in.MembershipIdentifier)
		if err != nil {
			return err
		}
		fillMembership(&box.m, ms, c, row)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	box.out.Membership = &box.m
	return &box.out, nil
}

// ListMemberships lists the caller's memberships, in any status unless
// filtered: one read of a page with each membership's collaboration and
// member row.
func (s *Service) ListMemberships(ctx context.Context, in *api.ListMembershipsInput) (*api.ListMembershipsOutput, error) {
	caller := callerOf(ctx)
	var statuses []string
	if in.Status != "" {
		statuses = []string{string(in.Status)}
	}
	filter := string(in.Status) + "|" + caller.Region
	cursor, err := decodeToken(in.NextToken, "ListMemberships", caller.AccountID, filter)
	if err != nil {
		return nil, err
	}
	out := &api.ListMembershipsOutput{MembershipSummaries: []api.MembershipSummary{}}
	err = s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
		items, next, err := tx.ListMembershipSummariesOf(ctx, caller.AccountID, statuses, page(in.MaxResults, cursor))
		if err != nil {
			return err
		}
		for i := range items {
			w := &items[i]
			if w.Region != caller.Region {
				continue
			}
			if !w.HasMember {
				return missingMemberRow(w.ID, w.AccountID, w.CollaborationID)
			}
			out.MembershipSummaries = append(out.MembershipSummaries, toMembershipSummary(w))
		}
		out.NextToken = encodeToken("ListMemberships", caller.AccountID, filter, next)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// UpdateMembership changes the member's own settings. Only supplied fields
// change.
func (s *Service) UpdateMembership(ctx context.Context, in *api.UpdateMembershipInput) (*api.UpdateMembershipOutput, error) {
	caller := callerOf(ctx)
	var out *api.Membership
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		ms, c, row, err := ownMembership(ctx, tx, caller, *in.MembershipIdentifier)
		if err != nil {
			return err
		}
		if ms.Status != cleanrooms.MembershipActive {
			return conflict(api.ConflictExceptionReasonInvalidState, api.ResourceTypeMembership, ms.ID,
				fmt.Sprintf("Membership %s is %s and can no longer be updated.", ms.ID, ms.Status))
		}
		st := membershipSettings{queryLogStatus: string(in.QueryLogStatus), jobLogStatus: string(in.JobLogStatus),
			result: in.DefaultResultConfiguration, jobResult: in.DefaultJobResultConfiguration}
		if err := checkMembershipSettings(c, row, st); err != nil {
			return err
		}
		canQuery := hasAbility(row.Abilities, api.MemberAbilityCanQuery)
		if err := checkAcceptance("membershipPaymentConfiguration", row.Payment, canQuery, false, fromUpdatePayment(in.MembershipPaymentConfiguration)); err != nil {
			return err
		}
		if in.QueryLogStatus != "" {
			ms.QueryLogStatus = string(in.QueryLogStatus)
		}
		if in.JobLogStatus != "" {
			ms.JobLogStatus = string(in.JobLogStatus)
		}
		if in.DefaultResultConfiguration != nil {
			ms.DefaultResultConfig = fromResultConfig(in.DefaultResultConfiguration)
		}
		if in.DefaultJobResultConfiguration != nil {
			ms.DefaultJobResultConfig = fromJobResultConfig(in.DefaultJobResultConfiguration)
		}
		ms.UpdateTime = s.clock()
		if err := tx.UpdateMembership(ctx, ms); err != nil {
			return err
		}
		out = toMembership(ms, c, row)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.UpdateMembershipOutput{Membership: out}, nil
}

// DeleteMembership is how a member leaves: its row becomes LEFT and the
// membership disappears. The creator cannot leave (it deletes the
// collaboration instead). A membership that is already REMOVED or whose
// collaboration was deleted can be deleted by its owner to clean up.
func (s *Service) DeleteMembership(ctx context.Context, in *api.DeleteMembershipInput) (*api.DeleteMembershipOutput, error) {
	caller := callerOf(ctx)
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		ms, c, row, err := ownMembership(ctx, tx, caller, *in.MembershipIdentifier)
		if err != nil {
			return err
		}
		if ms.Status == cleanrooms.MembershipActive {
			if c.CreatorAccountID == caller.AccountID {
				return conflict(api.ConflictExceptionReasonInvalidState, api.ResourceTypeMembership, ms.ID,
					// AWS's text; terraform-provider-aws matches on it to treat
					// the creator's membership as gone on destroy.
					"Cannot delete membership for the creator of the collaboration while their membership is still ACTIVE")
			}
			row.Status = cleanrooms.MemberLeft
		}
		if err := s.checkNoSubresources(ctx, tx, ms.ID); err != nil {
			return err
		}
		// The row no longer points at a membership that is gone; a REMOVED
		// row keeps its status.
		row.MembershipID, row.UpdateTime = "", s.clock()
		if err := tx.UpdateMember(ctx, row); err != nil {
			return err
		}
		if err := tx.DeleteMembership(ctx, ms.ID); err != nil {
			return err
		}
		return tx.DeleteTags(ctx, membershipARN(ms.Region, ms.AccountID, ms.ID))
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.DeleteMembershipOutput{}, nil
}
