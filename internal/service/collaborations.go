package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// CreateCollaboration creates a collaboration with one member row per
// account, the creator's first; every row starts INVITED, the creator's
// too, until that account creates its membership.
func (s *Service) CreateCollaboration(ctx context.Context, in *api.CreateCollaborationInput) (*api.CreateCollaborationOutput, error) {
	caller := callerOf(ctx)
	parts, err := checkCollaborationMembers(caller.AccountID, in)
	if err != nil {
		return nil, err
	}
	payments, err := resolvePayments(parts)
	if err != nil {
		return nil, err
	}
	if err := checkTagKeys("tags", tagKeys(in.Tags)); err != nil {
		return nil, err
	}
	// Quotas come after every validation rule (shared spec 4.3).
	if len(in.Members) > s.quotas.MembersPerCollaboration {
		return nil, quotaExceeded(quotaMembers, s.quotas.MembersPerCollaboration)
	}
	now := s.clock()
	c := &cleanrooms.Collaboration{
		ID:                      s.newID(),
		Region:                  caller.Region,
		CreatorAccountID:        caller.AccountID,
		Name:                    *in.Name,
		Description:             deref(in.Description),
		CreatorDisplayName:      *in.CreatorDisplayName,
		QueryLogStatus:          string(in.QueryLogStatus),
		JobLogStatus:            string(in.JobLogStatus),
		AnalyticsEngine:         string(in.AnalyticsEngine),
		IsMetricsEnabled:        in.IsMetricsEnabled,
		AutoApprovedChangeTypes: fromEnums(in.AutoApprovedChangeRequestTypes),
		AllowedResultRegions:    fromEnums(in.AllowedResultRegions),
		CreateTime:              now,
		UpdateTime:              now,
	}
	if c.AnalyticsEngine == "" {
		// AWS runs collaborations created without an engine on Spark and
		// says so (terraform-provider-aws #43614).
		c.AnalyticsEngine = string(api.AnalyticsEngineSpark)
	}
	if d := in.DataEncryptionMetadata; d != nil {
		c.DataEncryption = &cleanrooms.DataEncryptionMetadata{
			AllowCleartext: *d.AllowCleartext, AllowDuplicates: *d.AllowDuplicates,
			AllowJoinsOnColumnsWithDifferentNames: *d.AllowJoinsOnColumnsWithDifferentNames, PreserveNulls: *d.PreserveNulls,
		}
	}
	rows := make([]cleanrooms.Member, 0, len(in.Members)+1)
	rows = append(rows, cleanrooms.Member{
		AccountID: caller.AccountID, DisplayName: *in.CreatorDisplayName,
		Abilities: nonNil(fromEnums(in.CreatorMemberAbilities)), MLAbilities: mlList(in.CreatorMLMemberAbilities),
	})
	for _, m := range in.Members {
		rows = append(rows, cleanrooms.Member{
			AccountID: *m.AccountId, DisplayName: *m.DisplayName,
			Abilities: nonNil(fromEnums(m.MemberAbilities)), MLAbilities: mlList(m.MlMemberAbilities),
		})
	}
	for i := range rows {
		rows[i].CollaborationID, rows[i].Position, rows[i].Status = c.ID, i, cleanrooms.MemberInvited
		rows[i].Payment, rows[i].CreateTime, rows[i].UpdateTime = payments[i], now, now
	}
	err = s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		n, err := tx.CountCollaborationsCreatedBy(ctx, caller.AccountID)
		if err != nil {
			return err
		}
		if n >= s.quotas.CollaborationsPerAccount {
			return quotaExceeded(quotaCollaborations, s.quotas.CollaborationsPerAccount)
		}
		if err := tx.InsertCollaboration(ctx, c); err != nil {
			return err
		}
		for i := range rows {
			if err := tx.InsertMember(ctx, &rows[i]); err != nil {
				return err
			}
		}
		if len(in.Tags) > 0 {
			return tx.TagResource(ctx, collaborationARN(c.Region, c.CreatorAccountID, c.ID), in.Tags)
		}
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.CreateCollaborationOutput{Collaboration: toCollaboration(c, &rows[0])}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func mlList(m *api.MLMemberAbilities) []string {
	if m == nil {
		return nil
	}
	return fromEnums(m.CustomMLMemberAbilities)
}

// checkCollaborationMembers applies the ability rules (shared spec 3.6):
// the creator is not listed among members, no account twice, no ability
// twice, at most one member who can query and at most one who can run jobs
// (which must also be able to query).
func checkCollaborationMembers(creator string, in *api.CreateCollaborationInput) ([]participant, error) {
	parts := []participant{{
		field: "creatorPaymentConfiguration", abilities: in.CreatorMemberAbilities,
		hasML: in.CreatorMLMemberAbilities != nil, pay: in.CreatorPaymentConfiguration,
	}}
	abilityFields := []string{"creatorMemberAbilities"}
	if err := noDuplicates("creatorMemberAbilities", in.CreatorMemberAbilities); err != nil {
		return nil, err
	}
	if in.CreatorMLMemberAbilities != nil {
		if err := noDuplicates("creatorMLMemberAbilities.customMLMemberAbilities", in.CreatorMLMemberAbilities.CustomMLMemberAbilities); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{creator: true}
	for i, m := range in.Members {
		f := "members." + strconv.Itoa(i)
		if *m.AccountId == creator {
			return nil, invalid(f+".accountId", "The collaboration creator is a member already and cannot be listed in members.")
		}
		if seen[*m.AccountId] {
			return nil, invalid(f+".accountId", fmt.Sprintf("Account %s is listed more than once.", *m.AccountId))
		}
		seen[*m.AccountId] = true
		if err := noDuplicates(f+".memberAbilities", m.MemberAbilities); err != nil {
			return nil, err
		}
		if m.MlMemberAbilities != nil {
			if err := noDuplicates(f+".mlMemberAbilities.customMLMemberAbilities", m.MlMemberAbilities.CustomMLMemberAbilities); err != nil {
				return nil, err
			}
		}
		parts = append(parts, participant{field: f + ".paymentConfiguration", abilities: m.MemberAbilities,
			hasML: m.MlMemberAbilities != nil, pay: m.PaymentConfiguration})
		abilityFields = append(abilityFields, f+".memberAbilities")
	}
	queriers, runners := 0, 0
	for i, p := range parts {
		if slices.Contains(p.abilities, api.MemberAbilityCanQuery) {
			if queriers++; queriers > 1 {
				return nil, invalid(abilityFields[i], "Only one member of a collaboration can have the CAN_QUERY ability.")
			}
		}
		if slices.Contains(p.abilities, api.MemberAbilityCanRunJob) {
			if runners++; runners > 1 {
				return nil, invalid(abilityFields[i], "Only one member of a collaboration can have the CAN_RUN_JOB ability.")
			}
			if !slices.Contains(p.abilities, api.MemberAbilityCanQuery) {
				return nil, invalid(abilityFields[i], "The member with the CAN_RUN_JOB ability must also have the CAN_QUERY ability.")
			}
		}
	}
	return parts, nil
}

// visibleCollaboration loads a collaboration for a caller who must be an
// INVITED or ACTIVE member of it, in the caller's region. Anything else —
// unknown id, deleted, other region, not a member, left or removed — is
// AccessDenied, as AWS answers (shared spec 2.5).
func visibleCollaboration(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, id string) (*cleanrooms.Collaboration, *cleanrooms.Member, error) {
	c, err := tx.GetCollaboration(ctx, id)
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, nil, collaborationAccessDenied(id)
	}
	if err != nil {
		return nil, nil, err
	}
	if c.Deleted() || c.Region != caller.Region {
		return nil, nil, collaborationAccessDenied(id)
	}
	m, err := tx.GetMember(ctx, id, caller.AccountID)
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, nil, collaborationAccessDenied(id)
	}
	if err != nil {
		return nil, nil, err
	}
	if m.Status != cleanrooms.MemberInvited && m.Status != cleanrooms.MemberActive {
		return nil, nil, collaborationAccessDenied(id)
	}
	return c, m, nil
}

