package e2e

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// TagResource / ListTagsForResource / UntagResource on configured tables
// and their associations (templates: TestAnalysisTemplateLifecycle).
func TestTagsOnTablesAndAssociations(t *testing.T) {
	e := catalogEnv(t)
	ctx := t.Context()
	in := tableInput("tagged", "user_id", "city")
	in.Tags = map[string]string{"Project": "x"}
	ct := mustTable(t, e.A, in)
	c := mustCreate(t, e.A, standard("tags on tables"))
	mA := mustJoin(t, e.A, joinInput(*c.Id))
	mB := mustJoin(t, e.B, joinInput(*c.Id))
	out, err := e.A.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: mA.Id, ConfiguredTableIdentifier: ct.Id, Name: aws.String("tagged"), RoleArn: roleARN(acctA),
		Tags: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	cta := *out.ConfiguredTableAssociation
	ctARN, ctaARN := aws.ToString(ct.Arn), aws.ToString(cta.Arn)

	for _, r := range []struct {
		name    string
		arn     string
		initial map[string]string
	}{{"configured table", ctARN, in.Tags}, {"association", ctaARN, map[string]string{"k": "v"}}} {
		t.Run(r.name, func(t *testing.T) {
			if d := diff(r.initial, tagsOf(t, e.A, r.arn)); d != "" {
				t.Errorf("tags from create: %s", d)
			}
			if err := tag(e.A, t, r.arn, map[string]string{"env": "prod", "empty": ""}); err != nil {
				t.Fatal(err)
			}
			if err := tag(e.A, t, r.arn, map[string]string{"env": "dev"}); err != nil {
				t.Fatal(err)
			}
			if err := untag(e.A, t, r.arn, "empty", "never-set"); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"env": "dev"}
			for k, v := range r.initial {
				want[k] = v
			}
			if d := diff(want, tagsOf(t, e.A, r.arn)); d != "" {
				t.Errorf("after tag, retag, untag: %s", d)
			}
			wantValidation(t, tag(e.A, t, r.arn, map[string]string{"aws:x": "y"}))
			wantValidation(t, untag(e.A, t, r.arn, "aws:x"))
			wantValidation(t, tag(e.A, t, r.arn, manyTags("m", 200)))
			if d := diff(want, tagsOf(t, e.A, r.arn)); d != "" {
				t.Errorf("refused calls changed the tags: %s", d)
			}
		})
	}

	// Nobody else reads or writes them: the member B, the outsider D, and
	// ARNs that name the resource under the wrong account or membership.
	// An association's ARN lives under its membership: resourceType
	// MEMBERSHIP (as for templates), resourceId the ARN.
	wrongMembership := strings.Replace(ctaARN, *mA.Id, *mB.Id, 1)
	for _, tc := range []struct {
		name string
		cl   *cleanrooms.Client
		arn  string
		typ  types.ResourceType
	}{
		{"member B on A's table", e.B, ctARN, types.ResourceTypeConfiguredTable},
		{"outsider D on A's table", e.D, ctARN, types.ResourceTypeConfiguredTable},
		{"B naming A's table under its own account", e.B, strings.Replace(ctARN, acctA, acctB, 1), types.ResourceTypeConfiguredTable},
		{"member B on A's association", e.B, ctaARN, types.ResourceTypeMembership},
		{"outsider D on A's association", e.D, ctaARN, types.ResourceTypeMembership},
		{"A's association under B's membership", e.A, wrongMembership, types.ResourceTypeMembership},
		{"B's membership with A's association id", e.B, strings.Replace(wrongMembership, acctA, acctB, 1), types.ResourceTypeMembership},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cl.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(tc.arn)})
			check := func(err error) {
				t.Helper()
				wantNotFound(t, err, tc.typ, tc.arn)
			}
			check(err)
			check(tag(tc.cl, t, tc.arn, map[string]string{"x": "y"}))
			check(untag(tc.cl, t, tc.arn, "env"))
		})
	}
	if got := tagsOf(t, e.A, ctARN); got["x"] != "" || got["env"] != "dev" {
		t.Errorf("A's table tags after others tried: %v", got)
	}

	// Tags go with the association; the table keeps its own.
	if _, err := e.A.DeleteConfiguredTableAssociation(ctx, &cleanrooms.DeleteConfiguredTableAssociationInput{MembershipIdentifier: mA.Id,
		ConfiguredTableAssociationIdentifier: cta.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = e.A.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(ctaARN)})
	apiError[*types.ResourceNotFoundException](t, err, 404)
	wantNotFound(t, tag(e.A, t, ctaARN, map[string]string{"late": "1"}), types.ResourceTypeMembership, ctaARN)
	if got := tagsOf(t, e.A, ctARN); got["Project"] != "x" {
		t.Errorf("table tags after the association is deleted: %v", got)
	}
	// A new association of the same table starts without tags.
	out, err = e.A.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: mA.Id, ConfiguredTableIdentifier: ct.Id, Name: aws.String("tagged"), RoleArn: roleARN(acctA)})
	if err != nil {
		t.Fatal(err)
	}
	if got := tagsOf(t, e.A, aws.ToString(out.ConfiguredTableAssociation.Arn)); len(got) != 0 {
		t.Errorf("new association has tags %v", got)
	}
}
