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
	"path/filepath"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/server"
	"github.com/cleanroomsd/cleanroomsd/internal/service"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
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
	// Catalog checks configured tables' Glue references (nil: lenient).
	Catalog cleanrooms.Catalog
	// LenientCatalog accepts Glue references the catalog does not know.
	LenientCatalog bool
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
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	svc := service.New(service.Config{Store: st, Now: cfg.Now, Quotas: cfg.Quotas, Catalog: cfg.Catalog, LenientCatalog: cfg.LenientCatalog})
	h := server.New(server.Config{
		Service:          svc,
		Credentials:      creds,
		VerifySignatures: verify,
		Logger:           cfg.Logger,
		Now:              cfg.Now,
		Limits:           cfg.Limits,
	})
	return &App{cfg: cfg, store: st, handler: h, log: cfg.Logger}, nil
}

// openStore opens PostgreSQL when a database URL is configured, else
// SQLite in DataDir (in memory without one).
func openStore(ctx context.Context, cfg Config) (*sqlstore.Store, error) {
	if cfg.DatabaseURL != "" {
		if cfg.DataDir != "" {
			return nil, errors.New("a data dir (SQLite) and a database URL (PostgreSQL) were both given; choose one")
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
	return sqlstore.OpenSQLite(ctx, dbPath, sqlstore.Options{})
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

// Close releases the store.
func (a *App) Close() error { return a.store.Close() }
