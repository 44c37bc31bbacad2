package e2e

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// Templates over associated tables: B associates its table as "Users"; A
// writes templates that read it.
type templateTablesWorld struct {
	*env
	collabID string
	mA, mB   types.Membership
	cta      types.ConfiguredTableAssociation
}

func newTemplateTablesWorld(t *testing.T) *templateTablesWorld {
	t.Helper()
	e := catalogEnv(t)
	c := mustCreate(t, e.A, standard("template tables"))
	w := &templateTablesWorld{env: e, collabID: aws.ToString(c.Id)}
	w.mA = mustJoin(t, e.A, joinInput(w.collabID))
	w.mB = mustJoin(t, e.B, joinInput(w.collabID))
	ct := mustTable(t, e.B, tableInput("users", "user_id", "city", "spend"))
	out, err := e.B.CreateConfiguredTableAssociation(t.Context(), &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: w.mB.Id, ConfiguredTableIdentifier: ct.Id, Name: aws.String("Users"), RoleArn: roleARN(acctB)})
	if err != nil {
		t.Fatal(err)
	}
	w.cta = *out.ConfiguredTableAssociation
	return w
}

func referenced(s *types.AnalysisSchema) []string {
	if s == nil {
		return nil
	}
	return s.ReferencedTables
}

func TestAnalysisTemplateReferencedTables(t *testing.T) {
	w := newTemplateTablesWorld(t)
	ctx := t.Context()
	// The text's spelling is kept; the association is found without
	// regard to case, quoted or backticked.
	cases := []struct{ name, text, want string }{
		{"same case", "SELECT city, COUNT(DISTINCT user_id) FROM Users GROUP BY city", "Users"},
		{"other case", "SELECT city FROM users u WHERE u.spend > :min", "users"},
		{"upper case", "SELECT city FROM USERS", "USERS"},
		{"double quotes", `SELECT "city" FROM "Users"`, "Users"},
		{"backticks", "SELECT `city` FROM `Users`", "Users"},
		{"in a CTE", "WITH big AS (SELECT * FROM Users WHERE spend > 10) SELECT city FROM big", "Users"},
	}
	var arns []string
	for _, tc := range cases {
		in := sqlTemplate(*w.mA.Id, tc.name, tc.text)
		if strings.Contains(tc.text, ":min") {
			in.AnalysisParameters = []types.AnalysisParameter{{Name: aws.String("min"), Type: types.ParameterTypeDouble, DefaultValue: aws.String("1.5")}}
		}
		created := mustCreateTemplate(t, w.A, in)
		if d := diff([]string{tc.want}, referenced(created.Schema)); d != "" {
			t.Errorf("%s: Create referencedTables: %s", tc.name, d)
		}
		got, err := w.A.GetAnalysisTemplate(ctx, &cleanrooms.GetAnalysisTemplateInput{MembershipIdentifier: w.mA.Id, AnalysisTemplateIdentifier: created.Id})
		if err != nil {
			t.Fatal(err)
		}
		if d := diff([]string{tc.want}, referenced(got.AnalysisTemplate.Schema)); d != "" {
			t.Errorf("%s: Get referencedTables: %s", tc.name, d)
		}
		// B, the table's owner, sees it through the collaboration view.
		cv, err := w.B.GetCollaborationAnalysisTemplate(ctx, &cleanrooms.GetCollaborationAnalysisTemplateInput{
			CollaborationIdentifier: aws.String(w.collabID), AnalysisTemplateArn: created.Arn})
		if err != nil {
			t.Fatal(err)
		}
		if d := diff([]string{tc.want}, referenced(cv.CollaborationAnalysisTemplate.Schema)); d != "" {
			t.Errorf("%s: GetCollaborationAnalysisTemplate referencedTables: %s", tc.name, d)
		}
		if src, ok := cv.CollaborationAnalysisTemplate.Source.(*types.AnalysisSourceMemberText); !ok || src.Value != tc.text {
			t.Errorf("%s: collaboration view source = %#v", tc.name, cv.CollaborationAnalysisTemplate.Source)
		}
		arns = append(arns, aws.ToString(created.Arn))
	}

	batch, err := w.B.BatchGetCollaborationAnalysisTemplate(ctx, &cleanrooms.BatchGetCollaborationAnalysisTemplateInput{
		CollaborationIdentifier: aws.String(w.collabID), AnalysisTemplateArns: arns})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Errors) != 0 || len(batch.CollaborationAnalysisTemplates) != len(cases) {
		t.Fatalf("BatchGet: %d templates, errors %+v", len(batch.CollaborationAnalysisTemplates), batch.Errors)
	}
	byARN := map[string][]string{}
	for _, ct := range batch.CollaborationAnalysisTemplates {
		byARN[aws.ToString(ct.Arn)] = referenced(ct.Schema)
	}
	for i, tc := range cases {
		if d := diff([]string{tc.want}, byARN[arns[i]]); d != "" {
			t.Errorf("%s: BatchGet referencedTables: %s", tc.name, d)
		}
	}
	// The list names every template (its summaries carry no schema).
	var listed []string
	for p := cleanrooms.NewListCollaborationAnalysisTemplatesPaginator(w.B, &cleanrooms.ListCollaborationAnalysisTemplatesInput{
		CollaborationIdentifier: aws.String(w.collabID), MaxResults: aws.Int32(4)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.CollaborationAnalysisTemplateSummaries {
			listed = append(listed, aws.ToString(s.Arn))
		}
	}
	if d := diff(arns, listed); d != "" {
		t.Errorf("ListCollaborationAnalysisTemplates: %s", d)
	}
}

