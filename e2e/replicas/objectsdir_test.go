package replicas

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore/pgtest"
	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

// A replica on PostgreSQL without --objects-dir (and without
// --s3-endpoint) would keep object bytes where no other replica sees
// them: it refuses to start, exit status 1, with a message naming both
// flags, before it touches the database (the schema stays empty, and an
// unreachable database gives the same message at once).
func TestDatabaseURLWithoutObjectsDirRefused(t *testing.T) {
	dsn, schema := pgtest.Schema(t)
	bin := testbin.Build(t)
	cases := []struct {
		name string
		env  []string
		args []string
	}{
		{"flag", nil, []string{"--database-url", dsn}},
		{"environment", []string{"CLEANROOMSD_DATABASE_URL=" + dsn}, nil},
		{"unreachable database", nil, []string{"--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=30"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, append([]string{"--addr", "127.0.0.1:0"}, tc.args...)...)
			cmd.Env = append(os.Environ(), tc.env...)
			cmd.Env = append(cmd.Env, "CLEANROOMSD_OBJECTS_DIR=") // not inherited
			start := time.Now()
			out, err := cmd.CombinedOutput()
			took := time.Since(start)
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1\n%s", err, out)
			}
			msg := string(out)
			for _, want := range []string{"PostgreSQL", "--objects-dir", "--s3-endpoint"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message does not name %q:\n%s", want, msg)
				}
			}
			if strings.Contains(msg, "listening") || strings.Count(strings.TrimSpace(msg), "\n") != 0 {
				t.Errorf("want one line of error and no listening line:\n%s", msg)
			}
			if took > 10*time.Second {
				t.Errorf("refusal took %v", took)
			}
		})
	}
	conn := pgtest.Connect(t)
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1", schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a refused start created %d tables in schema %s", n, pgx.Identifier{schema}.Sanitize())
	}
}
