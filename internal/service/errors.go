package service

import (
	"errors"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// The constructors below are the only places that build API errors, so
// that every rule of the service speaks with one voice.

func accessDenied(msg string) error {
	return &api.AccessDeniedException{Message: &msg, Reason: api.AccessDeniedExceptionReasonInsufficientPermissions}
}

// collaborationAccessDenied is what AWS answers for a collaboration the
// caller may not see, whether or not it exists: collaborations are
// cross-account, so existence is not revealed (shared spec 2.5).
func collaborationAccessDenied(id string) error {
	return accessDenied(fmt.Sprintf("Caller is not authorized to access collaboration %s or it does not exist.", id))
}

func notFound(typ api.ResourceType, id string) error {
	msg := fmt.Sprintf("%s %s not found.", resourceNoun(typ), id)
	return &api.ResourceNotFoundException{Message: &msg, ResourceId: &id, ResourceType: typ}
}

func resourceNoun(t api.ResourceType) string {
	switch t {
	case api.ResourceTypeCollaboration:
		return "Collaboration"
	case api.ResourceTypeMembership:
		return "Membership"
	case api.ResourceTypeConfiguredTable:
		return "Configured table"
	case api.ResourceTypeConfiguredTableAssociation:
		return "Configured table association"
	}
	return "Resource"
}

func conflict(reason api.ConflictExceptionReason, typ api.ResourceType, id, msg string) error {
	return &api.ConflictException{Message: &msg, Reason: reason, ResourceType: typ, ResourceId: &id}
}

// invalid is a ValidationException for a rule beyond the model's
// constraints (reason INVALID_CONFIGURATION), naming the field at fault.
func invalid(field, msg string) error {
	e := &api.ValidationException{Message: &msg, Reason: api.ValidationExceptionReasonInvalidConfiguration}
	if field != "" {
		e.FieldList = []api.ValidationExceptionField{{Name: &field, Message: &msg}}
	}
	return e
}

// invalidField is a constraint failure found by hand (reason
// FIELD_VALIDATION_FAILED), like the generated validators report.
func invalidField(field, msg string) error { return api.FieldError(field, msg) }

func quotaExceeded(name string, value int) error {
	msg := fmt.Sprintf("Request would exceed the quota %q (%d).", name, value)
	v := float64(value)
	return &api.ServiceQuotaExceededException{Message: &msg, QuotaName: &name, QuotaValue: &v}
}

// storeError maps a store failure that no rule anticipated: an
// unavailable store is a retryable 500, anything else internal.
func storeError(err error) error {
	var ae api.APIError
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, cleanrooms.ErrInvalidCursor) {
		// The token decoded but its cursor is not one this store made
		// (truncated, or from another server).
		return badToken()
	}
	if errors.Is(err, cleanrooms.ErrUnavailable) {
		return fmt.Errorf("%w: %w", api.InternalError(), err)
	}
	return err
}
