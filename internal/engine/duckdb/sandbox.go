//go:build cgo

package duckdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	duck "github.com/duckdb/duckdb-go/v2"
)

// sandbox is a fresh in-memory database for one query: its own catalog
// (the query's views and nothing else), its own settings (the files it may
// read, locked), its own memory limit and temp directory. It is used once
// and closed.
type sandbox struct {
	db   *sql.DB
	conn *sql.Conn
	tmp  string
}

func (s *sandbox) close() {
	s.conn.Close()
	s.db.Close()
	os.RemoveAll(s.tmp)
}

// openSandbox opens a database with the settings fixed for every query;
// the per-query ones (allowed files, lock) come in setup.
func (e *Engine) openSandbox() (*sandbox, error) {
	root, err := e.root()
	if err != nil {
		return nil, err
	}
	id := make([]byte, 8)
	rand.Read(id)
	tmp := filepath.Join(root, "q-"+hex.EncodeToString(id))
	v := url.Values{}
	v.Set("autoinstall_known_extensions", "false")
	v.Set("autoload_known_extensions", "false")
	v.Set("temp_directory", tmp)
	// Spark's NULL order: first in ascending order, last in descending
	// order, in ORDER BY, window orders and ordered aggregates alike
	// (DuckDB's default is last in both). It is resolved when the query
	// is bound, so the parser's database needs no such setting, and the
	// lock after setup keeps a query from changing it.
	v.Set("default_null_order", "nulls_first_on_asc_last_on_desc")
	if e.cfg.MemoryLimit != "" {
		v.Set("memory_limit", e.cfg.MemoryLimit)
	}
	if e.cfg.Threads > 0 {
		v.Set("threads", strconv.Itoa(e.cfg.Threads))
	}
	c, err := duck.NewConnector("?"+v.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("engine: open sandbox: %w", err)
	}
	db := sql.OpenDB(c)
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("engine: open sandbox: %w", err)
	}
	return &sandbox{db: db, conn: conn, tmp: tmp}, nil
}

// root is the directory of the sandboxes' temp directories, made on
// first use.
func (e *Engine) root() (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return "", errClosed
	}
	if e.tempRoot != "" {
		return e.tempRoot, nil
	}
	if e.cfg.TempDir != "" {
		if err := os.MkdirAll(e.cfg.TempDir, 0o700); err != nil {
			return "", fmt.Errorf("engine: temp dir: %w", err)
		}
		e.tempRoot = e.cfg.TempDir
	} else {
		d, err := os.MkdirTemp("", "cleanroomsd-engine-")
		if err != nil {
			return "", fmt.Errorf("engine: temp dir: %w", err)
		}
		e.tempRoot = d
	}
	return e.tempRoot, nil
}

// take returns a spare sandbox, or opens one, and starts opening the
// next spare in the background.
func (e *Engine) take() (*sandbox, error) {
	var sb *sandbox
	select {
	case sb = <-e.spares:
	default:
		var err error
		if sb, err = e.openSandbox(); err != nil {
			return nil, err
		}
	}
	e.background(func() {
		if cap(e.spares) == 0 || len(e.spares) == cap(e.spares) {
			return
		}
		next, err := e.openSandbox()
		if err != nil {
			return // the next query opens its own and reports the error
		}
		e.mu.Lock()
		closed := e.closed
		e.mu.Unlock()
		if !closed {
			select {
			case e.spares <- next:
				return
			default:
			}
		}
		next.close()
	})
	return sb, nil
}

// release closes a used sandbox in the background: closing a database
// takes ~3 ms the query's caller need not wait for.
func (e *Engine) release(sb *sandbox) { e.background(sb.close) }

func (e *Engine) background(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		// Close is waiting for bg: run inline rather than add to it.
		e.mu.Unlock()
		f()
		e.mu.Lock()
		return
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		f()
	}()
}
