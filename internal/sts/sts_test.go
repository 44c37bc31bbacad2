package sts_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/sts"
)

func serve(t *testing.T, body string) (int, string) {
	t.Helper()
	h := sts.Handler()
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	ctx := identity.WithRequestID(identity.WithCaller(req.Context(), identity.Caller{AccountID: "111122223333", Region: "us-east-1"}), "rid-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req.WithContext(ctx))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

// The body botocore and aws-sdk-go-v2 send, and the fields they read.
func TestGetCallerIdentityNamesTheCallersAccount(t *testing.T) {
	code, body := serve(t, "Action=GetCallerIdentity&Version=2011-06-15")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	var got struct {
		Result struct {
			Arn, UserId, Account string
		} `xml:"GetCallerIdentityResult"`
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := struct{ Arn, UserId, Account string }{"arn:aws:iam::111122223333:root", "111122223333", "111122223333"}
	if diff := cmp.Diff(want, struct{ Arn, UserId, Account string }(got.Result)); diff != "" || got.RequestID != "rid-1" {
		t.Errorf("result (-want +got):\n%s\nrequest id %q", diff, got.RequestID)
	}
}

func TestOtherActionsAreRefusedInAwsQueryShape(t *testing.T) {
	code, body := serve(t, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::1:role/x")
	var got struct {
		Error struct{ Type, Code, Message string }
	}
	if err := xml.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if code != 400 || got.Error.Code != "InvalidAction" || got.Error.Type != "Sender" ||
		!strings.Contains(got.Error.Message, "AssumeRole") {
		t.Errorf("%d %+v", code, got.Error)
	}
}
