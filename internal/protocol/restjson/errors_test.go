package restjson_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/restjson"
	"github.com/cleanroomsd/cleanroomsd/internal/sdktest"
)

// modeledError is one exception of the model: what the Service returns,
// and what the SDK must make of it.
type modeledError struct {
	code   string
	status int
	err    error
	check  func(t *testing.T, err error) // the SDK's error, modeled fields
}

var modeledErrors = []modeledError{
	{
		code: "AccessDeniedException", status: 403,
		err: &api.AccessDeniedException{Message: ptr("Not a member."), Reason: "INSUFFICIENT_PERMISSIONS"},
		check: func(t *testing.T, err error) {
			var e *types.AccessDeniedException
			if !errors.As(err, &e) {
				t.Fatalf("not a *types.AccessDeniedException: %T %v", err, err)
			}
			if e.ErrorMessage() != "Not a member." || e.Reason != types.AccessDeniedExceptionReasonInsufficientPermissions {
				t.Errorf("got message %q reason %q", e.ErrorMessage(), e.Reason)
			}
		},
	},
	{
		code: "ConflictException", status: 409,
		err: &api.ConflictException{Message: ptr("It exists."), Reason: "ALREADY_EXISTS",
			ResourceId: ptr(membID), ResourceType: "MEMBERSHIP"},
		check: func(t *testing.T, err error) {
			var e *types.ConflictException
			if !errors.As(err, &e) {
				t.Fatalf("not a *types.ConflictException: %T %v", err, err)
			}
			if e.ErrorMessage() != "It exists." || e.Reason != types.ConflictExceptionReasonAlreadyExists ||
				aws.ToString(e.ResourceId) != membID || e.ResourceType != types.ResourceTypeMembership {
				t.Errorf("got %+v", e)
			}
		},
	},
	{
		code: "InternalServerException", status: 500,
		err: &api.InternalServerException{Message: ptr("Try again.")},
		check: func(t *testing.T, err error) {
			var e *types.InternalServerException
			if !errors.As(err, &e) {
				t.Fatalf("not a *types.InternalServerException: %T %v", err, err)
			}
			if e.ErrorMessage() != "Try again." || e.ErrorFault() != smithy.FaultServer {
				t.Errorf("got %+v", e)
			}
		},
	},
	{
		code: "ResourceNotFoundException", status: 404,
		err: &api.ResourceNotFoundException{Message: ptr("No such collaboration."),
			ResourceId: ptr(collabID), ResourceType: "COLLABORATION"},
		check: func(t *testing.T, err error) {
			var e *types.ResourceNotFoundException
			if !errors.As(err, &e) {
				t.Fatalf("not a *types.ResourceNotFoundException: %T %v", err, err)
			}
			if e.ErrorMessage() != "No such collaboration." || aws.ToString(e.ResourceId) != collabID ||
				e.ResourceType != types.ResourceTypeCollaboration {
				t.Errorf("got %+v", e)
			}
		},
	},
	{
		code: "ServiceQuotaExceededException", status: 402,
		err: &api.ServiceQuotaExceededException{Message: ptr("Too many."),
			QuotaName: ptr("Memberships per account"), QuotaValue: ptr(12.5)},
		check: func(t *testing.T, err error) {
			var e *types.ServiceQuotaExceededException
			if !errors.As(err, &e) {
				t.Fatalf("not a *types.ServiceQuotaExceededException: %T %v", err, err)
			}
			if e.ErrorMessage() != "Too many." || aws.ToString(e.QuotaName) != "Memberships per account" ||
				aws.ToFloat64(e.QuotaValue) != 12.5 {
				t.Errorf("got %+v", e)
			}
		},
	},
	{
		code: "ThrottlingException", status: 429,
		err: &api.ThrottlingException{Message: ptr("Slow down.")},
		check: func(t *testing.T, err error) {
			var e *types.ThrottlingException
			if !errors.As(err, &e) {
				t.Fatalf("not a *types.ThrottlingException: %T %v", err, err)
			}
			if e.ErrorMessage() != "Slow down." {
				t.Errorf("got %+v", e)
			}
		},
	},
	{
		code: "ValidationException", status: 400,
		err: &api.ValidationException{Message: ptr("2 validation errors detected."), Reason: "FIELD_VALIDATION_FAILED",
			FieldList: []api.ValidationExceptionField{
				{Name: ptr("members.0.accountId"), Message: ptr("Member must have length 12")},
				{Name: ptr("name"), Message: ptr("Member must not be null")},
			}},
		check: func(t *testing.T, err error) {
			var e *types.ValidationException
			if !errors.As(err, &e) {
				t.Fatalf("not a *types.ValidationException: %T %v", err, err)
			}
			want := map[string]any{
				"message": "2 validation errors detected.",
				"reason":  "FIELD_VALIDATION_FAILED",
				"fieldlist": []any{
					map[string]any{"name": "members.0.accountId", "message": "Member must have length 12"},
					map[string]any{"name": "name", "message": "Member must not be null"},
				},
			}
			if diff := cmp.Diff(want, normalize(e)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		},
	},
}

func statusOf(t *testing.T, err error) int {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("no *awshttp.ResponseError in %T %v", err, err)
	}
	var sre *smithyhttp.ResponseError
	if !errors.As(err, &sre) || sre.HTTPStatusCode() != re.HTTPStatusCode() {
		t.Errorf("no consistent *smithyhttp.ResponseError in %v", err)
	}
	return re.HTTPStatusCode()
}

