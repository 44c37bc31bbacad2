package restjson_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/restjson"
)

type httpResult struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do serves one request with h, without a network.
func do(t *testing.T, h http.Handler, method, target string, body io.Reader) httpResult {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, body))
	res := httpResult{status: w.Code, header: w.Header(), raw: w.Body.Bytes()}
	if len(res.raw) > 0 {
		if err := json.Unmarshal(res.raw, &res.body); err != nil {
			t.Errorf("%s %s: the response body is not a JSON object: %q", method, target, res.raw)
		}
	}
	return res
}

// fieldNames returns the names in a ValidationException body's fieldList.
func fieldNames(body map[string]any) []string {
	list, _ := body["fieldList"].([]any)
	names := []string{}
	for _, f := range list {
		m, _ := f.(map[string]any)
		name, _ := m["name"].(string)
		names = append(names, name)
	}
	return names
}

// obj is a JSON object under construction.
type obj = map[string]any

// with returns a deep copy of base with the value at a dotted path
// ("members.1.accountId") replaced; value del removes it.
func with(base obj, path string, value any) obj {
	b, _ := json.Marshal(base)
	var c any
	_ = json.Unmarshal(b, &c)
	segs := strings.Split(path, ".")
	cur := c
	for i, s := range segs {
		last := i == len(segs)-1
		switch x := cur.(type) {
		case map[string]any:
			if last {
				if value == del {
					delete(x, s)
				} else {
					x[s] = value
				}
				return c.(map[string]any)
			}
			if _, ok := x[s]; !ok {
				x[s] = map[string]any{}
			}
			cur = x[s]
		case []any:
			n, err := strconv.Atoi(s)
			if err != nil || n >= len(x) {
				panic("bad path " + path)
			}
			if last {
				x[n] = value
				return c.(map[string]any)
			}
			cur = x[n]
		default:
			panic("bad path " + path)
		}
	}
	return c.(map[string]any)
}

type deleted struct{}

var del any = deleted{}

func repeat(n int, f func(i int) any) []any {
	s := make([]any, n)
	for i := range s {
		s[i] = f(i)
	}
	return s
}

func tagMap(n int) obj {
	m := obj{}
	for i := range n {
		m[fmt.Sprintf("k%d", i)] = "v"
	}
	return m
}

const (
	validUUID = "0f1e2d3c-4b5a-4697-8877-665544332211"
	atARN     = "arn:aws:cleanrooms:us-east-1:123456789012:membership/" + validUUID + "/analysistemplate/" + validUUID
	tagARN    = "arn:aws:cleanrooms:us-east-1:123456789012:collaboration/" + validUUID
)

var (
	collabBody = obj{
		"name": "Ad measurement", "description": "Measure ads", "creatorDisplayName": "Creator",
		"creatorMemberAbilities": []any{"CAN_QUERY"}, "queryLogStatus": "ENABLED",
		"members": []any{
			obj{"accountId": "111122223333", "displayName": "One", "memberAbilities": []any{}},
			obj{"accountId": "444455556666", "displayName": "Two", "memberAbilities": []any{"CAN_RECEIVE_RESULTS"}},
		},
		"tags": obj{"env": "test"},
	}
	protectedQueryBody = obj{
		"type": "SQL", "sqlParameters": obj{"queryString": "SELECT 1"},
		"resultConfiguration": obj{"outputConfiguration": obj{"s3": obj{"bucket": "my-bucket.example", "resultFormat": "CSV"}}},
	}
	templateBody = obj{"name": "tmpl", "format": "SQL", "source": obj{"text": "SELECT 1"}}
	dpParams     = obj{"differentialPrivacy": obj{"epsilon": 5, "usersNoisePerQuery": 20}}
	budgetBody   = obj{"privacyBudgetType": "DIFFERENTIAL_PRIVACY", "autoRefresh": "CALENDAR_MONTH", "parameters": dpParams}
	tableBody    = obj{
		"name": "users", "analysisMethod": "DIRECT_QUERY", "allowedColumns": []any{"user_id", "city"},
		"tableReference": obj{"glue": obj{"databaseName": "db", "tableName": "users"}},
	}
	idMappingBody = obj{
		"name": "map", "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/" + validUUID,
		"inputReferenceConfig": obj{"inputReferenceArn": "arn:aws:entityresolution:us-east-1:123456789012:idmappingworkflow/wf", "manageResourcePolicies": true},
	}
	changeBody = obj{"changes": []any{obj{"specificationType": "MEMBER",
		"specification": obj{"member": obj{"accountId": "111122223333", "memberAbilities": []any{"CAN_QUERY"}}}}}}
	assocBody = obj{"name": "assoc", "configuredTableIdentifier": validUUID,
		"roleArn": "arn:aws:iam::123456789012:role/cleanrooms-role"}
	ruleBody = obj{"analysisRuleType": "LIST",
		"analysisRulePolicy": obj{"v1": obj{"list": obj{"joinColumns": []any{"a"}, "listColumns": []any{"b"}}}}}
	audienceBody = obj{"configuredAudienceModelArn": "arn:aws:cleanrooms-ml:us-east-1:123456789012:configured-audience-model/m1",
		"configuredAudienceModelAssociationName": "aud", "manageResourcePolicies": false}
)

