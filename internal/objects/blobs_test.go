package objects

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Opening a blob directory removes stale temporary files (crashed writes)
// and keeps fresh ones (another replica's write in progress) and blobs.
func TestSweepTmp(t *testing.T) {
	dir := t.TempDir()
	b := must(newDiskBlobs(dir))
	w := must(b.create())
	w.Write([]byte("kept"))
	id := must(w.commit())
	stale, fresh := filepath.Join(dir, "tmp", "stale"), filepath.Join(dir, "tmp", "fresh")
	os.WriteFile(stale, []byte("x"), 0o600)
	os.WriteFile(fresh, []byte("x"), 0o600)
	old := time.Now().Add(-2 * staleTmp)
	os.Chtimes(stale, old, old)
	must(newDiskBlobs(dir))
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary blob kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temporary blob removed: %v", err)
	}
	r := must(b.open(id))
	r.Close()
}
