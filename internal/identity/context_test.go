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
