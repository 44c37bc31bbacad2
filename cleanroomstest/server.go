// Package cleanroomstest runs an in-process cleanroomsd for Go tests and
// hands out AWS SDK configurations and Clean Rooms, S3 and Glue clients,
// one per account:
//
//	srv := cleanroomstest.NewServer(t)
//	alice := srv.Client("111122223333")
//	bob := srv.Client("444455556666")
//	data := srv.S3Client("111122223333")     // the embedded S3, path-style
//	catalog := srv.GlueClient("111122223333") // the embedded Glue Data Catalog
//
// The three services share one listener, as in cleanroomsd: a request goes
// to the service its signature names. Configured tables are checked against
// the embedded Glue catalog (the caller's own tables) unless WithCatalog or
// WithLenientCatalog says otherwise.
//
// Each Server has its own in-memory store and object bytes. An account is named by the
// access key its client signs with, so any 12-digit account id works
// without configuration; signatures are not verified.
package cleanroomstest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cleanroomsd/cleanroomsd/internal/app"
	domain "github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/engine"
	"github.com/cleanroomsd/cleanroomsd/internal/engine/duckdb"
	"github.com/cleanroomsd/cleanroomsd/internal/service"
)

// Region is the region of the clients a Server hands out.
const Region = "us-east-1"

// Quotas are the per-account quotas a Server enforces. Zero fields keep
// AWS's defaults (10 collaborations created, 100 memberships, 5 invited
// members per collaboration, 25 analysis templates per membership).
type Quotas struct {
	CollaborationsPerAccount       int
	MembershipsPerAccount          int
	MembersPerCollaboration        int
	AnalysisTemplatesPerMembership int
	QueriesPerMembership           int
}

type options struct {
	quotas       Quotas
	catalog      domain.Catalog
	lenient      bool
	queryTimeout time.Duration
}

// Option configures a Server.
type Option func(*options)

// WithCatalog checks configured tables against c (strictly), for this
// module's tests: the Catalog type is internal.
func WithCatalog(c domain.Catalog) Option { return func(o *options) { o.catalog = c } }

// WithLenientCatalog accepts configured tables whose Glue table does not
// exist in the embedded catalog, for tests that use the Clean Rooms API
// without creating Glue tables (cleanroomsd --lenient-catalog).
func WithLenientCatalog() Option { return func(o *options) { o.lenient = true } }

// WithQueryTimeout sets the time limit of protected queries (past it a
// query is TIMED_OUT); AWS's is 12 hours.
func WithQueryTimeout(d time.Duration) Option { return func(o *options) { o.queryTimeout = d } }

// WithQuotas sets the quotas the server enforces.
func WithQuotas(q Quotas) Option { return func(o *options) { o.quotas = q } }

// Server is a running in-process cleanroomsd.
type Server struct {
	// URL is the base URL of the API, e.g. http://127.0.0.1:41234.
	URL string
	hs  *httptest.Server
	app *app.App
}

// NewServer starts a server and stops it when the test ends.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := Start(opts...)
	if err != nil {
		tb.Fatalf("cleanroomstest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Start starts a server; call Close when done (for use in TestMain).
func Start(opts ...Option) (*Server, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	a, err := app.New(context.Background(), app.Config{Quotas: service.Quotas(o.quotas), Catalog: o.catalog, LenientCatalog: o.lenient,
		Queries: app.QueryConfig{Timeout: o.queryTimeout, Engine: testEngine()}})
	if err != nil {
		return nil, err
	}
	hs := httptest.NewServer(a.Handler())
	return &Server{URL: hs.URL, hs: hs, app: a}, nil
}

// testEngine runs each query on one thread with at most 1 GiB, and keeps
// no sandbox opened ahead: test data are small, and test suites run
// packages side by side, which a query using every core would starve.
func testEngine() engine.Engine {
	return duckdb.New(duckdb.Config{MemoryLimit: "1GiB", Threads: 1, Spares: -1})
}

// Close stops the server and frees its store.
func (s *Server) Close() {
	s.hs.Close()
	_ = s.app.Close()
}

// AWSConfig returns an aws.Config whose requests act as account (a 12-digit
// account id) against this server.
func (s *Server) AWSConfig(account string) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(account, "cleanroomstest-secret", ""),
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   s.hs.Client(),
	}
}

// Client returns a Clean Rooms client acting as account.
func (s *Server) Client(account string) *cleanrooms.Client {
	return cleanrooms.NewFromConfig(s.AWSConfig(account))
}

// S3Client returns a client of the embedded S3 acting as account, with
// path-style addressing (http://host/bucket/key), which is what a custom
// endpoint needs. Buckets belong to the account that created them.
func (s *Server) S3Client(account string) *s3.Client {
	return s3.NewFromConfig(s.AWSConfig(account), func(o *s3.Options) { o.UsePathStyle = true })
}

// GlueClient returns a client of the embedded Glue Data Catalog acting as
// account; each account has its own catalog.
func (s *Server) GlueClient(account string) *glue.Client {
	return glue.NewFromConfig(s.AWSConfig(account))
}
