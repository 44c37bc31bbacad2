// Package server is cleanroomsd's http.Handler: an ordered chain of small
// steps in front of the rest-json protocol handler. Read New from top to
// bottom to follow a request.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/restjson"
)

// HealthPath answers health checks. API paths all start with a resource
// name (/collaborations, /memberships, /configuredTables, /tags), so an
// underscore-prefixed path can never collide with one.
const HealthPath = "/_cleanroomsd/health"

// Config configures the handler.
type Config struct {
	Service api.Service
	// Credentials maps access keys to accounts and secrets; nil means none.
	Credentials *identity.Credentials
	// VerifySignatures checks every SigV4 signature against Credentials
	// (unknown keys are refused). Off, any signed request is accepted and
	// its access key only names the account.
	VerifySignatures bool
	// MaxClockSkew is how far X-Amz-Date may be from the server clock when
	// verifying (AWS allows 15 minutes).
	MaxClockSkew time.Duration
	Logger       *slog.Logger
	// Now is the clock (tests inject one).
	Now func() time.Time
	// MaxBodyBytes bounds request bodies (default restjson.DefaultMaxBodyBytes)
	// of the services whose bodies are read before the signature is checked.
	MaxBodyBytes int64
	// Endpoints are the other services served beside Clean Rooms (Glue,
	// S3), each chosen by the signing name of the request's credential
	// scope.
	Endpoints []Endpoint
	// Limits bound requests and body bytes in flight (limits.go).
	Limits Limits
}

// New returns the handler. The chain, outermost first:
//
//  1. recoverPanics: a panic becomes a 500 InternalServerException, logged.
//  2. withRequestID: every response carries x-amzn-RequestId.
//  3. accessLog: one structured line per request.
//  4. health: HealthPath answers before authentication.
//  5. limitInFlight, limitBodyBytes: refusals past the limits, body read
//     deadlines (limits.go).
//  6. authenticate: SigV4 → the caller's account and region in the context,
//     and the endpoint (Clean Rooms, Glue, S3) the credential scope names.
//  7. the endpoint's protocol: for Clean Rooms, restjson (route, bind,
//     validate, call the Service, encode).
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = 15 * time.Minute
	}
	rj := restjson.NewHandler(cfg.Service)
	if cfg.MaxBodyBytes > 0 {
		rj.MaxBodyBytes = cfg.MaxBodyBytes
	}
	rj.OnError = logErrorFunc(cfg.Logger)
	rj.OnUndeclared = func(ctx context.Context, op, code string) {
		cfg.Logger.ErrorContext(ctx, "the service answered an error its operation does not declare",
			"requestId", identity.RequestIDFrom(ctx), "operation", op, "code", code)
	}
	cfg.Limits = cfg.Limits.withDefaults()
	eps := newEndpoints(append([]Endpoint{cleanRoomsEndpoint(rj)}, cfg.Endpoints...))
	h := authenticate(cfg, eps, rj.MaxBodyBytes)
	h = limitBodyBytes(cfg, rj.MaxBodyBytes, h)
	h = limitInFlight(cfg, h)
	h = health(h)
	h = accessLog(cfg.Logger, h)
	h = withRequestID(h)
	h = recoverPanics(cfg.Logger, h)
	return h
}
