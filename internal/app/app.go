// Package app assembles cleanroomsd from its configuration: the logger, the
// store, the service and the HTTP handler. cmd/cleanroomsd and the public
// cleanroomstest package both start servers through it.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cleanroomsd/cleanroomsd/internal/catalog"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/engine"
	"github.com/cleanroomsd/cleanroomsd/internal/engine/proc"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/objects"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/awsjson"
	"github.com/cleanroomsd/cleanroomsd/internal/runner"
	"github.com/cleanroomsd/cleanroomsd/internal/server"
	"github.com/cleanroomsd/cleanroomsd/internal/service"
	"github.com/cleanroomsd/cleanroomsd/internal/stage"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
	"github.com/cleanroomsd/cleanroomsd/internal/sts"
)

// DefaultAddr is where cleanroomsd listens unless told otherwise. The port
// is 7217 (the API version is 2022-02-17); it avoids LocalStack's 4566 and
// its 4510-4559 range.
const DefaultAddr = "127.0.0.1:7217"

// Config is everything cleanroomsd can be told.
type Config struct {
	Addr string
	// DataDir holds the SQLite database. "" keeps everything in memory.
	DataDir string
	// DatabaseURL, when set, stores everything in that PostgreSQL database
	// (postgres://user:password@host:port/dbname?sslmode=...) instead of
	// SQLite; any number of processes may share it. Exclusive with DataDir.
	DatabaseURL string
	// CredentialsFile maps access keys to accounts (identity package).
	CredentialsFile string
	// VerifySignatures: nil means "verify when a credentials file is given".
	VerifySignatures *bool
	Logger           *slog.Logger
	// Now is the clock of the service and of signature checks.
	Now func() time.Time
	// Quotas override AWS's default quotas (zero fields keep the default).
	Quotas service.Quotas
	// Limits bound requests and body bytes in flight and how slowly a body
	// may arrive (zero fields keep server's defaults).
	Limits server.Limits
	// HeaderTimeout bounds reading a request's headers, IdleTimeout how
	// long a keep-alive connection may wait for its next request (zero:
	// the defaults below).
	HeaderTimeout time.Duration
	IdleTimeout   time.Duration
	// Catalog checks configured tables' Glue references; nil means the
	// embedded Glue Data Catalog served on the same listener (tests may
	// give another).
	Catalog cleanrooms.Catalog
	// LenientCatalog accepts Glue references the catalog does not know
	// (for users who treat cleanroomsd as an API double and never create
	// Glue tables); queries on such tables fail later.
	LenientCatalog bool
	// ObjectsDir holds the embedded S3's object bytes. Empty means
	// DataDir/objects with SQLite, memory without a DataDir; with
	// PostgreSQL it is required (every replica mounts the same
	// directory) unless S3 names an external endpoint.
	ObjectsDir string
	// S3, when its Endpoint is set, keeps data and results in that
	// external S3 (MinIO, LocalStack, AWS) and the embedded S3 is not
	// served.
	S3 objects.ExternalConfig
	// Queries configures protected queries.
	Queries QueryConfig
	// NoFsync commits to the SQLite file without fsync (synchronous =
	// NORMAL), for throwaway test servers: an acknowledged write survives
	// kill -9 (it is in the OS's page cache) but not an OS crash or power
	// loss. Off by default; refused with DatabaseURL, whose durability is
	// the PostgreSQL server's synchronous_commit.
	NoFsync bool
}

// QueryConfig configures how protected queries run.
type QueryConfig struct {
	// Engine runs queries; nil is DuckDB in a child process
	// (cmd/cleanroomsd-engine, started on the first query: package
	// engine/proc says why).
	Engine engine.Engine
	// EngineBinary is that child's binary; "" looks for cleanroomsd-engine
	// next to this executable, then on PATH.
	EngineBinary string
	// Timeout is a query's time limit (12 h when zero).
	Timeout time.Duration
	// Lease is how long a replica's claim on a query lasts unless renewed
	// (30 s when zero): a dead replica's queries are taken over after it.
	Lease time.Duration
	// Workers is how many queries run at once in this process (2).
	Workers int
	// MemoryLimit ("4GiB"; "" is DuckDB's default, 80 % of RAM) and
	// Threads (0: every core) bound each query's engine.
	MemoryLimit string
	Threads     int
	// WorkDir holds staged table files and results before upload: DataDir
	// /queries by default, a temporary directory without a DataDir.
	WorkDir string
}

// Defaults of the connection timeouts. A body's reads are bounded by
// server.Limits (a progress deadline and a minimum rate), not by a total
// read timeout, which would have to be long enough for the largest upload.
const (
	DefaultHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout   = 60 * time.Second
)

