package proc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// Config says how to start the child.
type Config struct {
	// Path is the engine binary (cmd/cleanroomsd-engine).
	Path string
	// Args are its arguments (limits, temporary directory).
	Args []string
	Log  *slog.Logger
}

// Engine is an engine.Engine in a child process, started on the first
// call and again after it dies. Safe for concurrent use.
type Engine struct {
	cfg Config

	mu     sync.Mutex
	cur    *child
	closed bool
	nextID uint64
}

// New returns the engine; it starts nothing.
func New(cfg Config) *Engine {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Engine{cfg: cfg}
}

var _ engine.Engine = (*Engine)(nil)

// child is one engine process and the calls waiting for its answers.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	wmu   sync.Mutex // serializes writes to stdin
	mu    sync.Mutex
	calls map[uint64]chan response
	dead  chan struct{} // closed when the process has exited
	err   error         // why, once dead is closed
}

var errClosed = errors.New("proc: engine closed")

// get returns the running child, starting one if there is none.
func (e *Engine) get() (*child, uint64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, 0, errClosed
	}
	e.nextID++
	if c := e.cur; c != nil {
		select {
		case <-c.dead:
		default:
			return c, e.nextID, nil
		}
	}
	c, err := e.start()
	if err != nil {
		return nil, 0, err
	}
	e.cur = c
	return c, e.nextID, nil
}

func (e *Engine) start() (*child, error) {
	cmd := exec.Command(e.cfg.Path, e.cfg.Args...)
	// The child dies with the server, even when the server is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("proc: start the query engine %s: %w", e.cfg.Path, err)
	}
	c := &child{cmd: cmd, stdin: stdin, calls: map[uint64]chan response{}, dead: make(chan struct{})}
	go c.read(stdout, e.cfg.Log)
	return c, nil
}

// read delivers the child's answers until its stdout ends, then reaps it
// and fails every call still waiting.
func (c *child) read(stdout io.Reader, log *slog.Logger) {
	br := bufio.NewReaderSize(stdout, 1<<20)
	for {
		var resp response
		var err error
		if resp.payload, err = readMsg(br, &resp, func() int { return resp.N }); err != nil {
			if !errors.Is(err, io.EOF) {
				log.Error("query engine: unreadable answer", "err", err)
				_ = c.cmd.Process.Kill()
			}
			break
		}
		c.mu.Lock()
		ch := c.calls[resp.ID]
		delete(c.calls, resp.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- resp
		}
	}
	err := c.cmd.Wait()
	if err == nil {
		err = errors.New("exited")
	}
	c.mu.Lock()
	c.err = fmt.Errorf("proc: the query engine process stopped: %v", err)
	c.calls = nil
	c.mu.Unlock()
	close(c.dead)
	log.Warn("query engine process stopped", "err", err)
}

func (c *child) send(req request) error {
	req.N = len(req.payload)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return writeMsg(c.stdin, req, req.payload)
}

// call sends req and waits for its answer. If ctx ends first, a run is
// cancelled in the child (and its answer awaited, so that the engine has
// stopped when call returns); other calls return at once.
func (e *Engine) call(ctx context.Context, req request) (response, error) {
	c, id, err := e.get()
	if err != nil {
		return response{}, err
	}
	req.ID = id
	ch := make(chan response, 1)
	c.mu.Lock()
	if c.calls == nil {
		c.mu.Unlock()
		<-c.dead
		return response{}, c.err
	}
	c.calls[id] = ch
	c.mu.Unlock()
	if err := c.send(req); err != nil {
		<-c.dead
		return response{}, c.err
	}
	done := ctx.Done()
	for {
		select {
		case resp := <-ch:
			if resp.Error != nil {
				if resp.Error.Kind == kindCanceled && ctx.Err() != nil {
					return response{}, ctx.Err()
				}
				return response{}, fromFailure(resp.Error)
			}
			return resp, nil
		case <-c.dead:
			return response{}, c.err
		case <-done:
			if req.Op != opRun {
				c.mu.Lock()
				delete(c.calls, id)
				c.mu.Unlock()
				return response{}, ctx.Err()
			}
			_ = c.send(request{ID: id, Op: opCancel})
			done = nil
		}
	}
}

// Parse implements query.Parser.
func (e *Engine) Parse(ctx context.Context, sql string) ([]byte, error) {
	resp, err := e.call(ctx, request{Op: opParse, payload: []byte(sql)})
	return resp.payload, err
}

// Deparse implements query.Parser.
func (e *Engine) Deparse(ctx context.Context, tree []byte) (string, error) {
	resp, err := e.call(ctx, request{Op: opDeparse, payload: tree})
	return string(resp.payload), err
}

// Run implements engine.Engine.
func (e *Engine) Run(ctx context.Context, job engine.Job) (*engine.Result, error) {
	resp, err := e.call(ctx, request{Op: opRun, Job: &job})
	if err != nil {
		return nil, err
	}
	if resp.Result == nil {
		return nil, errors.New("proc: run answered without a result")
	}
	return resp.Result, nil
}

// Close stops the child: its stdin is closed, which ends it once its
// calls are answered; it is killed if it has not exited within 5 s.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.closed = true
	c := e.cur
	e.mu.Unlock()
	if c == nil {
		return nil
	}
	c.wmu.Lock()
	_ = c.stdin.Close()
	c.wmu.Unlock()
	select {
	case <-c.dead:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.dead
	}
	return nil
}