func TestAnalysisTemplateUnknownTables(t *testing.T) {
	w := newTemplateTablesWorld(t)
	ctx := t.Context()
	for _, tc := range []struct {
		name, text string
		unknown    []string
	}{
		{"join with an unknown table", "SELECT u.city FROM users u JOIN purchases p ON u.user_id = p.user_id", []string{`"purchases"`}},
		{"comma join, two unknown", `SELECT 1 FROM "Users", ghosts, "spirits"`, []string{`"ghosts"`, `"spirits"`}},
		{"quoted unknown", "SELECT 1 FROM `Users` JOIN `User` ON true", []string{`"User"`}},
		{"qualified name", "SELECT 1 FROM sales.users", []string{`"sales.users"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.A.CreateAnalysisTemplate(ctx, sqlTemplate(*w.mA.Id, "t", tc.text))
			e := wantValidation(t, err)
			msg := aws.ToString(e.Message)
			if !fieldNamed(e, "source.text") {
				t.Errorf("fieldList %+v does not name source.text", e.FieldList)
			}
			for _, u := range tc.unknown {
				if !strings.Contains(msg, u) {
					t.Errorf("message %q does not name %s", msg, u)
				}
			}
			for _, known := range []string{`"Users"`, `"users"`} {
				if strings.Contains(msg, known) {
					t.Errorf("message %q names the associated table %s", msg, known)
				}
			}
		})
	}
	// Once the association is gone, the table is unknown too.
	if _, err := w.B.DeleteConfiguredTableAssociation(ctx, &cleanrooms.DeleteConfiguredTableAssociationInput{MembershipIdentifier: w.mB.Id,
		ConfiguredTableAssociationIdentifier: w.cta.Id}); err != nil {
		t.Fatal(err)
	}
	_, err := w.A.CreateAnalysisTemplate(ctx, sqlTemplate(*w.mA.Id, "t", "SELECT city FROM Users"))
	if e := wantValidation(t, err); !strings.Contains(aws.ToString(e.Message), `"Users"`) {
		t.Errorf("after the association is deleted: %q", aws.ToString(e.Message))
	}
	l, err := w.A.ListAnalysisTemplates(ctx, &cleanrooms.ListAnalysisTemplatesInput{MembershipIdentifier: w.mA.Id})
	if err != nil || len(l.AnalysisTemplateSummaries) != 0 {
		t.Errorf("templates after refused creates: %v, %v", l, err)
	}
}

// DeleteMembership is refused while the membership has associations or
// templates, whichever remain.
func TestDeleteMembershipWithAssociationsAndTemplates(t *testing.T) {
	w := newTemplateTablesWorld(t)
	ctx := t.Context()
	tB := mustCreateTemplate(t, w.B, sqlTemplate(*w.mB.Id, "mine", "SELECT city FROM users"))
	leave := func() error {
		_, err := w.B.DeleteMembership(ctx, &cleanrooms.DeleteMembershipInput{MembershipIdentifier: w.mB.Id})
		return err
	}
	conflict := func(when string) {
		t.Helper()
		e := wantConflict(t, leave(), types.ConflictExceptionReasonSubresourcesExist)
		if e.ResourceType != types.ResourceTypeMembership || aws.ToString(e.ResourceId) != *w.mB.Id {
			t.Errorf("%s: conflict on %s %s, want the membership", when, e.ResourceType, aws.ToString(e.ResourceId))
		}
		if got := mustGetMembership(t, w.B, *w.mB.Id); got.Status != types.MembershipStatusActive {
			t.Errorf("%s: membership after the refused delete: %s", when, got.Status)
		}
	}
	conflict("with an association and a template")
	if _, err := w.B.DeleteConfiguredTableAssociation(ctx, &cleanrooms.DeleteConfiguredTableAssociationInput{MembershipIdentifier: w.mB.Id,
		ConfiguredTableAssociationIdentifier: w.cta.Id}); err != nil {
		t.Fatal(err)
	}
	conflict("with a template only")
	if _, err := w.B.DeleteAnalysisTemplate(ctx, &cleanrooms.DeleteAnalysisTemplateInput{MembershipIdentifier: w.mB.Id, AnalysisTemplateIdentifier: tB.Id}); err != nil {
		t.Fatal(err)
	}
	if err := leave(); err != nil {
		t.Fatalf("DeleteMembership with nothing left: %v", err)
	}
	if r := memberRow(t, w.A, w.collabID, acctB); r.Status != types.MemberStatusLeft {
		t.Errorf("B's row after leaving = %s, want LEFT", r.Status)
	}
}
