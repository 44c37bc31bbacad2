package stage

import (
	"os"
	"path/filepath"
	"time"
)

func (s *Stager) maxIdle() time.Duration {
	if s.MaxIdle == 0 {
		return DefaultMaxIdle
	}
	return s.MaxIdle
}

// maybeSweep starts a sweep in the background when the last one is older
// than a quarter of MaxIdle.
func (s *Stager) maybeSweep() {
	idle := s.maxIdle()
	if idle < 0 {
		return
	}
	s.mu.Lock()
	now := time.Now()
	if s.sweeping || now.Sub(s.lastSweep) < idle/4 {
		s.mu.Unlock()
		return
	}
	s.sweeping, s.lastSweep = true, now
	s.mu.Unlock()
	go func() {
		s.Sweep(now.Add(-idle))
		s.mu.Lock()
		s.sweeping = false
		s.mu.Unlock()
	}()
}

// Sweep removes the cached files last used before before, and copies in
// progress not written to since then (the leftovers of a crash), and
// returns how many files it removed. A query that already opened a
// removed file goes on reading it.
func (s *Stager) Sweep(before time.Time) int {
	n := 0
	for _, d := range []string{"files", "tmp"} {
		dir := filepath.Join(s.dir, d)
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			info, err := e.Info()
			if err != nil || !info.Mode().IsRegular() || !info.ModTime().Before(before) {
				continue
			}
			if os.Remove(filepath.Join(dir, e.Name())) == nil {
				n++
			}
		}
	}
	return n
}
