package stage

import (
	"context"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/objects"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
)

// server is an embedded S3 with a bucket "tables": blobs on disk or in
// memory.
func server(t *testing.T, onDisk bool) *objects.Server {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, "", sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir := ""
	if onDisk {
		dir = t.TempDir()
	}
	srv, err := objects.New(objects.Config{Store: st, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Transact(ctx, func(tx cleanrooms.Tx) error {
		return tx.CreateBucket(ctx, cleanrooms.Bucket{Name: "tables", AccountID: "111122223333", Region: "us-east-1", CreateTime: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func put(t *testing.T, o objects.Objects, key, body string) {
	t.Helper()
	if _, err := o.Put(context.Background(), "tables", key, strings.NewReader(body), int64(len(body)), ""); err != nil {
		t.Fatal(err)
	}
}

func contents(t *testing.T, files []string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

func TestStage(t *testing.T) {
	for _, onDisk := range []bool{true, false} {
		t.Run(map[bool]string{true: "disk", false: "memory"}[onDisk], func(t *testing.T) {
			ctx := context.Background()
			srv := server(t, onDisk)
			for k, v := range map[string]string{
				"t/part-0.csv": "a", "t/sub/part-1.csv.gz": "b", "t/_SUCCESS": "s", "t/.part-0.csv.crc": "c",
				"t/_temporary/0/x.csv": "tmp", "t/folder/": "marker", "t/empty.csv": "", "t2/other.csv": "o",
			} {
				put(t, srv, k, v)
			}
			s := New(srv, t.TempDir())
			files, err := s.Stage(ctx, "tables", "t")
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]string{"a", "b"}, contents(t, files)); d != "" {
				t.Errorf("staged (-want +got):\n%s", d)
			}
			if !strings.HasSuffix(files[1], ".csv.gz") {
				t.Errorf("%s lost the key's extension", files[1])
			}
			first := s.Stats()
			if onDisk && (first != Stats{Linked: 2}) || !onDisk && (first != Stats{Copied: 2}) {
				t.Errorf("first stage: %+v", first)
			}
			// Again: nothing is copied or linked.
			again, err := s.Stage(ctx, "tables", "t/")
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(files, again); d != "" || s.Stats().Reused != 2 || s.Stats().Copied+s.Stats().Linked != 2 {
				t.Errorf("second stage: %+v, files (-first +again):\n%s", s.Stats(), d)
			}
			// An overwrite is a new ETag: a new file with the new bytes;
			// the old file keeps the old ones (a query reading it is not
			// disturbed).
			put(t, srv, "t/part-0.csv", "A2")
			third, err := s.Stage(ctx, "tables", "t/")
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]string{"A2", "b"}, contents(t, third)); d != "" || third[0] == files[0] {
				t.Errorf("after the overwrite (-want +got):\n%s", d)
			}
			if d := cmp.Diff([]string{"a"}, contents(t, files[:1])); d != "" {
				t.Errorf("old file changed (-want +got):\n%s", d)
			}
			if _, err := s.Stage(ctx, "nobucket", "t/"); !errors.Is(err, objects.ErrNotFound) {
				t.Errorf("missing bucket: %v, want ErrNotFound", err)
			}
			empty, err := s.Stage(ctx, "tables", "none/")
			if err != nil || len(empty) != 0 {
				t.Errorf("empty prefix: %v, %v", empty, err)
			}
		})
	}
}

// Concurrent stages of the same objects agree and leave whole files.
func TestStageConcurrent(t *testing.T) {
	for _, onDisk := range []bool{true, false} {
		srv := server(t, onDisk)
		body := strings.Repeat("x", 1<<20)
		for _, k := range []string{"t/a", "t/b", "t/c"} {
			put(t, srv, k, body)
		}
		s := New(srv, t.TempDir())
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				files, err := s.Stage(context.Background(), "tables", "t/")
				if err != nil {
					t.Error(err)
					return
				}
				for _, c := range contents(t, files) {
					if c != body {
						t.Error("a staged file is not the object")
					}
				}
			}()
		}
		wg.Wait()
		if left, _ := os.ReadDir(filepath.Join(s.dir, "tmp")); len(left) != 0 {
			t.Errorf("temporary files left: %d", len(left))
		}
	}
}

// Sweep removes files not used since the cut-off; Stage then stages
// them anew.
func TestSweep(t *testing.T) {
	srv := server(t, false)
	put(t, srv, "t/a", "a")
	put(t, srv, "t/b", "b")
	s := New(srv, t.TempDir())
	s.MaxIdle = -1 // no background sweep in this test
	files, err := s.Stage(context.Background(), "tables", "t/")
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(files[0], old, old)
	if n := s.Sweep(time.Now().Add(-time.Hour)); n != 1 {
		t.Errorf("swept %d, want 1", n)
	}
	if _, err := os.Stat(files[0]); err == nil {
		t.Error("the idle file is still there")
	}
	if _, err := os.Stat(files[1]); err != nil {
		t.Error("the used file was swept")
	}
	if _, err := s.Stage(context.Background(), "tables", "t/"); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Copied != 3 || st.Reused != 1 {
		t.Errorf("after the sweep: %+v", st)
	}
}

// Any Objects works (the external S3 client): listing errors surface.
func TestStageListError(t *testing.T) {
	s := New(failing{}, t.TempDir())
	if _, err := s.Stage(context.Background(), "b", "p/"); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Stage = %v", err)
	}
}

type failing struct{ objects.Objects }

func (failing) List(context.Context, string, string) iter.Seq2[objects.ObjectInfo, error] {
	return func(yield func(objects.ObjectInfo, error) bool) { yield(objects.ObjectInfo{}, errors.New("boom")) }
}
