package service

import (
	"context"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// checkNoSubresources is DeleteMembership's rule that every resource under
// the membership is deleted first (shared spec 2.7): 409
// SUBRESOURCES_EXIST otherwise. Analysis templates join this check in
// their own branch.
func (s *Service) checkNoSubresources(ctx context.Context, tx cleanrooms.ReadTx, membershipID string) error {
	has, err := tx.MembershipHasAssociations(ctx, membershipID)
	if err != nil {
		return err
	}
	if has {
		return conflict(api.ConflictExceptionReasonSubresourcesExist, api.ResourceTypeMembership, membershipID,
			fmt.Sprintf("Membership %s still has configured table associations; delete them first.", membershipID))
	}
	if err := s.checkNoTemplates(ctx, tx, membershipID); err != nil {
		return err
	}
	return s.checkNoBudgetTemplates(ctx, tx, membershipID)
}
