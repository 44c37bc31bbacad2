package server

import (
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The access log line is the server's most frequent write. Through slog
// it costs a record, the caller's program counters and an attribute walk
// per request; JSONLogHandler lets accessLog write the same line itself.

// JSONLogHandler is slog's JSON handler (every record goes through it),
// recognized by accessLog, which then appends its line directly: the same
// bytes slog writes, to the same writer under the same lock. A handler
// derived with WithAttrs or WithGroup is slog's own again (its lines
// carry more), so the direct line is only ever written where slog's would
// be identical (accesslog_test.go compares them).
type JSONLogHandler struct {
	slog.Handler
	w *lockedWriter
}

// NewJSONLogHandler returns slog.NewJSONHandler(w, opts), recognizable by
// the access log. Options that change lines (AddSource, ReplaceAttr)
// give slog's handler alone.
func NewJSONLogHandler(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	if opts != nil && (opts.AddSource || opts.ReplaceAttr != nil) {
		return slog.NewJSONHandler(w, opts)
	}
	lw := &lockedWriter{w: w}
	return &JSONLogHandler{Handler: slog.NewJSONHandler(lw, opts), w: lw}
}

// lockedWriter serializes slog's writes and the access log's, so that
// lines never interleave on a writer that is not safe for concurrent use.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// accessLine is one access log record.
type accessLine struct {
	requestID, method, path, operation string
	status                             int
	account                            string
	duration                           time.Duration
}

var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// write appends the line to h's writer as slog's JSON handler would at
// t, level INFO, message "request".
func (h *JSONLogHandler) write(t time.Time, l *accessLine) {
	bp := linePool.Get().(*[]byte)
	b := appendAccessLine((*bp)[:0], t, l)
	_, _ = h.w.Write(b)
	*bp = b[:0]
	if cap(b) <= 16<<10 {
		linePool.Put(bp)
	}
}

// appendAccessLine is slog's JSON encoding of the access record.
func appendAccessLine(b []byte, t time.Time, l *accessLine) []byte {
	b = append(b, `{"time":"`...)
	b = t.Round(0).AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"request","requestId":`...)
	b = appendSlogString(b, l.requestID)
	b = append(b, `,"method":`...)
	b = appendSlogString(b, l.method)
	b = append(b, `,"path":`...)
	b = appendSlogString(b, l.path)
	b = append(b, `,"operation":`...)
	b = appendSlogString(b, l.operation)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(l.status), 10)
	b = append(b, `,"account":`...)
	b = appendSlogString(b, l.account)
	b = append(b, `,"duration":`...)
	b = strconv.AppendInt(b, int64(l.duration), 10)
	return append(b, '}', '\n')
}

const hexDigits = "0123456789abcdef"

// appendSlogString is log/slog's JSON string escaping (unlike
// encoding/json's: <, > and & stay, \b and \f are \u00XX).
func appendSlogString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, '\\')
			switch c {
			case '\\', '"':
				b = append(b, c)
			case '\n':
				b = append(b, 'n')
			case '\r':
				b = append(b, 'r')
			case '\t':
				b = append(b, 't')
			default:
				b = append(b, 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