// App is a configured cleanroomsd.
type App struct {
	cfg     Config
	store   cleanrooms.Store
	handler http.Handler
	log     *slog.Logger
	objects objects.Objects
	runner  *runner.Runner
	engine  engine.Engine
	tmpDir  string
}

// New opens the store and builds the handler.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var creds *identity.Credentials
	if cfg.CredentialsFile != "" {
		c, err := identity.LoadCredentialsFile(cfg.CredentialsFile)
		if err != nil {
			return nil, fmt.Errorf("credentials: %w", err)
		}
		creds = c
	}
	verify := creds != nil
	if cfg.VerifySignatures != nil {
		verify = *cfg.VerifySignatures
	}
	if verify && creds == nil {
		return nil, errors.New("verifying signatures needs a credentials file")
	}
	// Refused before the database is touched (no connection, no
	// migration), so that the message is this one even when the
	// database cannot be reached.
	if cfg.DatabaseURL != "" && cfg.ObjectsDir == "" && cfg.S3.Endpoint == "" {
		return nil, fmt.Errorf("objects: %w", errNoSharedObjects)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	glue := catalog.New(catalog.Config{Store: st, Now: cfg.Now, Logger: cfg.Logger, Exclusive: cfg.DatabaseURL == ""})
	cat := cfg.Catalog
	if cat == nil {
		cat = glue
	}
	endpoints := []server.Endpoint{glueEndpoint(glue), stsEndpoint()}
	data, s3, err := openObjects(cfg, st)
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("objects: %w", err)
	}
	if s3 != nil {
		endpoints = append(endpoints, s3Endpoint(s3))
	}
	q, err := startQueries(ctx, cfg, st, cat, data, s3)
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("queries: %w", err)
	}
	svc := service.New(service.Config{Store: st, Now: cfg.Now, Quotas: cfg.Quotas, Catalog: cat, LenientCatalog: cfg.LenientCatalog,
		Parser: q.engine, Runner: q.runner})
	h := server.New(server.Config{
		Service:          svc,
		Credentials:      creds,
		VerifySignatures: verify,
		Logger:           cfg.Logger,
		Now:              cfg.Now,
		Limits:           cfg.Limits,
		Endpoints:        endpoints,
	})
	return &App{cfg: cfg, store: st, handler: h, log: cfg.Logger, objects: data, runner: q.runner, engine: q.engine, tmpDir: q.tmpDir}, nil
}

// EngineBinaryName is the query engine's binary, built from
// cmd/cleanroomsd-engine.
const EngineBinaryName = "cleanroomsd-engine"

// childEngine is the engine in its child process, or an engine that says
// why there is none when the binary cannot be found.
func childEngine(qc QueryConfig, tempDir string, log *slog.Logger) engine.Engine {
	path := qc.EngineBinary
	if path == "" {
		path = findEngineBinary()
	}
	if path == "" {
		return engine.Unavailable(EngineBinaryName + " was found neither next to cleanroomsd nor on PATH (build it: go build -o DIR ./cmd/...)")
	}
	args := []string{"--temp-dir", tempDir, "--threads", strconv.Itoa(qc.Threads)}
	if qc.MemoryLimit != "" {
		args = append(args, "--memory-limit", qc.MemoryLimit)
	}
	return proc.New(proc.Config{Path: path, Args: args, Log: log})
}

func findEngineBinary() string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), EngineBinaryName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	p, _ := exec.LookPath(EngineBinaryName)
	return p
}

type queries struct {
	engine engine.Engine
	runner *runner.Runner
	tmpDir string // removed at Close
}

// startQueries builds the engine (nothing is opened until the first
// query) and starts the runner.
func startQueries(ctx context.Context, cfg Config, st cleanrooms.Store, cat cleanrooms.Catalog, data objects.Objects, s3 *objects.Server) (*queries, error) {
	qc := cfg.Queries
	q := &queries{engine: qc.Engine}
	dir := qc.WorkDir
	switch {
	case dir != "":
	case cfg.DataDir != "":
		dir = filepath.Join(cfg.DataDir, "queries")
	default:
		d, err := os.MkdirTemp("", "cleanroomsd-queries-")
		if err != nil {
			return nil, err
		}
		dir, q.tmpDir = d, d
	}
	for _, sub := range []string{"stage", "run", "engine"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, err
		}
	}
	if q.engine == nil {
		q.engine = childEngine(qc, filepath.Join(dir, "engine"), cfg.Logger)
	}
	rc := runner.Config{Store: st, Engine: q.engine, Catalog: cat, Objects: data,
		Stager: stage.New(data, filepath.Join(dir, "stage")), Input: engine.InputFromCatalog,
		WorkDir: filepath.Join(dir, "run"), Owner: uuid.NewString(), Lease: qc.Lease, Timeout: qc.Timeout,
		Workers: qc.Workers, Exclusive: cfg.DatabaseURL == "", Now: cfg.Now, Log: cfg.Logger}
	if s3 != nil {
		rc.BucketOwner = s3.BucketOwner
	}
	if rc.Exclusive {
		// Work arrives through Notify; the poll is only a safety net.
		rc.Poll = 30 * time.Second
	}
	q.runner = runner.New(rc)
	if err := q.runner.Start(ctx); err != nil {
		return nil, err
	}
	return q, nil
}

