package durability

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/crashload"
	"github.com/cleanroomsd/cleanroomsd/internal/testbin"
)

// serverArgs are the flags of every server the tests start, after --addr
// and --data-dir. The quotas are raised so that the load never hits them.
//
// The log level is info, so that the access log is written as in
// production; testbin reads and drops the per-request INFO lines and keeps
// warnings, errors and anything that is not JSON.
var serverArgs = []string{
	"--quotas", "collaborations=100000,memberships=100000,members=5",
	"--log-level", "info",
}

func TestMain(m *testing.M) { testbin.Main(m) }

// startServer runs bin on a free port with dataDir and returns once it has
// logged the address it listens on. It is killed at the end of the test if
// still running.
func startServer(t *testing.T, bin, dataDir string) *testbin.Proc {
	t.Helper()
	return testbin.Start(t, bin, append([]string{"--data-dir", dataDir}, serverArgs...)...)
}

// newClient returns a Clean Rooms client acting as account against p, through
// transport (a clone of http.DefaultTransport if nil). It never retries.
func newClient(p *testbin.Proc, account string, transport http.RoundTripper) *cleanrooms.Client {
	if transport == nil {
		transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	return crashload.Client(p.URL, account, &http.Client{Transport: transport})
}

// clientsFor holds one client per account of the load, bound to p.
func clientsFor(p *testbin.Proc, load *crashload.Load) crashload.Clients {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	return load.Clients(func(account string) *cleanrooms.Client { return newClient(p, account, tr) })
}
