package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
)

// GetSchema's hit path (the schema and the caller's member row read in one
// statement) refuses, like the membership check, a member that has left
// and a deleted collaboration, with the same 403 as an outsider.
func TestGetSchemaRefusesLeftMemberAndDeletedCollaboration(t *testing.T) {
	w := newDataWorld(t)
	ctx := t.Context()
	in := &cleanrooms.GetSchemaInput{CollaborationIdentifier: aws.String(w.collabID), Name: aws.String("users")}
	if _, err := w.B.cr.GetSchema(ctx, in); err != nil {
		t.Fatalf("B's GetSchema while ACTIVE: %v", err)
	}
	if _, err := w.B.cr.DeleteMembership(ctx, &cleanrooms.DeleteMembershipInput{MembershipIdentifier: aws.String(w.mB)}); err != nil {
		t.Fatalf("B leaves: %v", err)
	}
	_, err := w.B.cr.GetSchema(ctx, in)
	wantAccessDenied(t, err)
	if _, err := w.A.cr.GetSchema(ctx, in); err != nil {
		t.Fatalf("A's GetSchema before the deletion: %v", err)
	}
	if _, err := w.A.cr.DeleteCollaboration(ctx, &cleanrooms.DeleteCollaborationInput{CollaborationIdentifier: aws.String(w.collabID)}); err != nil {
		t.Fatalf("DeleteCollaboration: %v", err)
	}
	_, err = w.A.cr.GetSchema(ctx, in)
	wantAccessDenied(t, err)
}
