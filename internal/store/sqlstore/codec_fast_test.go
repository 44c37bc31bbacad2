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
	`{"s3":{"bucket":"","":}}`, `{"s3":{"bucket":"b","x":"y"}}`, `{"roleArn":"r","x":1}`,
}

func FuzzFastJSON(f *testing.F) {
	for _, s := range fastJSONSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkDecoders(t, s)
		checkEncoders(t, s)
	})
}

func TestFastJSONSeeds(t *testing.T) {
	for _, s := range fastJSONSeeds {
		checkDecoders(t, s)
		checkEncoders(t, s)
	}
	prefix, single := "p/", true
	for _, v := range []cleanrooms.ResultConfig{{RoleArn: "r"}, {S3: &cleanrooms.S3Output{Bucket: "b", KeyPrefix: &prefix, ResultFormat: "CSV", SingleFileOutput: &single}}} {
		b, _ := json.Marshal(v)
		got, ok := resultConfigFast(string(b))
		if !ok {
			t.Errorf("resultConfigFast(%s) fell back", b)
		}
		if diff := cmp.Diff(v, got); diff != "" {
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

// checkDecoder checks that decode(s) gives what json.Unmarshal gives into
// a fresh value made by zero: the same error or not, the same value.
func checkDecoder[T any](t *testing.T, name, s string, zero func() T, decode func(string) (T, error)) {
	t.Helper()
	got, gotErr := decode(s)
	want := zero()
	wantErr := json.Unmarshal([]byte(s), &want)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%s(%q) error %v, json.Unmarshal %v", name, s, gotErr, wantErr)
	}
	if wantErr == nil && !cmp.Equal(got, want) {
		t.Fatalf("%s(%q) = %+v, json.Unmarshal %+v", name, s, got, want)
	}
}

func checkDecoders(t *testing.T, s string) {
	t.Helper()
	v := sql.NullString{String: s, Valid: true}
	checkDecoder(t, "stringsValue", s, func() []string { return []string{} },
		func(string) ([]string, error) { return stringsValue(v) })
	checkDecoder(t, "paymentValue", s, func() cleanrooms.PaymentConfig { return cleanrooms.PaymentConfig{} },
		func(s string) (cleanrooms.PaymentConfig, error) {
			var p cleanrooms.PaymentConfig
			err := paymentValue(s, &p)
			return p, err
		})
	// The pointer decoders are compared as jsonPtrValue decodes: into a new
	// value (so "null" leaves it zero, not nil).
	checkDecoder(t, "resultConfigValue[ResultConfig]", s, func() cleanrooms.ResultConfig { return cleanrooms.ResultConfig{} },
		func(string) (cleanrooms.ResultConfig, error) {
			return deref(resultConfigValue[cleanrooms.ResultConfig](v))
		})
	checkDecoder(t, "resultConfigValue[JobResultConfig]", s, func() cleanrooms.JobResultConfig { return cleanrooms.JobResultConfig{} },
		func(string) (cleanrooms.JobResultConfig, error) {
			return deref(resultConfigValue[cleanrooms.JobResultConfig](v))
		})
}

func deref[T any](p *T, err error) (T, error) {
	var zero T
	if p == nil {
		return zero, err
	}
	return *p, err
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
