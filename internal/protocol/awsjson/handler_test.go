package awsjson_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/api/glueapi"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/awsjson"
)

// fake answers GetDatabase from a fixed set and fails everything else the
// way the test asks.
type fake struct {
	glueapi.Unimplemented
	got *glueapi.GetDatabaseRequest
}

func (f *fake) GetDatabase(_ context.Context, in *glueapi.GetDatabaseRequest) (*glueapi.GetDatabaseResponse, error) {
	f.got = in
	switch *in.Name {
	case "boom":
		return nil, errors.New("disk on fire")
	case "missing":
		msg := "Database missing not found."
		return nil, &glueapi.EntityNotFoundException{Message: &msg}
	}
	return &glueapi.GetDatabaseResponse{Database: &glueapi.Database{Name: in.Name}}, nil
}

func do(t *testing.T, h http.Handler, method, target, body string) (*http.Response, map[string]any) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest(method, srv.URL+"/", strings.NewReader(body))
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	req.Header.Set("Content-Type", awsjson.ContentType)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response body %q is not a JSON object: %v", b, err)
	}
	return resp, m
}

func TestWire(t *testing.T) {
	f := &fake{}
	h := awsjson.NewHandler(f)
	h.MaxBodyBytes = 1024
	cases := []struct {
		name, method, target, body string
		status                     int
		code                       string
		msgPart                    string
	}{
		{"ok", "POST", "AWSGlue.GetDatabase", `{"Name":"sales"}`, 200, "", ""},
		{"unknown target", "POST", "AWSGlue.CreateJob", `{}`, 400, "UnknownOperationException", "X-Amz-Target"},
		{"no target", "POST", "", `{}`, 400, "UnknownOperationException", ""},
		{"other service", "POST", "AmazonS3.GetDatabase", `{}`, 400, "UnknownOperationException", ""},
		{"GET", "GET", "AWSGlue.GetDatabase", ``, 400, "UnknownOperationException", ""},
		{"malformed", "POST", "AWSGlue.GetDatabase", `{"Name":`, 400, "SerializationException", ""},
		{"not an object", "POST", "AWSGlue.GetDatabase", `["Name"]`, 400, "SerializationException", "object"},
		{"wrong type", "POST", "AWSGlue.GetDatabase", `{"Name":5}`, 400, "SerializationException", "Name"},
		{"missing required", "POST", "AWSGlue.GetDatabase", `{}`, 400, "ValidationException", "Value null at 'name' failed to satisfy constraint: Member must not be null"},
		{"case-folded key ignored", "POST", "AWSGlue.GetDatabase", `{"name":"sales"}`, 400, "ValidationException", "'name'"},
		{"too large", "POST", "AWSGlue.GetDatabase", `{"Name":"` + strings.Repeat("x", 2000) + `"}`, 413, "RequestEntityTooLargeException", ""},
		{"modeled error", "POST", "AWSGlue.GetDatabase", `{"Name":"missing"}`, 400, "EntityNotFoundException", "Database missing not found."},
		{"internal error hides cause", "POST", "AWSGlue.GetDatabase", `{"Name":"boom"}`, 500, "InternalServiceException", "internal error"},
		{"unimplemented", "POST", "AWSGlue.GetTable", `{"DatabaseName":"d","Name":"t"}`, 501, "NotImplementedException", "GetTable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, h, tc.method, tc.target, tc.body)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d (%v)", resp.StatusCode, tc.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
				t.Errorf("Content-Type %q", ct)
			}
			if tc.code == "" {
				if body["Database"] == nil {
					t.Errorf("body %v has no Database", body)
				}
				return
			}
			if body["__type"] != tc.code || resp.Header.Get("X-Amzn-Errortype") != tc.code {
				t.Errorf("__type %v, X-Amzn-ErrorType %q; want %s", body["__type"], resp.Header.Get("X-Amzn-ErrorType"), tc.code)
			}
			msg, _ := body["Message"].(string)
			if !strings.Contains(msg, tc.msgPart) {
				t.Errorf("Message %q does not contain %q", msg, tc.msgPart)
			}
			if strings.Contains(msg, "disk on fire") {
				t.Error("internal cause leaked")
			}
		})
	}
}

func TestWriteError(t *testing.T) {
	rec := httptest.NewRecorder()
	awsjson.WriteError(rec, "UnrecognizedClientException", 403, "The security token included in the request is invalid.")
	if rec.Code != 403 || rec.Header().Get("X-Amzn-ErrorType") != "UnrecognizedClientException" {
		t.Errorf("status %d, headers %v", rec.Code, rec.Header())
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"__type": "UnrecognizedClientException", "Message": "The security token included in the request is invalid."}
	if len(body) != 2 || body["__type"] != want["__type"] || body["Message"] != want["Message"] {
		t.Errorf("body %v, want %v", body, want)
	}
}
