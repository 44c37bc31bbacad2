// Command cleanroomsd serves the AWS Clean Rooms API.
//
//	cleanroomsd --addr 127.0.0.1:7217 --data-dir ./data [--credentials creds.json] [--log-level info]
//	cleanroomsd --addr 0.0.0.0:7217 --database-url postgres://user@db:5432/cleanrooms
//
// Every flag has an environment variable (CLEANROOMSD_ADDR, ...); a flag
// given on the command line wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/app"
	"github.com/cleanroomsd/cleanroomsd/internal/objects"
	"github.com/cleanroomsd/cleanroomsd/internal/server"
	"github.com/cleanroomsd/cleanroomsd/internal/service"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cleanroomsd:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// envDuration and envInt read a default from the environment; a value that
// does not parse is kept as the flag's default and reported by the check
// after parsing (a zero duration or number).
func envDuration(name string, def time.Duration) time.Duration {
	if v, ok := os.LookupEnv(name); ok {
		d, _ := time.ParseDuration(v)
		return d
	}
	return def
}

// envBool is true when the variable holds a true value (1, true, ...).
func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

func envInt(name string, def int) int {
	if v, ok := os.LookupEnv(name); ok {
		n, _ := strconv.Atoi(v)
		return n
	}
	return def
}

func run(args []string) error {
	fs := flag.NewFlagSet("cleanroomsd", flag.ContinueOnError)
	addr := fs.String("addr", env("CLEANROOMSD_ADDR", app.DefaultAddr), "listen address HOST:PORT (env CLEANROOMSD_ADDR)")
	dataDir := fs.String("data-dir", env("CLEANROOMSD_DATA_DIR", ""), "directory of the SQLite database; empty keeps everything in memory (env CLEANROOMSD_DATA_DIR)")
	// Not defaulted from the environment like the others: a flag's
	// default is printed by --help and on every flag error, and this one
	// may carry a password.
	dbURL := fs.String("database-url", "", "PostgreSQL URL, e.g. postgres://user:password@host:5432/dbname; replaces SQLite, and several processes may share it (env CLEANROOMSD_DATABASE_URL)")
	creds := fs.String("credentials", env("CLEANROOMSD_CREDENTIALS", ""), "JSON file mapping access keys to accounts and secrets (env CLEANROOMSD_CREDENTIALS)")
	verify := fs.String("verify-signatures", env("CLEANROOMSD_VERIFY_SIGNATURES", "auto"), "auto (verify when --credentials is given), true or false (env CLEANROOMSD_VERIFY_SIGNATURES)")
	level := fs.String("log-level", env("CLEANROOMSD_LOG_LEVEL", "info"), "debug, info, warn or error (env CLEANROOMSD_LOG_LEVEL)")
	quotas := fs.String("quotas", env("CLEANROOMSD_QUOTAS", ""), "override AWS's default quotas, e.g. collaborations=1000,memberships=10000,members=5,templates=25,queries=5 (env CLEANROOMSD_QUOTAS)")
	headerTimeout := fs.Duration("header-timeout", envDuration("CLEANROOMSD_HEADER_TIMEOUT", app.DefaultHeaderTimeout), "longest a client may take to send a request's headers (env CLEANROOMSD_HEADER_TIMEOUT)")
	idleTimeout := fs.Duration("idle-timeout", envDuration("CLEANROOMSD_IDLE_TIMEOUT", app.DefaultIdleTimeout), "longest a keep-alive connection may wait for its next request (env CLEANROOMSD_IDLE_TIMEOUT)")
	bodyTimeout := fs.Duration("body-read-timeout", envDuration("CLEANROOMSD_BODY_READ_TIMEOUT", server.DefaultBodyReadTimeout), "longest a request body may make no progress; the body must also average 64 KiB/s past that (env CLEANROOMSD_BODY_READ_TIMEOUT)")
	maxInFlight := fs.Int("max-in-flight", envInt("CLEANROOMSD_MAX_IN_FLIGHT", server.DefaultMaxInFlight), "requests served at once; more are refused with ThrottlingException (env CLEANROOMSD_MAX_IN_FLIGHT)")
	maxBodyMiB := fs.Int("max-body-mib-in-flight", envInt("CLEANROOMSD_MAX_BODY_MIB_IN_FLIGHT", server.DefaultMaxBodyBytesInFlight>>20), "MiB of request bodies held at once; more wait briefly, then are refused (env CLEANROOMSD_MAX_BODY_MIB_IN_FLIGHT)")
	objectsDir := fs.String("objects-dir", env("CLEANROOMSD_OBJECTS_DIR", ""), "directory of the embedded S3's object bytes; default DATA_DIR/objects, required with --database-url unless --s3-endpoint is set (env CLEANROOMSD_OBJECTS_DIR)")
	lenient := fs.Bool("lenient-catalog", envBool("CLEANROOMSD_LENIENT_CATALOG"), "accept configured tables whose Glue table does not exist (an API double without data; queries on them fail) (env CLEANROOMSD_LENIENT_CATALOG)")
	noFsync := fs.Bool("no-fsync", envBool("CLEANROOMSD_NO_FSYNC"), "throwaway test servers only: commit to the SQLite file without fsync; writes survive kill -9 but not an OS crash or power loss (env CLEANROOMSD_NO_FSYNC)")
	queryTimeout := fs.Duration("query-timeout", envDuration("CLEANROOMSD_QUERY_TIMEOUT", 12*time.Hour), "time limit of a protected query; past it the query is TIMED_OUT (env CLEANROOMSD_QUERY_TIMEOUT)")
	queryLease := fs.Duration("query-lease", envDuration("CLEANROOMSD_QUERY_LEASE", 30*time.Second), "how long a replica's claim on a running query lasts unless renewed; another replica takes over a dead one's queries after it (env CLEANROOMSD_QUERY_LEASE)")
	queryWorkers := fs.Int("query-workers", envInt("CLEANROOMSD_QUERY_WORKERS", 2), "protected queries run at once by this process (env CLEANROOMSD_QUERY_WORKERS)")
	queryMemory := fs.String("query-memory-limit", env("CLEANROOMSD_QUERY_MEMORY_LIMIT", "2GiB"), "memory limit of each query's engine, e.g. 512MiB, 4GiB (env CLEANROOMSD_QUERY_MEMORY_LIMIT)")
	queryThreads := fs.Int("query-threads", envInt("CLEANROOMSD_QUERY_THREADS", 0), "threads of each query's engine; 0 uses every core (env CLEANROOMSD_QUERY_THREADS)")
	queryDir := fs.String("query-dir", env("CLEANROOMSD_QUERY_DIR", ""), "directory of staged table files and results before upload; default DATA_DIR/queries, else a temporary directory (env CLEANROOMSD_QUERY_DIR)")
	s3cfg, err := objects.ExternalConfigFromEnv()
	if err != nil {
		return err
	}
	fs.StringVar(&s3cfg.Endpoint, "s3-endpoint", s3cfg.Endpoint, "keep table data and results in this external S3 (MinIO, LocalStack, AWS) instead of the embedded one, which is then not served (env CLEANROOMSD_S3_ENDPOINT)")
	fs.StringVar(&s3cfg.Region, "s3-region", s3cfg.Region, "region of --s3-endpoint, default us-east-1 (env CLEANROOMSD_S3_REGION)")
	fs.StringVar(&s3cfg.AccessKeyID, "s3-access-key-id", s3cfg.AccessKeyID, "access key for --s3-endpoint (env CLEANROOMSD_S3_ACCESS_KEY_ID)")
	// The secret is read from the environment after parsing, so that
	// --help never prints it.
	s3Secret := fs.String("s3-secret-access-key", "", "secret key for --s3-endpoint (env CLEANROOMSD_S3_SECRET_ACCESS_KEY)")
	fs.BoolVar(&s3cfg.PathStyle, "s3-path-style", s3cfg.PathStyle, "address --s3-endpoint's buckets in the path (MinIO, LocalStack) (env CLEANROOMSD_S3_PATH_STYLE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if isSet(fs, "s3-secret-access-key") {
		s3cfg.SecretAccessKey = *s3Secret
	}
	for name, d := range map[string]time.Duration{"header-timeout": *headerTimeout, "idle-timeout": *idleTimeout, "body-read-timeout": *bodyTimeout,
		"query-timeout": *queryTimeout, "query-lease": *queryLease} {
		if d <= 0 {
			return fmt.Errorf("--%s: want a positive duration, not %s", name, d)
		}
	}
	if *maxInFlight <= 0 || *maxBodyMiB <= 0 || *queryWorkers <= 0 {
		return errors.New("--max-in-flight, --max-body-mib-in-flight and --query-workers want positive numbers")
	}
	if *queryThreads < 0 {
		return errors.New("--query-threads wants 0 (every core) or a positive number")
	}
	if !isSet(fs, "database-url") {
		*dbURL = os.Getenv("CLEANROOMSD_DATABASE_URL")
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	// slog's JSON handler, with the access log line written directly
	// (server.NewJSONLogHandler: the same bytes).
	log := slog.New(server.NewJSONLogHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	cfg := app.Config{Addr: *addr, DataDir: *dataDir, DatabaseURL: *dbURL, CredentialsFile: *creds, Logger: log,
		HeaderTimeout: *headerTimeout, IdleTimeout: *idleTimeout,
		Limits:     server.Limits{MaxInFlight: *maxInFlight, MaxBodyBytesInFlight: int64(*maxBodyMiB) << 20, BodyReadTimeout: *bodyTimeout},
		ObjectsDir: *objectsDir, LenientCatalog: *lenient, S3: s3cfg, NoFsync: *noFsync,
		Queries: app.QueryConfig{Timeout: *queryTimeout, Lease: *queryLease, Workers: *queryWorkers,
			MemoryLimit: *queryMemory, Threads: *queryThreads, WorkDir: *queryDir}}
	q, err := parseQuotas(*quotas)
	if err != nil {
		return fmt.Errorf("--quotas: %w", err)
	}
	cfg.Quotas = q
	if v := strings.ToLower(*verify); v != "auto" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("--verify-signatures: want auto, true or false, not %q", *verify)
		}
		cfg.VerifySignatures = &b
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	storeAttrs := []any{"store", "sqlite", "dataDir", cfg.DataDir}
	if cfg.NoFsync {
		storeAttrs = append(storeAttrs, "fsync", false)
	}
	if cfg.DatabaseURL != "" {
		storeAttrs = []any{"store", "postgres", "database", redactURL(cfg.DatabaseURL)}
	}
	// The listening line is written at any log level: tools that start
	// cleanroomsd on port 0 read the address from it.
	startup := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	startup.Info("listening", append([]any{"addr", ln.Addr().String(), "credentials", cfg.CredentialsFile}, storeAttrs...)...)
	if err := a.Serve(ctx, ln); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// maxMembersQuota bounds --quotas members= (AWS's default is 5).
const maxMembersQuota = 500

// parseQuotas reads "name=value,..." with the names collaborations,
// memberships, members, templates and queries.
func parseQuotas(s string) (service.Quotas, error) {
	var q service.Quotas
	if strings.TrimSpace(s) == "" {
		return q, nil
	}
	for _, kv := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		n, err := strconv.Atoi(val)
		if !ok || err != nil || n <= 0 {
			return q, fmt.Errorf("want name=positive-number, not %q", kv)
		}
		switch name {
		case "collaborations":
			q.CollaborationsPerAccount = n
		case "memberships":
			q.MembershipsPerAccount = n
		case "members":
			// ListMembers sorts a collaboration's members (store migration
			// 0009): up to this many, a page stays within 1 ms of CPU.
			if n > maxMembersQuota {
				return q, fmt.Errorf("members=%d: at most %d", n, maxMembersQuota)
			}
			q.MembersPerCollaboration = n
		case "templates":
			q.AnalysisTemplatesPerMembership = n
		case "queries":
			q.QueriesPerMembership = n
		default:
			return q, fmt.Errorf("unknown quota %q (collaborations, memberships, members, templates, queries)", name)
		}
	}
	return q, nil
}

// isSet reports whether the flag was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// redactURL is a database URL fit for a log: without its password. A
// key=value connection string is not logged at all.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "(connection string)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
