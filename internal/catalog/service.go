// Package catalog is cleanroomsd's embedded AWS Glue Data Catalog: the
// databases and tables of each account and region, served over awsJson 1.1
// (internal/protocol/awsjson, operations generated in internal/api/glueapi)
// and looked up by the Clean Rooms service through cleanrooms.Catalog.
//
// Every call runs for the authenticated caller in the request context
// (identity.Caller): its account and region are the catalog. A CatalogId,
// when given, must be the caller's account.
package catalog

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/api/glueapi"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/awsjson"
)

// Config configures a Service.
type Config struct {
	Store cleanrooms.Store
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger receives the causes of internal errors (slog.Default when nil).
	Logger *slog.Logger
	// Exclusive says no other process writes Store (SQLite): LookupTable
	// then answers from what it looked up before, until this service's
	// next write. With a shared store (PostgreSQL replicas) every lookup
	// reads the store.
	Exclusive bool
}

// Service implements the Glue operations of glueapi.Service and
// cleanrooms.Catalog.
type Service struct {
	glueapi.Unimplemented
	store  cleanrooms.Store
	now    func() time.Time
	logger *slog.Logger
	views  memo[*cleanrooms.CatalogTable]
	tables memo[*storedTable]
	// looked is LookupTable's cache, used only on an exclusive store.
	looked *lookupCache
}

// New returns a catalog service on cfg.Store.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, now: cfg.Now, logger: cfg.Logger}
	if cfg.Exclusive {
		s.looked = &lookupCache{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	return s
}

// transact is store.Transact for every catalog write: whatever the
// outcome, LookupTable's cache is dropped once it returns (after the
// commit, so a lookup that read the old state cannot be kept).
func (s *Service) transact(ctx context.Context, fn func(tx cleanrooms.Tx) error) error {
	err := s.store.Transact(ctx, fn)
	if s.looked != nil {
		s.looked.invalidate()
	}
	return err
}

// Handler serves the Glue API over awsJson 1.1. Requests must carry an
// identity.Caller in their context (the server authenticates them first).
func (s *Service) Handler() http.Handler {
	h := awsjson.NewHandler(s)
	h.OnError = func(ctx context.Context, op string, err error) {
		var ae glueapi.APIError
		if !errors.As(err, &ae) || ae.HTTPStatus() >= 500 {
			s.logger.ErrorContext(ctx, "glue request failed", "operation", op, "err", err,
				"request_id", identity.RequestIDFrom(ctx))
		}
	}
	return h
}

var _ glueapi.Service = (*Service)(nil)
var _ cleanrooms.Catalog = (*Service)(nil)

// scope is the catalog a call works on.
type scope struct {
	account, region string
}

// caller returns the caller's catalog, checking a CatalogId if given.
func caller(ctx context.Context, catalogID *string) (scope, error) {
	c, ok := identity.CallerFrom(ctx)
	if !ok || c.AccountID == "" {
		return scope{}, errors.New("catalog: no caller in the request context")
	}
	if catalogID != nil && *catalogID != c.AccountID {
		return scope{}, accessDenied("Cross account access to catalog " + *catalogID + " is not supported by cleanroomsd: a catalog is its account's own.")
	}
	return scope{account: c.AccountID, region: c.Region}, nil
}

func str(s string) *string { return &s }

func accessDenied(msg string) error { return &glueapi.AccessDeniedException{Message: &msg} }
func invalidInput(msg string) error { return &glueapi.InvalidInputException{Message: &msg} }
func alreadyExists(msg string) error {
	return &glueapi.AlreadyExistsException{Message: &msg}
}
func notFound(msg string) error { return &glueapi.EntityNotFoundException{Message: &msg} }

func databaseNotFound(name string) error { return notFound("Database " + name + " not found.") }
func tableNotFound(name string) error    { return notFound("Table " + name + " not found.") }