var errNoSharedObjects = errors.New("with a PostgreSQL store, give an objects dir every replica shares (--objects-dir) " +
	"or an external S3 endpoint (--s3-endpoint)")

// openObjects opens where table data and results live: an external S3
// when configured (nothing served), else the embedded S3 (served).
func openObjects(cfg Config, st cleanrooms.Store) (objects.Objects, *objects.Server, error) {
	if cfg.S3.Endpoint != "" {
		ext, err := objects.NewExternal(cfg.S3)
		return ext, nil, err
	}
	dir := cfg.ObjectsDir
	switch {
	case dir != "":
	case cfg.DatabaseURL != "":
		return nil, nil, errNoSharedObjects
	case cfg.DataDir != "":
		dir = filepath.Join(cfg.DataDir, "objects")
	}
	srv, err := objects.New(objects.Config{Store: st, Dir: dir, Now: cfg.Now, Logger: cfg.Logger})
	return srv, srv, err
}

func glueEndpoint(glue *catalog.Service) server.Endpoint {
	return server.Endpoint{
		SigningName: "glue",
		Handler:     glue.Handler(),
		WriteError: func(w http.ResponseWriter, _ *http.Request, code string, status int, message string) {
			awsjson.WriteError(w, code, status, message)
		},
		Claims: func(r *http.Request) bool { return strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue.") },
	}
}

// stsEndpoint answers GetCallerIdentity, which Terraform's AWS provider
// calls on start to learn its account.
func stsEndpoint() server.Endpoint {
	return server.Endpoint{
		SigningName: "sts",
		Handler:     sts.Handler(),
		WriteError:  sts.WriteError,
		Claims: func(r *http.Request) bool {
			return r.URL.Query().Has("Action") ||
				strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
		},
	}
}

func s3Endpoint(s3 *objects.Server) server.Endpoint {
	return server.Endpoint{
		SigningName:     "s3",
		Handler:         s3.Handler(),
		WriteError:      objects.WriteAuthError,
		UnreadBody:      true,
		BodyMismatch:    objects.ErrContentSHA256Mismatch,
		RequestIDHeader: "x-amz-request-id",
	}
}

// Objects is where table data and query results are read and written:
// the embedded S3 or the external endpoint.
func (a *App) Objects() objects.Objects { return a.objects }

// openStore opens PostgreSQL when a database URL is configured, else
// SQLite in DataDir (in memory without one).
func openStore(ctx context.Context, cfg Config) (*sqlstore.Store, error) {
	if cfg.DatabaseURL != "" {
		if cfg.DataDir != "" {
			return nil, errors.New("a data dir (SQLite) and a database URL (PostgreSQL) were both given; choose one")
		}
		if cfg.NoFsync {
			return nil, errors.New("--no-fsync applies to the SQLite store; PostgreSQL's durability is its server's synchronous_commit")
		}
		return sqlstore.OpenPostgres(ctx, cfg.DatabaseURL, sqlstore.Options{})
	}
	dbPath := ""
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		dbPath = filepath.Join(cfg.DataDir, "cleanroomsd.db")
	}
	return sqlstore.OpenSQLite(ctx, dbPath, sqliteOptions(cfg))
}

// sqliteOptions are the SQLite store's options for cfg: the defaults, but
// for --no-fsync.
func sqliteOptions(cfg Config) sqlstore.Options {
	var o sqlstore.Options
	if cfg.NoFsync {
		o.Synchronous = sqlstore.SyncNormal
	}
	return o
}

// Handler is the HTTP handler of the API.
func (a *App) Handler() http.Handler { return a.handler }

// Serve answers requests on ln until ctx is done, then shuts down
// gracefully: in-flight requests finish (up to 10 s) before it returns.
// Requests Go's HTTP server refuses itself are answered AWS-shaped
// (server.ShapeBadRequests).
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: cmp.Or(a.cfg.HeaderTimeout, DefaultHeaderTimeout),
		IdleTimeout:       cmp.Or(a.cfg.IdleTimeout, DefaultIdleTimeout),
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(server.ShapeBadRequests(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}

// Close stops the runner (running queries are taken over at the next
// start, or by another replica) and releases the engine and the store.
func (a *App) Close() error {
	a.runner.Close()
	errs := []error{a.engine.Close(), a.store.Close()}
	if a.tmpDir != "" {
		errs = append(errs, os.RemoveAll(a.tmpDir))
	}
	return errors.Join(errs...)
}