// TestModeledErrors: each of the 7 exceptions, returned by the Service,
// reaches the SDK as its types.*Exception with the model's status and
// every modeled member, and carries X-Amzn-ErrorType on the wire.
func TestModeledErrors(t *testing.T) {
	if len(modeledErrors) != 7 {
		t.Fatalf("%d modeled errors, want 7", len(modeledErrors))
	}
	rec := newRecorder()
	srv, client := serve(t, restjson.NewHandler(rec), false)
	for i, me := range modeledErrors {
		t.Run(me.code, func(t *testing.T) {
			if ae := me.err.(api.APIError); ae.ErrorCode() != me.code || ae.HTTPStatus() != me.status {
				t.Errorf("api: code %s status %d, want %s %d", ae.ErrorCode(), ae.HTTPStatus(), me.code, me.status)
			}
			// An operation declaring the error, a different one each time.
			var declaring []*api.Operation
			for _, op := range api.Operations {
				if slices.Contains(op.Errors, me.code) {
					declaring = append(declaring, op)
				}
			}
			if len(declaring) == 0 {
				t.Fatalf("no operation declares %s", me.code)
			}
			op := declaring[(i*13)%len(declaring)]
			rec.setError(op.Name, me.err)
			defer rec.setError(op.Name, nil)
			in, _ := filledSDKInput(t, sdkOps[op.Name], 0)
			_, err := sdkOps[op.Name].call(context.Background(), client, in)
			if err == nil {
				t.Fatalf("%s: no error", op.Name)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != me.code {
				t.Errorf("%s: smithy.APIError code %v, want %s", op.Name, ae, me.code)
			}
			if got := statusOf(t, err); got != me.status {
				t.Errorf("%s: status %d, want %d", op.Name, got, me.status)
			}
			me.check(t, err)

			// The wire: header, content type, and a JSON body with the
			// modeled members under their model names.
			resp := rawCall(t, srv, op, in)
			if resp.header.Get("X-Amzn-ErrorType") != me.code || resp.status != me.status ||
				resp.header.Get("Content-Type") != "application/json" {
				t.Errorf("wire: status %d, X-Amzn-ErrorType %q, Content-Type %q", resp.status,
					resp.header.Get("X-Amzn-ErrorType"), resp.header.Get("Content-Type"))
			}
			var body map[string]any
			if err := json.Unmarshal(resp.body, &body); err != nil {
				t.Fatalf("wire body %q: %v", resp.body, err)
			}
			wantBody, _ := json.Marshal(me.err)
			var want map[string]any
			_ = json.Unmarshal(wantBody, &want)
			if diff := cmp.Diff(want, body); diff != "" {
				t.Errorf("wire body (-want +got):\n%s", diff)
			}
		})
	}
}

type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// rawCall sends in as the SDK would, through an in-memory transport that
// keeps the response, and returns the last response.
func rawCall(t *testing.T, srv *httptest.Server, op *api.Operation, in any) rawResponse {
	t.Helper()
	var last rawResponse
	hc := clientFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := srv.Client().Do(r)
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = rawResponse{resp.StatusCode, resp.Header.Clone(), b}
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		return resp, nil
	})
	c := newSDKClient(srv.URL, hc, false)
	_, _ = sdkOps[op.Name].call(context.Background(), c, in)
	return last
}

