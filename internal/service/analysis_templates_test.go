package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
)

const (
	ownerAcct  = "111122223333"
	memberAcct = "444455556666"
)

// templateFixture is a service on an in-memory store with a collaboration
// that ownerAcct created and both accounts joined, and a fake
// SchemaNamesOf that knows the tables "users" and "Purchases".
type templateFixture struct {
	s            *Service
	owner, other context.Context
	collabID     string
	ownerMS      string
	asked        [][]string // the names each SchemaNamesOf call was given
}

func newTemplateFixture(t *testing.T) *templateFixture {
	t.Helper()
	st, err := sqlstore.OpenSQLite(t.Context(), "", sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &templateFixture{s: New(Config{Store: st}),
		owner: identity.WithCaller(t.Context(), identity.Caller{AccountID: ownerAcct, Region: "us-east-1"}),
		other: identity.WithCaller(t.Context(), identity.Caller{AccountID: memberAcct, Region: "us-east-1"}),
	}
	c, err := f.s.CreateCollaboration(f.owner, &api.CreateCollaborationInput{
		Name: str("c"), CreatorDisplayName: str("owner"), CreatorMemberAbilities: []api.MemberAbility{api.MemberAbilityCanQuery, api.MemberAbilityCanReceiveResults},
		QueryLogStatus: api.CollaborationQueryLogStatusDisabled,
		Members:        []api.MemberSpecification{{AccountId: str(memberAcct), DisplayName: str("m"), MemberAbilities: []api.MemberAbility{}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.collabID = *c.Collaboration.Id
	for _, ctx := range []context.Context{f.owner, f.other} {
		ms, err := f.s.CreateMembership(ctx, &api.CreateMembershipInput{CollaborationIdentifier: &f.collabID, QueryLogStatus: api.MembershipQueryLogStatusDisabled})
		if err != nil {
			t.Fatal(err)
		}
		if ctx == f.owner {
			f.ownerMS = *ms.Membership.Id
		}
	}
	known := []string{"users", "Purchases"}
	f.s.schemaNamesOf = func(_ context.Context, _ cleanrooms.ReadTx, collaborationID string, names []string) ([]string, error) {
		if collaborationID != f.collabID {
			t.Errorf("SchemaNamesOf asked about collaboration %s, want %s", collaborationID, f.collabID)
		}
		f.asked = append(f.asked, slices.Clone(names))
		var missing []string
		for _, n := range names {
			if !slices.Contains(known, n) {
				missing = append(missing, n)
			}
		}
		return missing, nil
	}
	return f
}

func (f *templateFixture) create(sql string, params ...api.AnalysisParameter) (*api.AnalysisTemplate, error) {
	out, err := f.s.CreateAnalysisTemplate(f.owner, &api.CreateAnalysisTemplateInput{
		MembershipIdentifier: &f.ownerMS, Name: str("t"), Format: api.AnalysisFormatSql,
		Source: &api.AnalysisSource{Text: &sql}, AnalysisParameters: params,
	})
	if err != nil {
		return nil, err
	}
	return out.AnalysisTemplate, nil
}

// validationField returns the field a ValidationException names and its
// message, failing the test if err is not one.
func validationField(t *testing.T, err error) (string, string) {
	t.Helper()
	var ve *api.ValidationException
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v, want a ValidationException", err)
	}
	if len(ve.FieldList) != 1 {
		t.Fatalf("ValidationException fieldList = %+v, want one field", ve.FieldList)
	}
	return *ve.FieldList[0].Name, *ve.Message
}

func TestCreateAnalysisTemplateReferencedTables(t *testing.T) {
	f := newTemplateFixture(t)
	got, err := f.create(`WITH recent AS (SELECT * FROM users WHERE d > :since)
		SELECT COUNT(*) FROM recent r JOIN "Purchases" p ON r.id = p.uid -- FROM secret`,
		api.AnalysisParameter{Name: str("since"), Type: api.ParameterTypeDate, DefaultValue: str("2026-01-01")})
	if err != nil {
		t.Fatalf("CreateAnalysisTemplate: %v", err)
	}
	if d := cmp.Diff([]string{"users", "Purchases"}, got.Schema.ReferencedTables); d != "" {
		t.Errorf("referencedTables (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{{"users", "Purchases"}}, f.asked); d != "" {
		t.Errorf("names given to SchemaNamesOf (-want +got):\n%s", d)
	}

	// Tables outside the collaboration are named, and nothing is written.
	_, err = f.create("SELECT * FROM users u, secret s JOIN other.t o ON 1=1")
	field, msg := validationField(t, err)
	if field != "source.text" || !strings.Contains(msg, `"secret"`) || !strings.Contains(msg, `"other.t"`) || strings.Contains(msg, `"users"`) {
		t.Errorf("unknown tables: field %q message %q, want source.text naming secret and other.t only", field, msg)
	}
	list, err := f.s.ListAnalysisTemplates(f.owner, &api.ListAnalysisTemplatesInput{MembershipIdentifier: &f.ownerMS})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.AnalysisTemplateSummaries) != 1 {
		t.Errorf("%d templates after the refused create, want 1", len(list.AnalysisTemplateSummaries))
	}

	// A template that reads no table does not ask.
	f.asked = nil
	if _, err := f.create("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if f.asked != nil {
		t.Errorf("SchemaNamesOf called with %v for a text without tables", f.asked)
	}
}

// The default SchemaNamesOf reads the collaboration's associations: in a
// collaboration with none, every table is missing.
func TestSchemaNamesWithoutAssociations(t *testing.T) {
	f := newTemplateFixture(t)
	f.s.schemaNamesOf = schemaNamesMissing
	_, err := f.create("SELECT * FROM users")
	if field, msg := validationField(t, err); field != "source.text" || !strings.Contains(msg, `"users"`) {
		t.Errorf("field %q message %q", field, msg)
	}
}

func TestCreateAnalysisTemplateRules(t *testing.T) {
	f := newTemplateFixture(t)
	param := func(name string, typ api.ParameterType, def ...string) api.AnalysisParameter {
		p := api.AnalysisParameter{Name: str(name), Type: typ}
		if def != nil {
			p.DefaultValue = str(def[0])
		}
		return p
	}
	cases := []struct {
		name   string
		sql    string
		params []api.AnalysisParameter
		field  string // "" when accepted
	}{
		{"declared and used", "SELECT a FROM users WHERE b = :p", []api.AnalysisParameter{param("p", api.ParameterTypeVarchar)}, ""},
		{"declared but unused is accepted", "SELECT a FROM users", []api.AnalysisParameter{param("p", api.ParameterTypeVarchar)}, ""},
		{"used but not declared", "SELECT a FROM users WHERE b = :p AND c = :q", []api.AnalysisParameter{param("p", api.ParameterTypeVarchar)}, "analysisParameters"},
		{"placeholder in a string is not a parameter", "SELECT ':q' FROM users", nil, ""},
		{"declared twice", "SELECT :p FROM users", []api.AnalysisParameter{param("p", api.ParameterTypeInt), param("p", api.ParameterTypeInt)}, "analysisParameters.1.name"},
		{"integer default", "SELECT :p", []api.AnalysisParameter{param("p", api.ParameterTypeInteger, "42")}, ""},
		{"integer default not a number", "SELECT :p", []api.AnalysisParameter{param("p", api.ParameterTypeInteger, "4x")}, "analysisParameters.0.defaultValue"},
		{"smallint out of range", "SELECT :p", []api.AnalysisParameter{param("x", api.ParameterTypeVarchar), param("p", api.ParameterTypeSmallint, "40000")}, "analysisParameters.1.defaultValue"},
		{"decimal default", "SELECT :p", []api.AnalysisParameter{param("p", api.ParameterTypeDecimal, "-1.25")}, ""},
		{"decimal NaN", "SELECT :p", []api.AnalysisParameter{param("p", api.ParameterTypeDecimal, "NaN")}, "analysisParameters.0.defaultValue"},
		{"boolean default", "SELECT :p", []api.AnalysisParameter{param("p", api.ParameterTypeBoolean, "TRUE")}, ""},
		{"boolean default wrong", "SELECT :p", []api.AnalysisParameter{param("p", api.ParameterTypeBoolean, "yes")}, "analysisParameters.0.defaultValue"},
		{"date default wrong", "SELECT :p", []api.AnalysisParameter{param("p", api.ParameterTypeDate, "2026-13-01")}, "analysisParameters.0.defaultValue"},
		{"varchar default anything", "SELECT :p", []api.AnalysisParameter{param("p", api.ParameterTypeVarchar, "")}, ""},
		{"not a SELECT", "DROP TABLE users", nil, "source.text"},
		{"unterminated string", "SELECT 'x FROM users", nil, "source.text"},
		{"NUL in the text", "SELECT 1\x00", nil, "source.text"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.create(tc.sql, tc.params...)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("CreateAnalysisTemplate(%q): %v", tc.sql, err)
				}
				return
			}
			if field, msg := validationField(t, err); field != tc.field {
				t.Errorf("field %q (%s), want %q", field, msg, tc.field)
			}
		})
	}
	// The format decides the source.
	_, err := f.s.CreateAnalysisTemplate(f.owner, &api.CreateAnalysisTemplateInput{MembershipIdentifier: &f.ownerMS, Name: str("p"),
		Format: api.AnalysisFormatPyspark10, Source: &api.AnalysisSource{Text: str("SELECT 1")}})
	if field, _ := validationField(t, err); field != "source.artifacts" {
		t.Errorf("PySpark with text: field %q, want source.artifacts", field)
	}
	art := &api.AnalysisTemplateArtifacts{EntryPoint: &api.AnalysisTemplateArtifact{Location: &api.S3Location{Bucket: str("b"), Key: str("k.py")}}, RoleArn: str("arn:aws:iam::111122223333:role/r")}
	_, err = f.s.CreateAnalysisTemplate(f.owner, &api.CreateAnalysisTemplateInput{MembershipIdentifier: &f.ownerMS, Name: str("q"),
		Format: api.AnalysisFormatSql, Source: &api.AnalysisSource{Artifacts: art}})
	if field, _ := validationField(t, err); field != "source.text" {
		t.Errorf("SQL with artifacts: field %q, want source.text", field)
	}
}

func TestDeleteMembershipWithTemplates(t *testing.T) {
	f := newTemplateFixture(t)
	otherMS, err := f.s.ListMemberships(f.other, &api.ListMembershipsInput{})
	if err != nil {
		t.Fatal(err)
	}
	msID := otherMS.MembershipSummaries[0].Id
	out, err := f.s.CreateAnalysisTemplate(f.other, &api.CreateAnalysisTemplateInput{MembershipIdentifier: msID, Name: str("t"),
		Format: api.AnalysisFormatSql, Source: &api.AnalysisSource{Text: str("SELECT 1")}, Tags: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	tagsOf := func() map[string]string {
		var tags map[string]string
		if err := f.s.store.View(t.Context(), func(tx cleanrooms.ReadTx) (err error) {
			tags, err = tx.Tags(t.Context(), *out.AnalysisTemplate.Arn)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return tags
	}
	if d := cmp.Diff(map[string]string{"k": "v"}, tagsOf()); d != "" {
		t.Errorf("tags after create (-want +got):\n%s", d)
	}
	_, err = f.s.DeleteMembership(f.other, &api.DeleteMembershipInput{MembershipIdentifier: msID})
	var ce *api.ConflictException
	if !errors.As(err, &ce) || ce.Reason != api.ConflictExceptionReasonSubresourcesExist || ce.ResourceType != api.ResourceTypeMembership || deref(ce.ResourceId) != *msID {
		t.Fatalf("DeleteMembership with a template = %v, want a SUBRESOURCES_EXIST conflict on the membership", err)
	}
	if _, err := f.s.DeleteAnalysisTemplate(f.other, &api.DeleteAnalysisTemplateInput{MembershipIdentifier: msID, AnalysisTemplateIdentifier: out.AnalysisTemplate.Id}); err != nil {
		t.Fatal(err)
	}
	if tags := tagsOf(); len(tags) != 0 {
		t.Errorf("tags after the template was deleted: %v", tags)
	}
	if _, err := f.s.DeleteMembership(f.other, &api.DeleteMembershipInput{MembershipIdentifier: msID}); err != nil {
		t.Fatalf("DeleteMembership after deleting the template: %v", err)
	}
}
