package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/google/uuid"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/restjson"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/sigv4"
)

func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic", "requestId", identity.RequestIDFrom(r.Context()),
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				restjson.WriteError(w, api.InternalError())
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The Request and the header's value slice in one allocation.
		st := &struct {
			req identity.Request
			hdr [1]string
		}{}
		st.req.ID = uuid.NewString()
		st.hdr[0] = st.req.ID
		// Set in the map directly: Header.Set would canonicalize the name
		// to X-Amzn-Requestid, and AWS spells it x-amzn-RequestId.
		w.Header()["x-amzn-RequestId"] = st.hdr[:]
		// The one context value (and the one copy of r) of the chain: the
		// layers below fill the Request in place (identity.Request).
		next.ServeHTTP(w, r.WithContext(identity.WithRequest(r.Context(), &st.req)))
	})
}

// statusWriter remembers the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (read
// deadlines, limits.go).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		// authenticate and the protocol handler record the caller and the
		// operation in the Request withRequestID made.
		ctx := r.Context()
		req := identity.RequestFrom(ctx)
		if req == nil {
			req = new(identity.Request)
			ctx = identity.WithRequest(ctx, req)
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(sw, r)
		if !log.Enabled(ctx, slog.LevelInfo) {
			return
		}
		if jh, ok := log.Handler().(*JSONLogHandler); ok {
			// The same line, without slog's record (accesslog.go). The
			// duration is taken before the time, as slog's arguments
			// are evaluated before its record's time.
			d := time.Since(start)
			jh.write(time.Now(), &accessLine{
				requestID: req.ID, method: r.Method, path: r.URL.EscapedPath(), operation: req.Operation,
				status: sw.status, account: req.Caller.AccountID, duration: d,
			})
			return
		}
		log.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("requestId", req.ID),
			slog.String("method", r.Method),
			slog.String("path", r.URL.EscapedPath()),
			slog.String("operation", req.Operation),
			slog.Int("status", sw.status),
			slog.String("account", req.Caller.AccountID),
			slog.Duration("duration", time.Since(start)),
		)
	})
}

func logErrorFunc(log *slog.Logger) func(context.Context, string, error) {
	return func(ctx context.Context, op string, err error) {
		ae := restjson.AsAPIError(err)
		level := slog.LevelDebug
		if ae.HTTPStatus() >= 500 && ae.HTTPStatus() != http.StatusNotImplemented {
			level = slog.LevelError
		}
		log.Log(ctx, level, "request failed", "requestId", identity.RequestIDFrom(ctx),
			"operation", op, "code", ae.ErrorCode(), "cause", err.Error())
	}
}

func health(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == HealthPath {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"status":"ok"}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate resolves the caller from the SigV4 signature and hands the
// request to the endpoint its credential scope names. The access key names
// the account (see identity.AccountForAccessKey) and the credential scope
// the region. With VerifySignatures, the key must be known and the
// signature must match.
func authenticate(cfg Config, eps *endpoints, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parsed, err := sigv4.Parse(r)
		if err != nil {
			writeAuthError(w, r, eps.claimant(r), err)
			return
		}
		ep, ok := eps.byName[parsed.Service]
		if !ok {
			ep = eps.claimant(r)
			writeAuthError(w, r, ep, sigv4.InvalidSignature(
				fmt.Sprintf("Credential should be scoped to correct service: '%s'.", ep.SigningName)))
			return
		}
		if ep.RequestIDHeader != "" {
			h := w.Header()
			delete(h, "x-amzn-RequestId") // set by key, not canonicalized
			h[ep.RequestIDHeader] = []string{identity.RequestIDFrom(r.Context())}
		}
		if cfg.VerifySignatures {
			if err := verify(cfg, ep, r, parsed, maxBody); err != nil {
				writeAuthError(w, r, ep, err)
				return
			}
		} else if ep.UnreadBody {
			// Unverified, the signature proves nothing, but a payload hash
			// the client sent still has to match the body, as on S3
			// (XAmzContentSHA256Mismatch): a body damaged in flight is
			// never stored.
			if claimed := r.Header.Get("X-Amz-Content-Sha256"); sigv4.IsDigest(claimed) {
				r.Body = sigv4.CheckedBody(r.Body, claimed, ep.BodyMismatch)
			}
		}
		if !validRegion(parsed.Region) {
			writeAuthError(w, r, ep, sigv4.InvalidSignature("Credential should be scoped to a valid region."))
			return
		}
		caller := identity.Caller{
			AccountID:   identity.AccountForAccessKey(cfg.Credentials, parsed.AccessKeyID),
			Region:      parsed.Region,
			AccessKeyID: parsed.AccessKeyID,
		}
		if !identity.SetCaller(r.Context(), caller) {
			r = r.WithContext(identity.WithCaller(r.Context(), caller))
		}
		ep.Handler.ServeHTTP(w, r)
	})
}

// verify checks the signature of r. Services with small bodies have theirs
// read (up to maxBody) and hashed; the others (S3) are checked against the
// payload hash the client signed, the body as the handler streams it.
func verify(cfg Config, ep *Endpoint, r *http.Request, parsed *sigv4.Request, maxBody int64) error {
	secret, _, ok := cfg.Credentials.Lookup(parsed.AccessKeyID)
	if !ok || !cfg.Credentials.SessionTokenMatches(parsed.AccessKeyID, parsed.SecurityToken) {
		return sigv4.UnrecognizedClient()
	}
	// What can be checked without the body is, before it is read.
	if err := sigv4.Precheck(r, parsed, cfg.Now()); err != nil {
		return err
	}
	if ep.UnreadBody {
		claimed, err := sigv4.VerifyUnread(r, parsed, secret, cfg.Now())
		if err != nil {
			return err
		}
		if sigv4.IsDigest(claimed) {
			r.Body = sigv4.CheckedBody(r.Body, claimed, ep.BodyMismatch)
		}
		return nil
	}
	// Too large is 413, as without verification, not a signature
	// mismatch; the body read here is handed on, not read twice.
	body, err := restjson.ReadBody(r, maxBody)
	if err != nil {
		return err
	}
	restjson.SetReadBody(r, body)
	return sigv4.Verify(r, body, parsed, secret, cfg.Now())
}

// writeAuthError answers a failure of authenticate the way ep's service
// shapes errors.
func writeAuthError(w http.ResponseWriter, r *http.Request, ep *Endpoint, err error) {
	ae := restjson.AsAPIError(authError(err))
	msg := ""
	if ge, ok := ae.(*api.GenericError); ok {
		msg = ge.Message
	}
	ep.WriteError(w, r, ae.ErrorCode(), ae.HTTPStatus(), msg)
}

func authError(err error) error {
	if se, ok := err.(*sigv4.Error); ok {
		return &api.GenericError{Code: se.Code, Status: se.Status, Message: se.Message}
	}
	return err
}

// regionPattern is the shape of AWS region names (us-east-1,
// us-gov-west-1, ap-southeast-5). The region becomes part of ARNs and is
// stored, so nothing else gets in.
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

func validRegion(r string) bool { return regionPattern.MatchString(r) }
