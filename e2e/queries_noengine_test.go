package e2e

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cleanroomsd/cleanroomsd/e2e/internal/querykit"
	"github.com/cleanroomsd/cleanroomsd/internal/app"
	"github.com/cleanroomsd/cleanroomsd/internal/engine"
)

// A server without its query engine (the engine binary missing, or built
// with CGO_ENABLED=0) serves everything else; a protected query is
// recorded FAILED with ENGINE_UNAVAILABLE and the reason.
func TestQueryWithoutEngineFails(t *testing.T) {
	a, err := app.New(t.Context(), app.Config{Queries: app.QueryConfig{Engine: engine.Unavailable("cleanroomsd-engine was not found")}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(a.Handler())
	t.Cleanup(func() { hs.Close(); a.Close() })
	qa, qb := querykit.NewClients(hs.URL, querykit.Querier, hs.Client()), querykit.NewClients(hs.URL, querykit.Owner, hs.Client())
	w, err := querykit.Setup(t.Context(), qa, qb, 10)
	if err != nil {
		t.Fatal(err)
	}
	id, err := w.Start(t.Context(), qa, "SELECT COUNT(*) FROM big")
	if err != nil {
		t.Fatalf("StartProtectedQuery: %v (a valid request is accepted)", err)
	}
	q, err := w.Get(t.Context(), qa, id)
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != types.ProtectedQueryStatusFailed || q.Error == nil || aws.ToString(q.Error.Code) != "ENGINE_UNAVAILABLE" ||
		!strings.Contains(aws.ToString(q.Error.Message), "cleanroomsd-engine was not found") {
		t.Errorf("query %s %+v, want FAILED ENGINE_UNAVAILABLE with the reason", q.Status, q.Error)
	}
}
