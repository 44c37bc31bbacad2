package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// OpenPostgres connects to the PostgreSQL database named by databaseURL
// (postgres://user:password@host:port/dbname?sslmode=… or any other form
// pgx accepts, libpq environment variables included), applies pending
// migrations and returns a Store.
//
// Any number of processes may open the same database at once: migrations
// are applied by whichever takes the advisory lock first, inside one
// transaction, and the others wait for it (see lockMigrations). The tables
// live in the first schema of the connection's search_path, so a
// search_path=… parameter in the URL puts a deployment (or a test) in a
// schema of its own.
//
// The Store keeps two pools: Options.MaxWriteConns connections for
// Transact (SERIALIZABLE) and Options.MaxReadConns for View (REPEATABLE
// READ, READ ONLY); pool_max_conns=N in the URL sizes both (see
// poolSizeFromURL). Statements are prepared and cached per connection by
// pgx; add default_query_exec_mode=exec to the URL behind a pooler that
// cannot keep prepared statements.
func OpenPostgres(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		// pgx redacts the password in its parse errors.
		return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		// Without connect_timeout an unreachable server would hang the
		// start for the kernel's TCP timeout.
		cfg.ConnectTimeout = 10 * time.Second
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "cleanroomsd"
	}
	if err := poolSizeFromURL(cfg, &opts); err != nil {
		return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	s := &Store{d: postgresDialect{}, opts: opts.withPostgresDefaults(), retryGate: make(chan struct{}, 1)}
	if err := s.openPostgres(ctx, cfg); err != nil {
		s.Close()
		// Never the URL: it may carry a password.
		return nil, fmt.Errorf("sqlstore: open postgres %s@%s:%d/%s: %w", cfg.User, cfg.Host, cfg.Port, cfg.Database, err)
	}
	return s, nil
}

func (s *Store) openPostgres(ctx context.Context, cfg *pgx.ConnConfig) error {
	var err error
	if s.w, err = openPostgresPool(ctx, cfg, s.opts.MaxWriteConns); err != nil {
		return err
	}
	if err := migrate(ctx, s.w, s.d); err != nil {
		return err
	}
	// The read pool's sessions start every transaction read-only, the
	// implicit one of a single statement (ViewOne) included, as SQLite's
	// read connections are opened read-only.
	rcfg := cfg.Copy()
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	s.r, err = openPostgresPool(ctx, rcfg, s.opts.MaxReadConns)
	// No statements are prepared through database/sql (s.wstmts and
	// s.rstmts stay nil): pgx already prepares each query once per
	// connection and caches it, which is what stmts.go does by hand for
	// SQLite.
	return err
}

// poolSizeFromURL applies the URL parameter pool_max_conns=N (the name
// pgxpool uses): at most N connections in all, a third of them (at least
// one) for writes and the rest for reads. It is taken out of the
// parameters, which would otherwise be sent to the server as a setting.
// Options set by the caller win.
func poolSizeFromURL(cfg *pgx.ConnConfig, opts *Options) error {
	v, ok := cfg.RuntimeParams["pool_max_conns"]
	if !ok {
		return nil
	}
	delete(cfg.RuntimeParams, "pool_max_conns")
	n, err := strconv.Atoi(v)
	if err != nil || n < 2 {
		return fmt.Errorf("pool_max_conns=%q: want a number, at least 2", v)
	}
	w := max(1, (n+1)/3)
	if opts.MaxWriteConns <= 0 {
		opts.MaxWriteConns = w
	}
	if opts.MaxReadConns <= 0 {
		opts.MaxReadConns = n - w
	}
	return nil
}

func openPostgresPool(ctx context.Context, cfg *pgx.ConnConfig, n int) (*sql.DB, error) {
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	// Recycle connections now and then, so that a pool follows a
	// fail-over or a change of the server's settings without a restart.
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