// TestValidationOverHTTP: requests that break one constraint of the model
// are answered 400 ValidationException, FIELD_VALIDATION_FAILED, naming
// exactly the member(s) at fault; the controls (want nil) are accepted.
func TestValidationOverHTTP(t *testing.T) {
	const (
		coll = "/collaborations/" + validUUID
		memb = "/memberships/" + validUUID
	)
	cases := []struct {
		name, method, target string
		body                 any // nil: none; string: raw; else JSON
		want                 []string
	}{
		// CreateCollaboration
		{"create collaboration (control)", "POST", "/collaborations", collabBody, nil},
		{"missing body member", "POST", "/collaborations", with(collabBody, "name", del), []string{"name"}},
		{"null required list", "POST", "/collaborations", with(collabBody, "creatorMemberAbilities", nil), []string{"creatorMemberAbilities"}},
		{"blank name (not-blank lookahead)", "POST", "/collaborations", with(collabBody, "name", "   "), []string{"name"}},
		{"name with tab only", "POST", "/collaborations", with(collabBody, "name", "\t"), []string{"name"}},
		{"name too long", "POST", "/collaborations", with(collabBody, "name", strings.Repeat("n", 101)), []string{"name"}},
		{"name of 100 multi-byte characters (control)", "POST", "/collaborations", with(collabBody, "name", strings.Repeat("é", 100)), nil},
		{"empty description", "POST", "/collaborations", with(collabBody, "description", ""), []string{"description", "description"}},
		{"nested account id pattern", "POST", "/collaborations", with(collabBody, "members.1.accountId", "12345678901a"), []string{"members.1.accountId"}},
		{"nested account id length", "POST", "/collaborations", with(collabBody, "members.0.accountId", "1234"), []string{"members.0.accountId"}},
		{"nested missing member", "POST", "/collaborations", with(collabBody, "members.0.displayName", del), []string{"members.0.displayName"}},
		{"bad enum in body", "POST", "/collaborations", with(collabBody, "queryLogStatus", "enabled"), []string{"queryLogStatus"}},
		{"bad enum in a list", "POST", "/collaborations", with(collabBody, "creatorMemberAbilities", []any{"CAN_QUERY", "CAN_FLY"}), []string{"creatorMemberAbilities.1"}},
		{"map too big", "POST", "/collaborations", with(collabBody, "tags", tagMap(201)), []string{"tags"}},
		{"two failures", "POST", "/collaborations", with(with(collabBody, "name", del), "members.0.accountId", "x"),
			[]string{"members.0.accountId", "members.0.accountId", "name"}},

		// ListCollaborations: query members
		{"list collaborations (control)", "GET", "/collaborations?maxResults=100&memberStatus=ACTIVE&nextToken=a%2Bb", nil, nil},
		{"maxResults 0", "GET", "/collaborations?maxResults=0", nil, []string{"maxResults"}},
		{"maxResults 101", "GET", "/collaborations?maxResults=101", nil, []string{"maxResults"}},
		{"maxResults not a number", "GET", "/collaborations?maxResults=ten", nil, []string{"maxResults"}},
		{"maxResults overflows int32", "GET", "/collaborations?maxResults=4294967297", nil, []string{"maxResults"}},
		{"bad enum in query", "GET", "/collaborations?memberStatus=BOGUS", nil, []string{"memberStatus"}},

		// URI members
		{"get membership (control)", "GET", memb, nil, nil},
		{"UUID with upper case", "GET", "/memberships/0F1E2D3C-4B5A-4697-8877-665544332211", nil, []string{"membershipIdentifier"}},
		{"short identifier", "GET", "/collaborations/abc", nil, []string{"collaborationIdentifier", "collaborationIdentifier"}},
		{"escaped slash in a label", "GET", "/memberships/0f1e2d3c-4b5a-4697-8877%2F665544332211", nil, []string{"membershipIdentifier"}},
		{"account id in the path", "DELETE", coll + "/member/12345678901a", nil, []string{"accountId"}},
		{"delete member (control)", "DELETE", coll + "/member/123456789012", nil, nil},
		{"label too long", "GET", coll + "/schemas/" + strings.Repeat("t", 129), nil, []string{"name"}},

		// Required and repeated query members
		{"untag (control)", "DELETE", "/tags/" + url.PathEscape(tagARN) + "?tagKeys=a&tagKeys=b", nil, nil},
		{"missing required query member", "DELETE", "/tags/" + url.PathEscape(tagARN), nil, []string{"tagKeys"}},
		{"list privacy budgets (control)", "GET", memb + "/privacybudgets?privacyBudgetType=ACCESS_BUDGET", nil, nil},
		{"missing required query enum", "GET", memb + "/privacybudgets", nil, []string{"privacyBudgetType"}},
		{"bad query enum", "GET", memb + "/privacybudgets?privacyBudgetType=differential_privacy", nil, []string{"privacyBudgetType"}},
		{"bad schema type", "GET", coll + "/schemas?schemaType=VIEW", nil, []string{"schemaType"}},

		// StartProtectedQuery: S3 bucket names
		{"bucket with dots (control)", "POST", memb + "/protectedQueries", protectedQueryBody, nil},
		{"bucket shaped like an IP address", "POST", memb + "/protectedQueries",
			with(protectedQueryBody, "resultConfiguration.outputConfiguration.s3.bucket", "192.168.1.1"),
			[]string{"resultConfiguration.outputConfiguration.s3.bucket"}},
		{"bucket with upper case", "POST", memb + "/protectedQueries",
			with(protectedQueryBody, "resultConfiguration.outputConfiguration.s3.bucket", "My-Bucket"),
			[]string{"resultConfiguration.outputConfiguration.s3.bucket"}},
		{"bucket too short", "POST", memb + "/protectedQueries",
			with(protectedQueryBody, "resultConfiguration.outputConfiguration.s3.bucket", "ab"),
			[]string{"resultConfiguration.outputConfiguration.s3.bucket"}},
		{"output union with two members", "POST", memb + "/protectedQueries",
			with(protectedQueryBody, "resultConfiguration.outputConfiguration.member", obj{"accountId": "111122223333"}),
			[]string{"resultConfiguration.outputConfiguration"}},

		// CreateAnalysisTemplate: unions
		{"union with no member", "POST", memb + "/analysistemplates", with(templateBody, "source", obj{}), []string{"source"}},
		{"union with two members", "POST", memb + "/analysistemplates",
			with(templateBody, "source.artifacts", obj{"entryPoint": obj{"location": obj{"bucket": "code-bucket", "key": "main.py"}},
				"roleArn": "arn:aws:iam::123456789012:role/cleanrooms-role"}), []string{"source"}},
		{"union member null is unset", "POST", memb + "/analysistemplates", with(templateBody, "source.artifacts", nil), nil},

		// BatchGetCollaborationAnalysisTemplate: list bounds
		{"10 ARNs (control)", "POST", coll + "/batch-analysistemplates", obj{"analysisTemplateArns": repeat(10, func(int) any { return atARN })}, nil},
		{"11 ARNs", "POST", coll + "/batch-analysistemplates", obj{"analysisTemplateArns": repeat(11, func(int) any { return atARN })}, []string{"analysisTemplateArns"}},
		{"no ARN", "POST", coll + "/batch-analysistemplates", obj{"analysisTemplateArns": []any{}}, []string{"analysisTemplateArns"}},
		{"bad ARN in a list", "POST", coll + "/batch-analysistemplates", obj{"analysisTemplateArns": []any{atARN, "arn:aws:s3:::bucket"}}, []string{"analysisTemplateArns.1"}},

		// TagResource: map bounds and keys
		{"200 tags (control)", "POST", "/tags/" + url.PathEscape(tagARN), obj{"tags": tagMap(200)}, nil},
		{"201 tags", "POST", "/tags/" + url.PathEscape(tagARN), obj{"tags": tagMap(201)}, []string{"tags"}},
		{"tag key too long", "POST", "/tags/" + url.PathEscape(tagARN), obj{"tags": obj{strings.Repeat("k", 129): "v"}}, []string{"tags." + strings.Repeat("k", 129)}},
		{"resource ARN of another service", "POST", "/tags/" + url.PathEscape("arn:aws:s3:::bucket"), obj{"tags": tagMap(1)}, []string{"resourceArn"}},

		// Numbers in nested unions
		{"privacy budget template (control)", "POST", memb + "/privacybudgettemplates", budgetBody, nil},
		{"epsilon above max", "POST", memb + "/privacybudgettemplates", with(budgetBody, "parameters.differentialPrivacy.epsilon", 21),
			[]string{"parameters.differentialPrivacy.epsilon"}},
		{"users noise below min", "POST", memb + "/previewprivacyimpact", obj{"parameters": with(dpParams, "differentialPrivacy.usersNoisePerQuery", 5)},
			[]string{"parameters.differentialPrivacy.usersNoisePerQuery"}},

		// CreateConfiguredTable
		{"configured table (control)", "POST", "/configuredTables", tableBody, nil},
		{"column name pattern", "POST", "/configuredTables", with(tableBody, "allowedColumns", []any{"User_Id", "city"}), []string{"allowedColumns.0"}},
		{"table reference with no member", "POST", "/configuredTables", with(tableBody, "tableReference", obj{}), []string{"tableReference"}},
		{"bad analysis method", "POST", "/configuredTables", with(tableBody, "analysisMethod", "SOMETIMES"), []string{"analysisMethod"}},

		// Others
		{"KMS key ARN", "POST", memb + "/idmappingtables", with(idMappingBody, "kmsKeyArn", "arn:aws:kms:us-east-1:123456789012:alias/x"), []string{"kmsKeyArn"}},
		{"missing nested boolean", "POST", memb + "/idmappingtables", with(idMappingBody, "inputReferenceConfig.manageResourcePolicies", del),
			[]string{"inputReferenceConfig.manageResourcePolicies"}},
		{"missing top-level boolean", "POST", memb + "/configuredaudiencemodelassociations", with(audienceBody, "manageResourcePolicies", del),
			[]string{"manageResourcePolicies"}},
		{"change request (control)", "POST", coll + "/changeRequests", changeBody, nil},
		{"union in a list with two members", "POST", coll + "/changeRequests",
			with(changeBody, "changes.0.specification.collaboration", obj{"autoApprovedChangeTypes": []any{"ADD_MEMBER"}}),
			[]string{"changes.0.specification"}},
		{"deep nested path", "POST", coll + "/changeRequests", with(changeBody, "changes.0.specification.member.accountId", "1"),
			[]string{"changes.0.specification.member.accountId"}},
		{"role ARN too short", "POST", memb + "/configuredTableAssociations", with(assocBody, "roleArn", "arn:aws:iam::1:role/r"), []string{"roleArn"}},
		{"nested union with no member", "POST", "/configuredTables/" + validUUID + "/analysisRule", with(ruleBody, "analysisRulePolicy.v1", obj{}),
			[]string{"analysisRulePolicy.v1"}},
		{"bad target status", "PATCH", memb + "/protectedQueries/" + validUUID, obj{"targetStatus": "RUNNING"}, []string{"targetStatus"}},
		{"blank description on update", "PATCH", coll, obj{"description": " \n "}, []string{"description"}},
		{"bad enum on update", "PATCH", memb, obj{"queryLogStatus": "ON"}, []string{"queryLogStatus"}},
	}
	ops := map[string]bool{}
	h := restjson.NewHandler(newRecorder())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			switch b := tc.body.(type) {
			case nil:
			case string:
				body = strings.NewReader(b)
			default:
				j, err := json.Marshal(b)
				if err != nil {
					t.Fatal(err)
				}
				body = strings.NewReader(string(j))
			}
			if op, _, ok := h.Router.Match(tc.method, strings.SplitN(tc.target, "?", 2)[0]); ok {
				ops[op.Name] = true
			}
			res := do(t, h, tc.method, tc.target, body)
			if tc.want == nil {
				if res.status != 200 && res.status != 204 {
					t.Fatalf("status %d, want success: %s", res.status, res.raw)
				}
				return
			}
			if res.status != 400 || res.header.Get("X-Amzn-ErrorType") != "ValidationException" {
				t.Fatalf("status %d, X-Amzn-ErrorType %q, want 400 ValidationException: %s",
					res.status, res.header.Get("X-Amzn-ErrorType"), res.raw)
			}
			if res.body["reason"] != "FIELD_VALIDATION_FAILED" {
				t.Errorf("reason %v, want FIELD_VALIDATION_FAILED", res.body["reason"])
			}
			got := fieldNames(res.body)
			if diff := cmp.Diff(tc.want, sortedCopy(got)); diff != "" {
				t.Errorf("fieldList names (-want +got):\n%s\nbody: %s", diff, res.raw)
			}
			if msg, _ := res.body["message"].(string); !strings.Contains(msg, "validation error") {
				t.Errorf("message %q", msg)
			}
		})
	}
	if len(ops) < 15 {
		t.Errorf("the cases cover %d operations, want at least 15", len(ops))
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}

