package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
)

// The access log's own line must be the bytes slog's JSON handler writes
// for the same record.
func TestAccessLineMatchesSlog(t *testing.T) {
	zone := time.FixedZone("X", -(3*3600 + 30*60))
	times := []time.Time{
		time.Date(2026, 12, 2, 7, 59, 1, 123456789, time.UTC),
		time.Date(2026, 12, 2, 7, 59, 1, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 120000000, zone),
		time.Now(), // with a monotonic reading
	}
	lines := []accessLine{
		{requestID: "0f8fad5b-d9cb-469f-a165-70867728950e", method: "GET", path: "/memberships/abc", operation: "GetMembership", status: 200, account: "111122223333", duration: 61234 * time.Nanosecond},
		{method: "POST", path: "/", status: 404},
		{requestID: "q\"uote\\back", method: "PATCH", path: "/a%20b/<&>", operation: "x\ny\tz\r\b\f\x01\x7f", status: 599, account: "bad \xff utf8 \u2028\u2029 é ✓", duration: -5},
		{path: "/\x00", status: 0, duration: 1<<62 + 3},
	}
	for _, tm := range times {
		for _, l := range lines {
			var want bytes.Buffer
			rec := slog.NewRecord(tm, slog.LevelInfo, "request", 0)
			rec.AddAttrs(
				slog.String("requestId", l.requestID),
				slog.String("method", l.method),
				slog.String("path", l.path),
				slog.String("operation", l.operation),
				slog.Int("status", l.status),
				slog.String("account", l.account),
				slog.Duration("duration", l.duration),
			)
			if err := slog.NewJSONHandler(&want, nil).Handle(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			if got := appendAccessLine(nil, tm, &l); !bytes.Equal(got, want.Bytes()) {
				t.Errorf("line differs from slog's\n got: %s\nwant: %s", got, want.Bytes())
			}
		}
	}
}

// Through the handler: the line reaches the writer, at the handler's
// level, and options that change lines give slog's own handler.
func TestJSONLogHandler(t *testing.T) {
	var buf bytes.Buffer
	h := NewJSONLogHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})
	jh, ok := h.(*JSONLogHandler)
	if !ok {
		t.Fatalf("NewJSONLogHandler = %T", h)
	}
	if jh.Enabled(context.Background(), slog.LevelInfo) {
		t.Error("Info enabled at level Warn")
	}
	slog.New(h).Warn("w", "k", 1)
	jh.write(time.Unix(0, 0).UTC(), &accessLine{method: "GET"})
	want := `{"time":"1970-01-01T00:00:00Z","level":"INFO","msg":"request","requestId":"","method":"GET","path":"","operation":"","status":0,"account":"","duration":0}` + "\n"
	if got := buf.String(); !bytes.HasSuffix([]byte(got), []byte(want)) || !bytes.Contains([]byte(got), []byte(`"msg":"w","k":1}`)) {
		t.Errorf("written:\n%s", got)
	}
	if _, ok := NewJSONLogHandler(&buf, &slog.HandlerOptions{AddSource: true}).(*JSONLogHandler); ok {
		t.Error("AddSource: the direct line would lack the source")
	}
	if _, ok := h.WithAttrs([]slog.Attr{slog.String("a", "b")}).(*JSONLogHandler); ok {
		t.Error("WithAttrs: the direct line would lack the attributes")
	}
}

// BenchmarkAccessLine is the access log's cost per request: slog's
// handler against the direct line (to io.Discard).
func BenchmarkAccessLine(b *testing.B) {
	l := accessLine{requestID: "0f8fad5b-d9cb-469f-a165-70867728950e", method: "GET", path: "/memberships/0f8fad5b-d9cb-469f-a165-70867728950e",
		operation: "GetMembership", status: 200, account: "111122223333", duration: 61234}
	b.Run("slog", func(b *testing.B) {
		log := slog.New(slog.NewJSONHandler(io.Discard, nil))
		b.ReportAllocs()
		for b.Loop() {
			log.LogAttrs(context.Background(), slog.LevelInfo, "request",
				slog.String("requestId", l.requestID), slog.String("method", l.method), slog.String("path", l.path),
				slog.String("operation", l.operation), slog.Int("status", l.status), slog.String("account", l.account),
				slog.Duration("duration", l.duration))
		}
	})
	b.Run("direct", func(b *testing.B) {
		h := NewJSONLogHandler(io.Discard, nil).(*JSONLogHandler)
		b.ReportAllocs()
		for b.Loop() {
			h.write(time.Now(), &l)
		}
	})
}