type clientFunc func(*http.Request) (*http.Response, error)

func (f clientFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// TestDeclaredErrorsEveryOperation: for every operation and every error it
// declares, the SDK's deserializer of that operation recognizes the error
// (a types.*Exception, not a smithy.GenericAPIError).
func TestDeclaredErrorsEveryOperation(t *testing.T) {
	rec := newRecorder()
	_, client := serve(t, restjson.NewHandler(rec), false)
	byCode := map[string]modeledError{}
	for _, me := range modeledErrors {
		byCode[me.code] = me
	}
	for _, op := range api.Operations {
		t.Run(op.Name, func(t *testing.T) {
			if len(op.Errors) == 0 {
				t.Fatal("declares no errors")
			}
			in, _ := filledSDKInput(t, sdkOps[op.Name], 0)
			for _, code := range op.Errors {
				me, ok := byCode[code]
				if !ok {
					t.Errorf("declares %s, which is not one of the 7 exceptions", code)
					continue
				}
				rec.setError(op.Name, me.err)
				_, err := sdkOps[op.Name].call(context.Background(), client, in)
				var ae smithy.APIError
				if !errors.As(err, &ae) {
					t.Errorf("%s: %v", code, err)
					continue
				}
				if rt := reflect.TypeOf(ae); rt.Kind() != reflect.Pointer || rt.Elem().Name() != code ||
					rt.Elem().PkgPath() != reflect.TypeFor[types.ValidationException]().PkgPath() {
					t.Errorf("%s: the SDK made a %T of it: the SDK's model does not declare it for %s", code, ae, op.Name)
				}
				if got := statusOf(t, err); got != me.status {
					t.Errorf("%s: status %d, want %d", code, got, me.status)
				}
			}
			rec.setError(op.Name, nil)
		})
	}
}

// TestUnmodeledErrors: errors outside the model.
func TestUnmodeledErrors(t *testing.T) {
	t.Run("unknown route", func(t *testing.T) {
		h := restjson.NewHandler(newRecorder())
		for _, target := range []struct{ method, path string }{
			{"GET", "/nope"},
			{"GET", "/"},
			{"PUT", "/collaborations"}, // known path, other method
			{"GET", "/collaborations/" + collabID + "/nope"},        // too deep
			{"GET", "/collaborations/" + collabID + "/memberships"}, // no such GET
			{"GET", "/memberships/"},                                // empty label
			{"DELETE", "/collaborations/" + collabID + "/member/"},  // empty label
			{"GET", "/Collaborations/" + collabID},                  // paths are case-sensitive
			{"POST", "/memberships/" + membID},
			{"GET", "/collaborations/" + collabID + "/"}, // trailing slash
		} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(target.method, target.path, nil))
			if w.Code != 404 || w.Header().Get("X-Amzn-ErrorType") != "UnknownOperationException" {
				t.Errorf("%s %s: status %d, X-Amzn-ErrorType %q; want 404 UnknownOperationException",
					target.method, target.path, w.Code, w.Header().Get("X-Amzn-ErrorType"))
			}
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["message"] == "" || len(body) != 1 {
				t.Errorf("%s %s: body %q, want {\"message\": ...}", target.method, target.path, w.Body.Bytes())
			}
		}
	})

	t.Run("GenericError from the Service", func(t *testing.T) {
		rec := newRecorder()
		rec.setError("GetCollaboration", &api.GenericError{Code: "MissingAuthenticationTokenException", Status: 403,
			Message: "Missing Authentication Token"})
		_, client := serve(t, restjson.NewHandler(rec), false)
		_, err := client.GetCollaboration(context.Background(), &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(collabID)})
		var ge *smithy.GenericAPIError
		if !errors.As(err, &ge) || ge.Code != "MissingAuthenticationTokenException" || ge.Message != "Missing Authentication Token" {
			t.Errorf("got %T %v", err, err)
		}
		if s := statusOf(t, err); s != 403 {
			t.Errorf("status %d, want 403", s)
		}
	})

	t.Run("plain error is an opaque InternalServerException", func(t *testing.T) {
		rec := newRecorder()
		cause := errors.New("database is on fire: password=hunter2")
		rec.setError("GetMembership", cause)
		h := restjson.NewHandler(rec)
		var mu sync.Mutex
		var gotOp string
		var gotErr error
		h.OnError = func(_ context.Context, op string, err error) {
			mu.Lock()
			defer mu.Unlock()
			gotOp, gotErr = op, err
		}
		_, client := serve(t, h, false)
		_, err := client.GetMembership(context.Background(), &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(membID)})
		var e *types.InternalServerException
		if !errors.As(err, &e) {
			t.Fatalf("got %T %v", err, err)
		}
		if strings.Contains(e.ErrorMessage(), "hunter2") || strings.Contains(e.ErrorMessage(), "fire") {
			t.Errorf("the message reveals the cause: %q", e.ErrorMessage())
		}
		if s := statusOf(t, err); s != 500 {
			t.Errorf("status %d, want 500", s)
		}
		mu.Lock()
		defer mu.Unlock()
		if gotOp != "GetMembership" || !errors.Is(gotErr, cause) {
			t.Errorf("OnError got (%q, %v), want (GetMembership, the cause)", gotOp, gotErr)
		}
	})
}

