// Package service implements the Clean Rooms API (api.Service) on top of
// the domain store: the multi-account rules, the status transitions, the
// payment rules and the quotas of AWS Clean Rooms. Operations it does not
// implement yet answer NotImplemented through the embedded api.Unimplemented.
package service

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/engine"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

// Config configures a Service.
type Config struct {
	Store cleanrooms.Store
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Quotas; zero fields take AWS's defaults (DefaultQuotas).
	Quotas Quotas
	// NewID makes resource ids; random lower-case v4 UUIDs when nil.
	NewID func() string
	// Catalog is the Glue Data Catalog that configured tables' glue
	// references are checked against and schemas take column types from.
	Catalog cleanrooms.Catalog
	// LenientCatalog accepts glue references to tables the catalog does
	// not have (queries on them fail later). Nil Catalog implies it.
	LenientCatalog bool
	// Parser parses and deparses protected queries' SQL (the query
	// engine's); nil refuses every query as the engine of a build without
	// one does.
	Parser query.Parser
	// Runner runs protected queries; nil leaves them SUBMITTED.
	Runner QueryRunner
}

// Quotas are AWS Clean Rooms' per-account quotas that cleanroomsd
// enforces (shared spec 5). Load tests raise them.
type Quotas struct {
	CollaborationsPerAccount int // "Collaborations created per account"
	MembershipsPerAccount    int // "Memberships per account"
	MembersPerCollaboration  int // "Members invited per collaboration"
	// "Analysis templates per membership"
	AnalysisTemplatesPerMembership int
	// "Concurrent protected queries per membership" (not adjustable on
	// AWS; tests lower or raise it)
	QueriesPerMembership int
}

// DefaultQuotas are AWS's default values.
func DefaultQuotas() Quotas {
	return Quotas{CollaborationsPerAccount: 10, MembershipsPerAccount: 100, MembersPerCollaboration: 5, AnalysisTemplatesPerMembership: 25, QueriesPerMembership: 5}
}

// Quota names as AWS's quota page writes them; they travel in
// ServiceQuotaExceededException.quotaName.
const (
	quotaCollaborations = "Collaborations created per account"
	quotaMemberships    = "Memberships per account"
	quotaMembers        = "Members invited per collaboration"
	quotaTemplates      = "Analysis templates per membership"
	quotaQueries        = "Concurrent protected queries per membership"
)

// Service implements api.Service.
type Service struct {
	api.Unimplemented
	store  cleanrooms.Store
	now    func() time.Time
	quotas Quotas
	newID  func() string
	// schemaNamesOf reports which of names are not schema (configured
	// table association) names of the collaboration; see SchemaNamesOf.
	schemaNamesOf SchemaNamesOf
	// catalog is nil in lenient mode without a catalog.
	catalog cleanrooms.Catalog
	lenient bool
	parser  query.Parser
	runner  QueryRunner
}

// SchemaNamesOf is how CreateAnalysisTemplate checks the tables a SQL
// template reads: it returns the names that are not tables of the
// collaboration (in the order given), reading through tx.
type SchemaNamesOf func(ctx context.Context, tx cleanrooms.ReadTx, collaborationID string, names []string) (missing []string, err error)

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = uuid.NewString
	}
	q, d := cfg.Quotas, DefaultQuotas()
	if q.CollaborationsPerAccount <= 0 {
		q.CollaborationsPerAccount = d.CollaborationsPerAccount
	}
	if q.MembershipsPerAccount <= 0 {
		q.MembershipsPerAccount = d.MembershipsPerAccount
	}
	if q.MembersPerCollaboration <= 0 {
		q.MembersPerCollaboration = d.MembersPerCollaboration
	}
	if q.AnalysisTemplatesPerMembership <= 0 {
		q.AnalysisTemplatesPerMembership = d.AnalysisTemplatesPerMembership
	}
	if q.QueriesPerMembership <= 0 {
		q.QueriesPerMembership = d.QueriesPerMembership
	}
	if cfg.Parser == nil {
		cfg.Parser = engine.Unavailable("no query engine is configured")
	}
	if cfg.Runner == nil {
		cfg.Runner = noRunner{}
	}
	return &Service{store: cfg.Store, now: cfg.Now, quotas: q, newID: cfg.NewID,
		catalog: cfg.Catalog, lenient: cfg.LenientCatalog || cfg.Catalog == nil,
		schemaNamesOf: schemaNamesMissing, parser: cfg.Parser, runner: cfg.Runner}
}

// clock is the time of a write, at the millisecond precision the wire
// carries, so that what is stored is exactly what is returned.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

var _ api.Service = (*Service)(nil)
