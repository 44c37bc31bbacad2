package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// Checkpoints when the writer goes quiet (SQLite files).
//
// The writer checkpoints on its own every walAutocheckpoint pages, so after
// a burst of writes up to that many pages stay in the WAL until the next
// burst. While they do, every page a reader needs is first looked up in
// the WAL's index, and read from the WAL when it is there: GetMembership
// cost 6–11% more server CPU on a store whose last 8,000 pages were in the
// WAL than on the same store checkpointed (docs/performance.md, "An idle
// checkpoint"). Once a checkpoint has copied every frame into the database
// file, new readers read the file alone.
//
// So when no batch has committed for idleCheckpoint.after, a PASSIVE
// checkpoint runs on a connection of its own: it waits for nobody, blocks
// no writer (SQLite lets one checkpointer run beside the writer), and
// copies what the oldest reader allows. Durability is unchanged: the
// frames were synced at their COMMIT, and a checkpoint syncs the WAL
// before it copies and the database file before it records the copy.
type idleCheckpoint struct {
	dsn   string
	after time.Duration

	tmu   sync.Mutex // guards timer
	timer *time.Timer

	run sync.Mutex // held while a checkpoint runs, and by close
	db  *sql.DB    // opened at the first checkpoint; guarded by run
	// ctx is cancelled by close: no timer is armed after it, and a
	// running checkpoint is interrupted.
	ctx    context.Context
	cancel context.CancelFunc
	// runs counts the checkpoints that ran (tests).
	runs atomic.Int64
}

// defaultIdleCheckpoint is how long the writer must be quiet before the
// checkpoint: long enough that a writer committing every few hundred
// milliseconds does not pay a database fsync per write in the background.
const defaultIdleCheckpoint = 500 * time.Millisecond

func newIdleCheckpoint(dsn string, after time.Duration) *idleCheckpoint {
	if after < 0 {
		return nil
	}
	if after == 0 {
		after = defaultIdleCheckpoint
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &idleCheckpoint{dsn: dsn, after: after, ctx: ctx, cancel: cancel}
}

// touch records a commit: the checkpoint moves to after from now. It is
// called with the group commit's lock held, so it only resets a timer.
func (c *idleCheckpoint) touch() {
	if c == nil {
		return
	}
	c.tmu.Lock()
	defer c.tmu.Unlock()
	switch {
	case c.ctx.Err() != nil: // closed
	case c.timer == nil:
		c.timer = time.AfterFunc(c.after, c.checkpoint)
	default:
		c.timer.Reset(c.after)
	}
}

// checkpoint runs one PASSIVE checkpoint. A failure is dropped: the
// writer's own checkpoints still bound the WAL, and the next quiet moment
// tries again.
func (c *idleCheckpoint) checkpoint() {
	if !c.run.TryLock() {
		// One is running. It began before the commit that armed this
		// one, so it may not reach that commit's frames: try again later.
		c.touch()
		return
	}
	defer c.run.Unlock()
	if c.ctx.Err() != nil {
		return
	}
	if c.db == nil {
		db, err := openPool(c.ctx, c.dsn, 1)
		if err != nil {
			return
		}
		c.db = db
	}
	if _, err := c.db.ExecContext(c.ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err == nil {
		c.runs.Add(1)
	}
}

// close stops the timer, interrupts a running checkpoint and waits for it,
// and closes the connection.
func (c *idleCheckpoint) close() error {
	if c == nil {
		return nil
	}
	c.cancel()
	c.tmu.Lock()
	if c.timer != nil {
		c.timer.Stop()
	}
	c.tmu.Unlock()
	c.run.Lock()
	defer c.run.Unlock()
	if c.db != nil {
		return c.db.Close()
	}
	return nil
}