// retryingClient has the SDK's standard retry policy without its waits.
func retryingClient(url string, hc cleanrooms.HTTPClient) *cleanrooms.Client {
	c := newSDKClient(url, hc, true)
	return cleanrooms.New(c.Options(), func(o *cleanrooms.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 3
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	})
}

// TestUnimplementedNotRetried: api.Unimplemented answers 501
// NotImplementedException, which the SDK's standard retryer does not
// retry; a 500 of the same server is retried, so the counting works.
func TestUnimplementedNotRetried(t *testing.T) {
	type svc struct{ api.Unimplemented }
	srv, requests := countingServer(t, restjson.NewHandler(svc{}))
	client := retryingClient(srv.URL, sdktest.BufferedClient{C: srv.Client()})
	_, err := client.ListCollaborations(context.Background(), &cleanrooms.ListCollaborationsInput{})
	var ge *smithy.GenericAPIError
	if !errors.As(err, &ge) || ge.Code != "NotImplementedException" || !strings.Contains(ge.Message, "ListCollaborations") {
		t.Errorf("got %T %v, want a NotImplementedException naming the operation", err, err)
	}
	if s := statusOf(t, err); s != 501 {
		t.Errorf("status %d, want 501", s)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1: the SDK retried a 501", n)
	}

	// Control: the same client retries an InternalServerException.
	rec := newRecorder()
	rec.setError("GetMembership", &api.InternalServerException{Message: ptr("boom")})
	srv, requests = countingServer(t, restjson.NewHandler(rec))
	client = retryingClient(srv.URL, sdktest.BufferedClient{C: srv.Client()})
	_, err = client.GetMembership(context.Background(), &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(membID)})
	if err == nil {
		t.Fatal("no error")
	}
	if n := requests.Load(); n != 3 {
		t.Errorf("control: %d requests for a 500, want 3 (the standard retryer's attempts)", n)
	}
}

// countingServer serves h and counts the requests it gets.
func countingServer(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestUndeclaredErrorsAreReported: a modeled exception that the
// operation does not declare reaches OnUndeclared (SDKs cannot decode it
// into its type); declared ones and protocol errors do not.
func TestUndeclaredErrorsAreReported(t *testing.T) {
	rec := newRecorder()
	h := restjson.NewHandler(rec)
	var got []string
	var mu sync.Mutex
	h.OnUndeclared = func(_ context.Context, op, code string) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, op+" "+code)
	}
	_, client := serve(t, h, false)
	const op = "StartProtectedQuery"
	for _, e := range []error{
		&api.ConflictException{Message: aws.String("not declared")},
		&api.ValidationException{Message: aws.String("declared")},
	} {
		rec.setError(op, e)
		in, _ := filledSDKInput(t, sdkOps[op], 0)
		if _, err := sdkOps[op].call(context.Background(), client, in); err == nil {
			t.Fatalf("%s: no error", op)
		}
	}
	if want := []string{op + " ConflictException"}; !slices.Equal(got, want) {
		t.Errorf("reported %v, want %v", got, want)
	}
}
