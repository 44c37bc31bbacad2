package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/restjson"
)

// Limits bound what clients can make the server hold at once (the threat
// model in docs/threat-model.md). Zero fields take the defaults below.
type Limits struct {
	// MaxInFlight is how many requests are served at once; one more is
	// refused at once with ThrottlingException (SDKs back off and retry).
	MaxInFlight int
	// MaxBodyBytesInFlight bounds the request bodies held in memory at
	// once, counted by their announced length (a body without one counts as
	// the largest allowed). A request waits up to BodyBudgetWait for room,
	// then is refused with ThrottlingException.
	MaxBodyBytesInFlight int64
	BodyBudgetWait       time.Duration
	// BodyReadTimeout is how long a body read may make no progress before
	// the connection is closed; MinBodyRate (bytes a second) is the
	// slowest a whole body may arrive, past a first BodyReadTimeout.
	// Together they cut a client that stalls or dribbles a body without
	// cutting a large upload at any realistic speed.
	BodyReadTimeout time.Duration
	MinBodyRate     int64
}

// Defaults of Limits.
const (
	DefaultMaxInFlight          = 256
	DefaultMaxBodyBytesInFlight = 32 << 20
	DefaultBodyBudgetWait       = 2 * time.Second
	DefaultBodyReadTimeout      = 10 * time.Second
	DefaultMinBodyRate          = 64 << 10
)

func (l Limits) withDefaults() Limits {
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = DefaultMaxInFlight
	}
	if l.MaxBodyBytesInFlight <= 0 {
		l.MaxBodyBytesInFlight = DefaultMaxBodyBytesInFlight
	}
	if l.BodyBudgetWait <= 0 {
		l.BodyBudgetWait = DefaultBodyBudgetWait
	}
	if l.BodyReadTimeout <= 0 {
		l.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if l.MinBodyRate <= 0 {
		l.MinBodyRate = DefaultMinBodyRate
	}
	return l
}

// Refusals of the limits. They are client errors a client may retry.
var (
	errTooManyRequests = &api.ThrottlingException{Message: new("The server is serving as many requests as it allows; retry later.")}
	errBodyBudget      = &api.ThrottlingException{Message: new("The server is holding as many request bodies as it allows; retry later.")}
)

// refuse answers a request a limit turned away. Every refusal of this file
// goes through it, so that it can be shaped per protocol in one place.
func refuse(w http.ResponseWriter, r *http.Request, err error) {
	if r.ContentLength != 0 {
		// The body is left unread: closing spares net/http reading (and
		// waiting for) up to 256 KiB of it to reuse the connection.
		w.Header().Set("Connection", "close")
	}
	restjson.WriteError(w, err)
}

// limitInFlight refuses requests beyond cfg.Limits.MaxInFlight, so that a
// flood turns into quick refusals instead of a server that answers no one.
func limitInFlight(cfg Config, next http.Handler) http.Handler {
	slots := make(chan struct{}, cfg.Limits.MaxInFlight)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
		default:
			refuse(w, r, errTooManyRequests)
			return
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}

// limitBodyBytes holds a request until its body fits in the budget of body
// bytes in flight, and guards the body's reads with a progress deadline and
// a minimum rate.
func limitBodyBytes(cfg Config, maxBody int64, next http.Handler) http.Handler {
	l := cfg.Limits
	budget := semaphore.NewWeighted(l.MaxBodyBytesInFlight)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		// From here on every read of the connection has a deadline, also
		// those net/http makes itself to discard a body a handler left
		// unread (after a refusal), which would otherwise wait forever on a
		// client that stalls.
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(l.BodyReadTimeout))
		// A body announced over the limit is refused unread further down
		// (413); it costs nothing here.
		weight := r.ContentLength
		if weight < 0 || weight > maxBody {
			weight = maxBody
		}
		if r.ContentLength <= maxBody {
			// TryAcquire is Acquire's own fast path (a live context, room
			// and no one waiting), without the timer context it needs
			// only to wait.
			if r.Context().Err() != nil || !budget.TryAcquire(weight) {
				ctx, cancel := context.WithTimeout(r.Context(), l.BodyBudgetWait)
				err := budget.Acquire(ctx, weight)
				cancel()
				if err != nil {
					refuse(w, r, errBodyBudget)
					return
				}
			}
			defer budget.Release(weight)
		}
		expected := r.ContentLength
		if expected < 0 {
			expected = maxBody
		}
		pr := &progressReader{
			body:     r.Body,
			w:        w,
			rc:       rc,
			timeout:  l.BodyReadTimeout,
			deadline: time.Now().Add(l.BodyReadTimeout + time.Duration(expected/l.MinBodyRate)*time.Second),
		}
		r.Body = pr
		next.ServeHTTP(w, r)
	})
}

// progressReader sets the connection's read deadline before every read of
// the body: BodyReadTimeout from now, but never past the body's overall
// deadline. It clears it once the body is read, so that the server's own
// background read (which cancels the request's context on a read error)
// does not time out while the handler works.
type progressReader struct {
	body     io.ReadCloser
	w        http.ResponseWriter
	rc       *http.ResponseController
	timeout  time.Duration
	deadline time.Time
	done     bool
}

func (p *progressReader) Read(b []byte) (int, error) {
	if p.done {
		return 0, io.EOF
	}
	d := time.Now().Add(p.timeout)
	if d.After(p.deadline) {
		d = p.deadline
	}
	// Not every ResponseWriter has a connection (tests); then no deadline.
	_ = p.rc.SetReadDeadline(d)
	n, err := p.body.Read(b)
	switch {
	case errors.Is(err, io.EOF):
		p.clear()
		p.done = true
	case err != nil:
		// A stalled or broken body: the answer closes the connection, and
		// the deadline stays so nothing waits on the rest of the body.
		p.w.Header().Set("Connection", "close")
	}
	return n, err
}

func (p *progressReader) clear() { _ = p.rc.SetReadDeadline(time.Time{}) }

func (p *progressReader) Close() error { return p.body.Close() }
