package identity

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCallerRoundTrip(t *testing.T) {
	ctx := context.Background()
	if _, ok := CallerFrom(ctx); ok {
		t.Fatal("CallerFrom(empty ctx) reported a caller")
	}
	want := Caller{AccountID: "111122223333", Region: "eu-west-1", AccessKeyID: "AKIDEXAMPLE"}
	got, ok := CallerFrom(WithCaller(ctx, want))
	if !ok {
		t.Fatal("CallerFrom after WithCaller: ok = false")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("caller mismatch (-want +got):\n%s", diff)
	}
}

func TestRequestIDRoundTrip(t *testing.T) {
	ctx := context.Background()
	if got := RequestIDFrom(ctx); got != "" {
		t.Fatalf("RequestIDFrom(empty ctx) = %q, want empty", got)
	}
	ctx = WithRequestID(ctx, "req-1")
	// The two values must not shadow each other.
	ctx = WithCaller(ctx, Caller{AccountID: DefaultAccountID})
	if got := RequestIDFrom(ctx); got != "req-1" {
		t.Errorf("RequestIDFrom = %q, want %q", got, "req-1")
	}
	if c, ok := CallerFrom(ctx); !ok || c.AccountID != DefaultAccountID {
		t.Errorf("CallerFrom = %+v, %v", c, ok)
	}
}

// The server's Request is filled in place: what inner layers record is
// seen through the outer context, and WithCaller does not write through.
func TestRequestFilledInPlace(t *testing.T) {
	outer := WithRequest(context.Background(), &Request{ID: "req-2"})
	if _, ok := CallerFrom(outer); ok {
		t.Fatal("CallerFrom before SetCaller reported a caller")
	}
	want := Caller{AccountID: "111122223333", Region: "us-east-1"}
	if !SetCaller(outer, want) {
		t.Fatal("SetCaller on a context with a Request: false")
	}
	SetOperation(outer, "GetMembership")
	if got, ok := CallerFrom(outer); !ok || got != want {
		t.Errorf("CallerFrom = %+v, %v; want %+v", got, ok, want)
	}
	if got := OperationFrom(outer); got != "GetMembership" {
		t.Errorf("OperationFrom = %q", got)
	}
	inner := WithCaller(outer, Caller{AccountID: DefaultAccountID})
	if c, _ := CallerFrom(inner); c.AccountID != DefaultAccountID || RequestIDFrom(inner) != "req-2" {
		t.Errorf("inner: caller %+v, id %q", c, RequestIDFrom(inner))
	}
	if c, _ := CallerFrom(outer); c != want {
		t.Errorf("WithCaller changed the outer Request: %+v", c)
	}
	if SetCaller(context.Background(), want) {
		t.Error("SetCaller without a Request: true")
	}
}
