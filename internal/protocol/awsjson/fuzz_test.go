package awsjson_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/protocol/awsjson"
)

// FuzzHandler: no body and no target make the handler panic or answer
// anything but a JSON error or success of the protocol's statuses.
func FuzzHandler(f *testing.F) {
	f.Add("AWSGlue.GetDatabase", `{"Name":"sales"}`)
	f.Add("AWSGlue.CreateTable", `{"DatabaseName":"d","TableInput":{"Name":"t","StorageDescriptor":{"Columns":[{"Name":"a"}]}}}`)
	f.Add("AWSGlue.GetTables", `{"DatabaseName":"d","MaxResults":-1,"NextToken":5}`)
	f.Add("AWSGlue.UpdateTable", `{"TableInput":{"LastAccessTime":"x"}}`)
	h := awsjson.NewHandler(&fake{})
	f.Fuzz(func(t *testing.T, target, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", target)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 413, 500, 501:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		if rec.Code == 500 && !strings.Contains(rec.Body.String(), "InternalServiceException") {
			t.Fatalf("500 without InternalServiceException: %s", rec.Body)
		}
	})
}
