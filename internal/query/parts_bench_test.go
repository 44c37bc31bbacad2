//go:build cgo

package query

import (
	"context"
	"encoding/json"
	"testing"
)

func BenchmarkParts(b *testing.B) {
	p := fixtures(b)
	ctx := context.Background()
	q := benchQuery(10)
	tree, _ := p.Parse(ctx, q)
	root, _ := decodeTree(tree)
	full, _ := json.Marshal(root)
	small, _ := writeJSON(root)
	b.Logf("tree %d bytes, compact %d", len(full), len(small))
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			p.Parse(ctx, q)
		}
	})
	b.Run("deparse-full", func(b *testing.B) {
		for b.Loop() {
			p.Deparse(ctx, full)
		}
	})
	b.Run("deparse-compact", func(b *testing.B) {
		for b.Loop() {
			p.Deparse(ctx, small)
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			decodeTree(tree)
		}
	})
	b.Run("select1", func(b *testing.B) {
		for b.Loop() {
			var s string
			p.db.QueryRow("SELECT 1::VARCHAR").Scan(&s)
		}
	})
}
