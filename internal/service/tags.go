package service

import (
	"context"
	"errors"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// taggable checks that arn names a resource that exists and that the
// caller owns: a collaboration belongs to its creator, a membership to its
// member. Anything else is ResourceNotFound, the only non-validation error
// the tagging operations declare.
func taggable(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, arn string) error {
	ref, ok := parseARN(arn)
	if !ok || ref.Account != caller.AccountID || ref.Region != caller.Region {
		return notFoundARN(ref, arn)
	}
	if ref.Type == "membership" && len(ref.Path) == 2 && ref.Path[0] == "analysistemplate" {
		return taggableTemplate(ctx, tx, ref, arn)
	}
	if ref.Type == "membership" && len(ref.Path) == 2 && ref.Path[0] == "privacybudgettemplate" {
		t, err := tx.GetPrivacyBudgetTemplate(ctx, ref.Path[1])
		if errors.Is(err, cleanrooms.ErrNotFound) || (err == nil && budgetTemplateARN(t) != arn) {
			return notFoundARN(ref, arn)
		}
		return err
	}
	if ref.Type == "membership" && len(ref.Path) == 2 && ref.Path[0] == "configuredtableassociation" {
		a, err := tx.GetAssociation(ctx, ref.Path[1])
		if errors.Is(err, cleanrooms.ErrNotFound) || (err == nil && associationARN(a) != arn) {
			return notFoundARN(ref, arn)
		}
		return err
	}
	if len(ref.Path) > 0 {
		return notFoundARN(ref, arn)
	}
	switch ref.Type {
	case "configuredtable":
		t, err := tx.GetConfiguredTable(ctx, ref.ID)
		if errors.Is(err, cleanrooms.ErrNotFound) || (err == nil && tableARN(t) != arn) {
			return notFoundARN(ref, arn)
		}
		return err
	case "collaboration":
		c, err := tx.GetCollaboration(ctx, ref.ID)
		if errors.Is(err, cleanrooms.ErrNotFound) || (err == nil && (c.Deleted() || c.CreatorAccountID != ref.Account || c.Region != ref.Region)) {
			return notFoundARN(ref, arn)
		}
		return err
	case "membership":
		ms, err := tx.GetMembership(ctx, ref.ID)
		if errors.Is(err, cleanrooms.ErrNotFound) || (err == nil && (ms.AccountID != ref.Account || ms.Region != ref.Region)) {
			return notFoundARN(ref, arn)
		}
		return err
	}
	return notFoundARN(ref, arn)
}

// taggableTemplate: membership/MID/analysistemplate/ID names a template of
// that membership, in the ARN's account and region.
func taggableTemplate(ctx context.Context, tx cleanrooms.ReadTx, ref resourceRef, arn string) error {
	t, err := tx.GetAnalysisTemplate(ctx, ref.Path[1])
	if errors.Is(err, cleanrooms.ErrNotFound) || (err == nil && templateARN(t) != arn) {
		return notFoundARN(ref, arn)
	}
	return err
}

func notFoundARN(ref resourceRef, arn string) error {
	typ := api.ResourceTypeMembership
	switch ref.Type {
	case "collaboration":
		typ = api.ResourceTypeCollaboration
	case "configuredtable":
		typ = api.ResourceTypeConfiguredTable
	}
	return notFound(typ, arn)
}

// TagResource adds or overwrites tags.
func (s *Service) TagResource(ctx context.Context, in *api.TagResourceInput) (*api.TagResourceOutput, error) {
	caller := callerOf(ctx)
	if err := checkTagKeys("tags", tagKeys(in.Tags)); err != nil {
		return nil, err
	}
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		if err := taggable(ctx, tx, caller, *in.ResourceArn); err != nil {
			return err
		}
		have, err := tx.Tags(ctx, *in.ResourceArn)
		if err != nil {
			return err
		}
		n := len(have)
		for k := range in.Tags {
			if _, ok := have[k]; !ok {
				n++
			}
		}
		if n > maxTags {
			return invalid("tags", "A resource can have at most 200 tags.")
		}
		return tx.TagResource(ctx, *in.ResourceArn, in.Tags)
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.TagResourceOutput{}, nil
}

// UntagResource removes tags; keys the resource does not have are ignored.
func (s *Service) UntagResource(ctx context.Context, in *api.UntagResourceInput) (*api.UntagResourceOutput, error) {
	caller := callerOf(ctx)
	if err := checkTagKeys("tagKeys", in.TagKeys); err != nil {
		return nil, err
	}
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		if err := taggable(ctx, tx, caller, *in.ResourceArn); err != nil {
			return err
		}
		return tx.UntagResource(ctx, *in.ResourceArn, in.TagKeys)
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &api.UntagResourceOutput{}, nil
}

// ListTagsForResource returns the tags of a resource the caller owns.
func (s *Service) ListTagsForResource(ctx context.Context, in *api.ListTagsForResourceInput) (*api.ListTagsForResourceOutput, error) {
	caller := callerOf(ctx)
	var tags map[string]string
	err := s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		if err := taggable(ctx, tx, caller, *in.ResourceArn); err != nil {
			return err
		}
		var err error
		tags, err = tx.Tags(ctx, *in.ResourceArn)
		return err
	})
	if err != nil {
		return nil, storeError(err)
	}
	if tags == nil {
		tags = map[string]string{}
	}
	return &api.ListTagsForResourceOutput{Tags: tags}, nil
}