// TestBodyDecoding: how bodies are read before validation.
func TestBodyDecoding(t *testing.T) {
	rec := newRecorder()
	h := restjson.NewHandler(rec)
	collabJSON, _ := json.Marshal(collabBody)
	valid := string(collabJSON)
	cases := []struct {
		name, body string
		status     int
		errType    string
		fields     []string // for ValidationException
	}{
		{"truncated JSON", `{"name":`, 400, "SerializationException", nil},
		{"not an object", `[1,2]`, 400, "SerializationException", nil},
		{"null", `null`, 400, "SerializationException", nil},
		{"a string", `"x"`, 400, "SerializationException", nil},
		{"trailing garbage", valid + ` x`, 400, "SerializationException", nil},
		{"two objects", valid + valid, 400, "SerializationException", nil},
		{"wrong type, top level", string(must(json.Marshal(with(collabBody, "name", 5)))), 400, "ValidationException", []string{"name"}},
		{"wrong type, boolean", string(must(json.Marshal(with(collabBody, "isMetricsEnabled", "true")))), 400, "ValidationException", []string{"isMetricsEnabled"}},
		{"wrong type, structure", string(must(json.Marshal(with(collabBody, "dataEncryptionMetadata", []any{1})))), 400, "ValidationException", []string{"dataEncryptionMetadata"}},
		// The name of a member in a list or map says where it is, as the
		// validator's names do.
		{"wrong type inside a list", string(must(json.Marshal(with(collabBody, "members.1.accountId", 5)))), 400, "ValidationException", []string{"members.1.accountId"}},
		{"wrong type of a map value", string(must(json.Marshal(with(collabBody, "tags", obj{"env": 5})))), 400, "ValidationException", []string{"tags.env"}},
		{"unknown keys ignored", string(must(json.Marshal(with(with(collabBody, "futureMember", obj{"x": []any{1}}), "members.0.extra", true)))), 200, "", nil},
		{"whitespace around the object", " \n\t" + valid + "\n ", 200, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, h, "POST", "/collaborations", strings.NewReader(tc.body))
			if res.status != tc.status || res.header.Get("X-Amzn-ErrorType") != tc.errType {
				t.Fatalf("status %d, X-Amzn-ErrorType %q; want %d %q: %s", res.status, res.header.Get("X-Amzn-ErrorType"), tc.status, tc.errType, res.raw)
			}
			if tc.fields != nil {
				if diff := cmp.Diff(tc.fields, fieldNames(res.body)); diff != "" {
					t.Errorf("fieldList names (-want +got):\n%s", diff)
				}
			}
		})
	}

	t.Run("member names are case-sensitive", func(t *testing.T) {
		// AWS matches JSON keys to member names exactly: "NAME" is an
		// unknown key, ignored, and the required name is missing.
		b := with(with(collabBody, "name", del), "NAME", "Shouting")
		res := do(t, h, "POST", "/collaborations", strings.NewReader(string(must(json.Marshal(b)))))
		if res.status != 400 || !cmp.Equal(fieldNames(res.body), []string{"name"}) {
			t.Errorf("status %d %s; want 400 naming name: \"NAME\" was taken for \"name\"", res.status, res.raw)
		}
		b = with(collabBody, "Description", "shadow")
		rec.reset()
		res = do(t, h, "POST", "/collaborations", strings.NewReader(string(must(json.Marshal(b)))))
		if in, ok := rec.input("CreateCollaboration").(*api.CreateCollaborationInput); ok && *in.Description != "Measure ads" {
			t.Errorf("description %q: the key \"Description\" overwrote \"description\"", *in.Description)
		}
	})

	t.Run("unknown keys do not reach the input", func(t *testing.T) {
		rec.reset()
		b := with(with(collabBody, "futureMember", "x"), "members.0.extra", true)
		res := do(t, h, "POST", "/collaborations", strings.NewReader(string(must(json.Marshal(b)))))
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.raw)
		}
		in := rec.input("CreateCollaboration").(*api.CreateCollaborationInput)
		if *in.Name != "Ad measurement" || len(in.Members) != 2 || *in.Members[1].AccountId != "444455556666" || in.Tags["env"] != "test" {
			t.Errorf("input %+v", in)
		}
	})

	t.Run("URI members come from the path, not the body", func(t *testing.T) {
		rec.reset()
		b := with(templateBody, "membershipIdentifier", "11111111-2222-4333-8444-555555555555")
		res := do(t, h, "POST", "/memberships/"+validUUID+"/analysistemplates", strings.NewReader(string(must(json.Marshal(b)))))
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.raw)
		}
		if in := rec.input("CreateAnalysisTemplate").(*api.CreateAnalysisTemplateInput); *in.MembershipIdentifier != validUUID {
			t.Errorf("membershipIdentifier %q, want the path's", *in.MembershipIdentifier)
		}
	})

	t.Run("empty body for all-optional body members", func(t *testing.T) {
		for _, target := range []struct{ method, path string }{
			{"PATCH", "/collaborations/" + validUUID},                                                    // UpdateCollaboration
			{"PATCH", "/memberships/" + validUUID},                                                       // UpdateMembership
			{"PATCH", "/configuredTables/" + validUUID},                                                  // UpdateConfiguredTable
			{"POST", "/memberships/" + validUUID + "/idmappingtables/" + validUUID + "/populate"},        // PopulateIdMappingTable
			{"PATCH", "/memberships/" + validUUID + "/idnamespaceassociations/" + validUUID},             // UpdateIdNamespaceAssociation
			{"PATCH", "/memberships/" + validUUID + "/configuredaudiencemodelassociations/" + validUUID}, // UpdateConfiguredAudienceModelAssociation
			{"PATCH", "/memberships/" + validUUID + "/analysistemplates/" + validUUID},                   // UpdateAnalysisTemplate
			{"PATCH", "/memberships/" + validUUID + "/configuredTableAssociations/" + validUUID},         // UpdateConfiguredTableAssociation
			{"PATCH", "/memberships/" + validUUID + "/idmappingtables/" + validUUID},                     // UpdateIdMappingTable
		} {
			for _, body := range []string{"", "{}", "  \n"} {
				res := do(t, h, target.method, target.path, strings.NewReader(body))
				if res.status != 200 {
					t.Errorf("%s %s with body %q: status %d %s", target.method, target.path, body, res.status, res.raw)
				}
			}
		}
		// An empty body for an operation with required body members is a
		// validation error, not a serialization error.
		res := do(t, h, "POST", "/collaborations", nil)
		want := []string{"creatorDisplayName", "creatorMemberAbilities", "description", "members", "name", "queryLogStatus"}
		if res.status != 400 || !cmp.Equal(sortedCopy(fieldNames(res.body)), want) {
			t.Errorf("empty CreateCollaboration: status %d %s; want 400 naming %v", res.status, res.raw, want)
		}
	})

	t.Run("GET ignores a body", func(t *testing.T) {
		res := do(t, h, "GET", "/collaborations", strings.NewReader(`{not json`))
		if res.status != 200 {
			t.Errorf("status %d %s", res.status, res.raw)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestBodyLimit: a body over the limit is 413 whether or not its length is
// announced; one at the limit is read.
func TestBodyLimit(t *testing.T) {
	h := restjson.NewHandler(newRecorder())
	big := `{"name":"` + strings.Repeat("x", restjson.DefaultMaxBodyBytes) + `"}` // over 4 MiB
	check := func(t *testing.T, h http.Handler, r *http.Request, want int, wantType string) {
		t.Helper()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want || w.Header().Get("X-Amzn-ErrorType") != wantType {
			t.Errorf("status %d, X-Amzn-ErrorType %q; want %d %q", w.Code, w.Header().Get("X-Amzn-ErrorType"), want, wantType)
		}
		if want != 204 && !json.Valid(w.Body.Bytes()) {
			t.Errorf("body %.100q is not JSON", w.Body.String())
		}
	}
	t.Run("announced", func(t *testing.T) {
		check(t, h, httptest.NewRequest("POST", "/collaborations", strings.NewReader(big)), 413, "RequestEntityTooLargeException")
	})
	t.Run("announced, body not sent", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/collaborations", strings.NewReader("{}"))
		r.ContentLength = restjson.DefaultMaxBodyBytes + 1
		check(t, h, r, 413, "RequestEntityTooLargeException")
	})
	t.Run("chunked", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/collaborations", io.MultiReader(strings.NewReader(big)))
		r.ContentLength = -1
		check(t, h, r, 413, "RequestEntityTooLargeException")
	})
	t.Run("at the limit", func(t *testing.T) {
		small := restjson.NewHandler(newRecorder())
		small.MaxBodyBytes = 64
		body := `{"description":"` + strings.Repeat("d", 64-len(`{"description":""}`)) + `"}`
		if len(body) != 64 {
			t.Fatalf("body of %d bytes", len(body))
		}
		check(t, small, httptest.NewRequest("PATCH", "/collaborations/"+validUUID, strings.NewReader(body)), 200, "")
		check(t, small, httptest.NewRequest("PATCH", "/collaborations/"+validUUID, strings.NewReader(body+" ")), 413, "RequestEntityTooLargeException")
	})
	t.Run("over a real connection", func(t *testing.T) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		resp, err := srv.Client().Post(srv.URL+"/collaborations", "application/json", strings.NewReader(big))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 || !json.Valid(b) {
			t.Errorf("status %d body %.100q", resp.StatusCode, b)
		}
	})
}

