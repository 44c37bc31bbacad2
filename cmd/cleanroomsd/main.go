// Command cleanroomsd serves the AWS Clean Rooms API.
//
//	cleanroomsd --addr 127.0.0.1:7217 --data-dir ./data [--credentials creds.json] [--log-level info]
//
// Every flag has an environment variable (CLEANROOMSD_ADDR, ...); a flag
// given on the command line wins.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/cleanroomsd/cleanroomsd/internal/app"
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

func run(args []string) error {
	fs := flag.NewFlagSet("cleanroomsd", flag.ContinueOnError)
	addr := fs.String("addr", env("CLEANROOMSD_ADDR", app.DefaultAddr), "listen address HOST:PORT (env CLEANROOMSD_ADDR)")
	dataDir := fs.String("data-dir", env("CLEANROOMSD_DATA_DIR", ""), "directory of the database; empty keeps everything in memory (env CLEANROOMSD_DATA_DIR)")
	creds := fs.String("credentials", env("CLEANROOMSD_CREDENTIALS", ""), "JSON file mapping access keys to accounts and secrets (env CLEANROOMSD_CREDENTIALS)")
	verify := fs.String("verify-signatures", env("CLEANROOMSD_VERIFY_SIGNATURES", "auto"), "auto (verify when --credentials is given), true or false (env CLEANROOMSD_VERIFY_SIGNATURES)")
	level := fs.String("log-level", env("CLEANROOMSD_LOG_LEVEL", "info"), "debug, info, warn or error (env CLEANROOMSD_LOG_LEVEL)")
	quotas := fs.String("quotas", env("CLEANROOMSD_QUOTAS", ""), "override AWS's default quotas, e.g. collaborations=1000,memberships=10000,members=5 (env CLEANROOMSD_QUOTAS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	cfg := app.Config{Addr: *addr, DataDir: *dataDir, CredentialsFile: *creds, Logger: log}
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
	log.Info("listening", "addr", ln.Addr().String(), "dataDir", cfg.DataDir, "credentials", cfg.CredentialsFile)
	if err := a.Serve(ctx, ln); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// parseQuotas reads "name=value,..." with the names collaborations,
// memberships and members.
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
			q.MembersPerCollaboration = n
		default:
			return q, fmt.Errorf("unknown quota %q (collaborations, memberships, members)", name)
		}
	}
	return q, nil
}
