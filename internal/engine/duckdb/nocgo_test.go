//go:build !cgo

package duckdb

import (
	"context"
	"errors"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// Without cgo every method but Close says the engine is absent.
func TestUnavailable(t *testing.T) {
	e := New(Config{})
	ctx := context.Background()
	if _, err := e.Parse(ctx, "SELECT 1"); !errors.Is(err, engine.ErrUnavailable) {
		t.Errorf("Parse: %v", err)
	}
	if _, err := e.Deparse(ctx, []byte("{}")); !errors.Is(err, engine.ErrUnavailable) {
		t.Errorf("Deparse: %v", err)
	}
	if _, err := e.Run(ctx, engine.Job{SQL: "SELECT 1"}); !errors.Is(err, engine.ErrUnavailable) {
		t.Errorf("Run: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
