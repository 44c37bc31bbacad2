//go:build cgo

// Package duckdb is the embedded query engine: DuckDB through
// github.com/duckdb/duckdb-go/v2. Nothing is opened by New: the parser's
// database on the first Parse, sandboxes on the first Run, so that a
// server that never runs a query never pays DuckDB's start-up (~11 ms and
// ~40 MB per database). See docs/engine.md.
package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// New returns the DuckDB engine on cfg. It opens nothing.
func New(cfg Config) engine.Engine {
	spares := cfg.Spares
	if spares == 0 {
		spares = 1
	}
	if spares < 0 {
		spares = 0
	}
	return &Engine{cfg: cfg, spares: make(chan *sandbox, spares)}
}

// Engine is the DuckDB engine; safe for concurrent use.
type Engine struct {
	cfg Config

	mu       sync.Mutex
	closed   bool
	parser   *parser // nil until the first Parse
	tempRoot string  // "" until the first Run
	// spares are opened sandboxes waiting for a query.
	spares chan *sandbox
	// bg counts the goroutines that open spares and close used
	// sandboxes; Close waits for them.
	bg sync.WaitGroup
	// splitAt is the size at which a result that may be several files is
	// split (defaultFileSize when 0; tests set it).
	splitAt int64
}

var errClosed = errors.New("engine: closed")

// Close closes the parser and the spare sandboxes and waits for used
// sandboxes to be closed. Queries still running fail.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	p := e.parser
	e.mu.Unlock()
	e.bg.Wait()
	for {
		select {
		case sb := <-e.spares:
			sb.close()
			continue
		default:
		}
		break
	}
	var err error
	if p != nil {
		err = p.close()
	}
	if e.tempRoot != "" && e.cfg.TempDir == "" {
		os.RemoveAll(e.tempRoot)
	}
	return err
}

// getParser opens the parser database on first use.
func (e *Engine) getParser() (*parser, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, errClosed
	}
	if e.parser == nil {
		p, err := openParser()
		if err != nil {
			return nil, err
		}
		e.parser = p
	}
	return e.parser, nil
}

// Parse implements query.Parser: the JSON of json_serialize_sql, with its
// "error" field set (not a Go error) when sql does not parse.
func (e *Engine) Parse(ctx context.Context, sql string) ([]byte, error) {
	p, err := e.getParser()
	if err != nil {
		return nil, err
	}
	return p.parse(ctx, sql)
}

// Deparse implements query.Parser with json_deserialize_sql.
func (e *Engine) Deparse(ctx context.Context, tree []byte) (string, error) {
	p, err := e.getParser()
	if err != nil {
		return "", err
	}
	return p.deparse(ctx, tree)
}

// parser is a database with no data, no file access and a locked
// configuration, used only to parse and deparse.
type parser struct {
	db          *sql.DB
	serialize   *sql.Stmt
	deserialize *sql.Stmt
}

func openParser() (*parser, error) {
	c, err := duck.NewConnector("?threads=1&enable_external_access=false&autoinstall_known_extensions=false&autoload_known_extensions=false&lock_configuration=true", nil)
	if err != nil {
		return nil, fmt.Errorf("engine: open parser: %w", err)
	}
	db := sql.OpenDB(c)
	db.SetMaxIdleConns(4)
	p := &parser{db: db}
	if p.serialize, err = db.Prepare("SELECT json_serialize_sql(?::VARCHAR)::VARCHAR"); err == nil {
		p.deserialize, err = db.Prepare("SELECT json_deserialize_sql(?::VARCHAR::JSON)")
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("engine: prepare parser: %w", err)
	}
	return p, nil
}

func (p *parser) parse(ctx context.Context, text string) ([]byte, error) {
	var out string
	if err := p.serialize.QueryRowContext(ctx, text).Scan(&out); err != nil {
		return nil, fmt.Errorf("engine: parse: %w", err)
	}
	return []byte(out), nil
}

func (p *parser) deparse(ctx context.Context, tree []byte) (string, error) {
	var out string
	if err := p.deserialize.QueryRowContext(ctx, string(tree)).Scan(&out); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("engine: deparse: %s", scrub(err.Error()))
	}
	return out, nil
}

func (p *parser) close() error {
	p.serialize.Close()
	p.deserialize.Close()
	return p.db.Close()
}