// ownCollaboration is visibleCollaboration for creator-only operations.
func ownCollaboration(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, id string) (*cleanrooms.Collaboration, *cleanrooms.Member, error) {
	c, m, err := visibleCollaboration(ctx, tx, caller, id)
	if err != nil {
		return nil, nil, err
	}
	if c.CreatorAccountID != caller.AccountID {
		return nil, nil, accessDenied(fmt.Sprintf("Only the creator of collaboration %s can perform this operation.", id))
	}
	return c, m, nil
}

// GetCollaboration returns a collaboration as the calling member sees it.
func (s *Service) GetCollaboration(ctx context.Context, in *api.GetCollaborationInput) (*api.GetCollaborationOutput, error) {
	caller := callerOf(ctx)
	var out *api.Collaboration
	err := s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		c, m, err := visibleCollaboration(ctx, tx, caller, *in.CollaborationIdentifier)
		if err != nil {
			return err
		}
		out = toCollaboration(c, m)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.GetCollaborationOutput{Collaboration: out}, nil
}

// ListCollaborations lists the collaborations the caller created, joined or
// is invited to.
func (s *Service) ListCollaborations(ctx context.Context, in *api.ListCollaborationsInput) (*api.ListCollaborationsOutput, error) {
	caller := callerOf(ctx)
	statuses := []string{cleanrooms.MemberInvited, cleanrooms.MemberActive}
	if in.MemberStatus != "" {
		statuses = []string{string(in.MemberStatus)}
	}
	filter := string(in.MemberStatus) + "|" + caller.Region
	cursor, err := decodeToken(in.NextToken, "ListCollaborations", caller.AccountID, filter)
	if err != nil {
		return nil, err
	}
	out := &api.ListCollaborationsOutput{CollaborationList: []api.CollaborationSummary{}}
	// One read (ListCollaborationsOf joins each member row to its
	// collaboration), so no transaction is needed.
	err = s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
		items, next, err := tx.ListCollaborationsOf(ctx, caller.AccountID, statuses, page(in.MaxResults, cursor))
		if err != nil {
			return err
		}
		for i := range items {
			// Collaborations live in one region; the store is shared by
			// all regions, so other regions' rows are skipped here (a
			// page may come back short, which the API allows).
			if items[i].Collaboration.Region == caller.Region {
				out.CollaborationList = append(out.CollaborationList, toCollaborationSummary(&items[i].Collaboration, &items[i].Member))
			}
		}
		out.NextToken = encodeToken("ListCollaborations", caller.AccountID, filter, next)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// UpdateCollaboration changes the name, description or analytics engine;
// only the creator may.
func (s *Service) UpdateCollaboration(ctx context.Context, in *api.UpdateCollaborationInput) (*api.UpdateCollaborationOutput, error) {
	caller := callerOf(ctx)
	var out *api.Collaboration
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		c, m, err := ownCollaboration(ctx, tx, caller, *in.CollaborationIdentifier)
		if err != nil {
			return err
		}
		if in.Name != nil {
			c.Name = *in.Name
		}
		if in.Description != nil {
			c.Description = *in.Description
		}
		if in.AnalyticsEngine != "" {
			c.AnalyticsEngine = string(in.AnalyticsEngine)
		}
		c.UpdateTime = s.clock()
		if err := tx.UpdateCollaboration(ctx, c); err != nil {
			return err
		}
		out = toCollaboration(c, m)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.UpdateCollaborationOutput{Collaboration: out}, nil
}

// DeleteCollaboration ends a collaboration for everyone: every active
// membership becomes COLLABORATION_DELETED and the collaboration is no
// longer visible. Only the creator may; an already deleted or unknown id is
// AccessDenied (Terraform relies on that).
func (s *Service) DeleteCollaboration(ctx context.Context, in *api.DeleteCollaborationInput) (*api.DeleteCollaborationOutput, error) {
	caller := callerOf(ctx)
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		c, _, err := ownCollaboration(ctx, tx, caller, *in.CollaborationIdentifier)
		if err != nil {
			return err
		}
		now := s.clock()
		c.DeleteTime, c.UpdateTime = &now, now
		if err := tx.UpdateCollaboration(ctx, c); err != nil {
			return err
		}
		if _, err := tx.SetMembershipStatuses(ctx, c.ID, cleanrooms.MembershipCollaborationDeleted, now); err != nil {
			return err
		}
		return tx.DeleteTags(ctx, collaborationARN(c.Region, c.CreatorAccountID, c.ID))
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.DeleteCollaborationOutput{}, nil
}

// ListMembers lists every member row of a collaboration, the creator's
// first, in any status.
func (s *Service) ListMembers(ctx context.Context, in *api.ListMembersInput) (*api.ListMembersOutput, error) {
	caller := callerOf(ctx)
	id := *in.CollaborationIdentifier
	cursor, err := decodeToken(in.NextToken, "ListMembers", caller.AccountID, id)
	if err != nil {
		return nil, err
	}
	out := &api.ListMembersOutput{MemberSummaries: []api.MemberSummary{}}
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		c, _, err := visibleCollaboration(ctx, tx, caller, id)
		if err != nil {
			return err
		}
		rows, next, err := tx.ListMembers(ctx, id, page(in.MaxResults, cursor))
		if err != nil {
			return err
		}
		for i := range rows {
			out.MemberSummaries = append(out.MemberSummaries, toMemberSummary(c, &rows[i]))
		}
		out.NextToken = encodeToken("ListMembers", caller.AccountID, id, next)
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// DeleteMember removes a member from a collaboration: its row becomes
// REMOVED and its membership, if any, REMOVED. Only the creator may, and
// not on itself.
func (s *Service) DeleteMember(ctx context.Context, in *api.DeleteMemberInput) (*api.DeleteMemberOutput, error) {
	caller := callerOf(ctx)
	target := *in.AccountId
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		c, _, err := ownCollaboration(ctx, tx, caller, *in.CollaborationIdentifier)
		if err != nil {
			return err
		}
		if target == c.CreatorAccountID {
			return invalid("accountId", "The collaboration creator cannot be removed; delete the collaboration instead.")
		}
		m, err := tx.GetMember(ctx, c.ID, target)
		if errors.Is(err, cleanrooms.ErrNotFound) {
			return notFound(api.ResourceTypeMembership, target)
		}
		if err != nil {
			return err
		}
		if m.Status == cleanrooms.MemberLeft || m.Status == cleanrooms.MemberRemoved {
			return conflict(api.ConflictExceptionReasonInvalidState, api.ResourceTypeMembership, target,
				fmt.Sprintf("Account %s is no longer a member of the collaboration (status %s).", target, m.Status))
		}
		now := s.clock()
		m.Status, m.UpdateTime = cleanrooms.MemberRemoved, now
		if err := tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		if m.MembershipID == "" {
			return nil
		}
		ms, err := tx.GetMembership(ctx, m.MembershipID)
		if err != nil {
			return err
		}
		ms.Status, ms.UpdateTime = cleanrooms.MembershipRemoved, now
		return tx.UpdateMembership(ctx, ms)
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.DeleteMemberOutput{}, nil
}
