package sqlstore

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// The fast decoders must give exactly what encoding/json gives, on what
// json.Marshal writes and on anything else a column may hold.

var fastJSONSeeds = []string{
	`[]`, `["CAN_QUERY"]`, `["CAN_QUERY","CAN_RECEIVE_RESULTS"]`, `["a,b","c"]`, `[""]`,
	`["\u003c"]`, `["a\"b"]`, `[ "a"]`, `["a",]`, `["a"`, `[,]`, `null`, `["é","\xff"]`, `[1]`,
	`{}`, `{"queryCompute":true}`, `{"queryCompute":false,"jobCompute":true}`,
	`{"queryCompute":true,"jobCompute":false,"modelTraining":true,"modelInference":false,"syntheticDataGeneration":true}`,
	`{"QueryCompute":true}`, `{"queryCompute":null}`, `{"queryCompute":true,"queryCompute":false}`,
	`{"jobCompute":true,"jobCompute":false}`, `{"other":1}`, `{"queryCompute":true }`,
	`{"queryCompute":truex}`, `{"queryCompute":true,}`, `{"queryCompute":tru}`, `{"queryCompute"}`, `{`, `}`,
	`{"s3":{"bucket":"b","keyPrefix":"p/","resultFormat":"CSV","singleFileOutput":true},"roleArn":"arn:aws:iam::1:role/r"}`,
	`{"s3":{"bucket":"b"}}`, `{"roleArn":"r"}`, `{"s3":{}}`, `{"s3":null}`, `{"s3":{"bucket":"a","keyPrefix":"p"},"s3":{"bucket":"b"}}`,
	`{"s3":{"bucket":"a","bucket":"b"}}`, `{"roleArn":"a","roleArn":"b"}`, `{"s3":{"keyPrefix":null}}`, `{"s3":{"Bucket":"b"}}`,
	`{"s3":{"singleFileOutput":false}}`, "CAN_QUERY,CAN_RECEIVE_RESULTS", "a<b,c&d,\u2028,\xff,\x01", "0123456789abcde", `{"s3":{"bucket":"b"},}`, `{"s3":{"bucket":"b"}`, `{"s3":{"bucket":"\u00e9"}}`,
}

func FuzzFastJSON(f *testing.F) {
	for _, s := range fastJSONSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkStringsFast(t, s)
		checkPaymentFast(t, s)
		checkResultConfigFast(t, s)
		checkEncoders(t, s)
	})
}

func TestFastJSONSeeds(t *testing.T) {
	for _, s := range fastJSONSeeds {
		checkStringsFast(t, s)
		checkPaymentFast(t, s)
		checkResultConfigFast(t, s)
		checkEncoders(t, s)
	}
	prefix, single := "p/", true
	for _, v := range []cleanrooms.ResultConfig{{RoleArn: "r"}, {S3: &cleanrooms.S3Output{Bucket: "b", KeyPrefix: &prefix, ResultFormat: "CSV", SingleFileOutput: &single}}} {
		b, _ := json.Marshal(v)
		s3, role, ok := resultConfigFast(string(b))
		if !ok {
			t.Errorf("resultConfigFast(%s) fell back", b)
		}
		if diff := cmp.Diff(v, cleanrooms.ResultConfig{S3: s3, RoleArn: role}); diff != "" {
			t.Errorf("resultConfigFast(%s) (-want +got):\n%s", b, diff)
		}
	}
	// What the service stores does take the fast paths.
	for _, v := range [][]string{{}, {"CAN_QUERY", "CAN_RECEIVE_RESULTS"}, {"us-east-1"}} {
		b, _ := json.Marshal(v)
		if _, ok := stringsFast(string(b)); !ok {
			t.Errorf("stringsFast(%s) fell back", b)
		}
	}
	yes, no := true, false
	for _, v := range []cleanrooms.PaymentConfig{{}, {QueryCompute: true, JobCompute: &no, ModelTraining: &yes, ModelInference: &no, SyntheticDataGeneration: &yes}} {
		b, _ := json.Marshal(v)
		var got cleanrooms.PaymentConfig
		if !paymentFast(string(b), &got) {
			t.Errorf("paymentFast(%s) fell back", b)
		}
		if diff := cmp.Diff(v, got); diff != "" {
			t.Errorf("paymentFast(%s) (-want +got):\n%s", b, diff)
		}
	}
}

func checkStringsFast(t *testing.T, s string) {
	t.Helper()
	got, gotErr := stringsValue(sql.NullString{String: s, Valid: true})
	want := []string{}
	wantErr := json.Unmarshal([]byte(s), &want)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("stringsValue(%q) error %v, json.Unmarshal %v", s, gotErr, wantErr)
	}
	if wantErr == nil && !cmp.Equal(got, want) {
		t.Fatalf("stringsValue(%q) = %#v, json.Unmarshal %#v", s, got, want)
	}
}

func checkPaymentFast(t *testing.T, s string) {
	t.Helper()
	var got, want cleanrooms.PaymentConfig
	gotErr := paymentValue(s, &got)
	wantErr := json.Unmarshal([]byte(s), &want)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("paymentValue(%q) error %v, json.Unmarshal %v", s, gotErr, wantErr)
	}
	if wantErr == nil && !cmp.Equal(got, want) {
		t.Fatalf("paymentValue(%q) = %+v, json.Unmarshal %+v", s, got, want)
	}
}

func checkResultConfigFast(t *testing.T, s string) {
	t.Helper()
	v := sql.NullString{String: s, Valid: true}
	got, gotErr := resultConfigValue(v)
	want := new(cleanrooms.ResultConfig)
	wantErr := json.Unmarshal([]byte(s), want)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("resultConfigValue(%q) error %v, json.Unmarshal %v", s, gotErr, wantErr)
	}
	if wantErr == nil && !cmp.Equal(got, want) {
		t.Fatalf("resultConfigValue(%q) = %+v, json.Unmarshal %+v", s, got, want)
	}
	gotJob, gotErr := jobResultConfigValue(v)
	wantJob := new(cleanrooms.JobResultConfig)
	wantErr = json.Unmarshal([]byte(s), wantJob)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("jobResultConfigValue(%q) error %v, json.Unmarshal %v", s, gotErr, wantErr)
	}
	if wantErr == nil && !cmp.Equal(gotJob, wantJob) {
		t.Fatalf("jobResultConfigValue(%q) = %+v, json.Unmarshal %+v", s, gotJob, wantJob)
	}
}

// checkEncoders derives a string list and a payment configuration from s
// and checks that the fast encoders write json.Marshal's bytes.
func checkEncoders(t *testing.T, s string) {
	t.Helper()
	list := strings.Split(s, ",")
	got, err := stringsParam(list)
	want, _ := json.Marshal(list)
	if err != nil || got != string(want) {
		t.Fatalf("stringsParam(%q) = %v, %v; json.Marshal %s", list, got, err, want)
	}
	var p cleanrooms.PaymentConfig
	bits := []bool{false, false, false, false, false}
	for i := 0; i < len(s) && i < 10; i++ {
		bits[i%5] = s[i]&1 == 1
	}
	p.QueryCompute = bits[0]
	opt := func(i int) *bool {
		if len(s) > 10+i && s[10+i]&1 == 1 {
			return &bits[i]
		}
		return nil
	}
	p.JobCompute, p.ModelTraining, p.ModelInference, p.SyntheticDataGeneration = opt(1), opt(2), opt(3), opt(4)
	want, _ = json.Marshal(p)
	if got := paymentParam(p); got != string(want) {
		t.Fatalf("paymentParam(%+v) = %s, json.Marshal %s", p, got, want)
	}
}