// TestBadPercentEscapes: a label that does not decode (or decodes to
// invalid UTF-8) is matched to its operation and refused with a 400 naming
// the label, never a 404 or a 500; Go's server refuses some of these request
// lines itself before any handler (internal/server shapes that answer).
func TestBadPercentEscapes(t *testing.T) {
	r := restjson.NewRouter(api.Operations)
	for _, c := range []struct{ path, op, label string }{
		{"/collaborations/%zz", "GetCollaboration", "collaborationIdentifier"},
		{"/collaborations/%", "GetCollaboration", "collaborationIdentifier"},
		{"/collaborations/%4", "GetCollaboration", "collaborationIdentifier"},
		{"/memberships/%G0", "GetMembership", "membershipIdentifier"},
		{"/memberships/%E0%A4%A", "GetMembership", "membershipIdentifier"},
		{"/memberships/%ff", "GetMembership", "membershipIdentifier"},
		{"/tags/arn%3Aaws%3Acleanrooms%3Aus-east-1%3A123456789012%3Amembership%2F%GG", "ListTagsForResource", "resourceArn"},
		{"/collaborations/" + validUUID + "/member/%x1", "", ""},
	} {
		op, labels, ok := r.Match("GET", c.path)
		if c.op == "" {
			if ok {
				t.Errorf("GET %s matched %s", c.path, op.Name)
			}
			continue
		}
		if !ok || op.Name != c.op {
			t.Errorf("GET %s: matched %v %v, want %s", c.path, ok, op, c.op)
			continue
		}
		if l := labels[len(labels)-1]; l.Name != c.label || l.Err == nil {
			t.Errorf("GET %s: label %+v, want %s with an error", c.path, l, c.label)
		}
		// The handler, given such a request (Go's server refuses most of
		// these request lines before it), answers 400 naming the label.
		h := restjson.NewHandler(newRecorder())
		req := httptest.NewRequest("GET", "/collaborations/x", nil)
		req.RequestURI = c.path
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 400 || w.Header().Get("X-Amzn-ErrorType") != "SerializationException" || !strings.Contains(w.Body.String(), c.label) {
			t.Errorf("GET %s: %d %s %s", c.path, w.Code, w.Header().Get("X-Amzn-ErrorType"), w.Body)
		}
	}
	h := restjson.NewHandler(newRecorder())

	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, p := range []string{"/collaborations/%zz", "/memberships/%E0%A4%A/x", "/tags/%"} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", p)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode >= 500 || resp.StatusCode < 400 {
			t.Errorf("GET %s over a connection: status %d", p, resp.StatusCode)
		}
	}
}
