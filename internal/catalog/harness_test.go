package catalog_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/cleanroomsd/cleanroomsd/internal/catalog"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/awsjson"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/sigv4"
	"github.com/cleanroomsd/cleanroomsd/internal/sdktest"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
)

const (
	acctA  = "111111111111"
	acctB  = "222222222222"
	region = "us-east-1"
)

// clock is the test's fixed "now", with a fraction so that fractional
// epoch seconds are exercised.
var clock = time.Date(2026, 3, 4, 5, 6, 7, 250_000_000, time.UTC)

// withCaller is what the server does before the Glue handler, reduced to
// the test's needs: the SigV4 access key names the account, the credential
// scope the region (no signature check).
func withCaller(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := sigv4.Parse(r)
		if err != nil {
			awsjson.WriteError(w, "MissingAuthenticationTokenException", http.StatusForbidden, "Missing Authentication Token")
			return
		}
		c := identity.Caller{AccountID: identity.AccountForAccessKey(nil, p.AccessKeyID), Region: p.Region, AccessKeyID: p.AccessKeyID}
		h.ServeHTTP(w, r.WithContext(identity.WithCaller(r.Context(), c)))
	})
}

type env struct {
	t     testing.TB
	store cleanrooms.Store
	svc   *catalog.Service
	srv   *httptest.Server
}

// newEnv serves a catalog on a store at path ("" for memory).
func newEnv(t testing.TB, path string) *env {
	t.Helper()
	st, err := sqlstore.OpenSQLite(t.Context(), path, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return newEnvWith(t, st, true)
}

// newEnvOn serves a catalog on st, a store other processes may share
// (no lookup cache), closed with the test.
func newEnvOn(t testing.TB, st cleanrooms.Store) *env { return newEnvWith(t, st, false) }

// newEnvWith serves a catalog on st; exclusive as catalog.Config says.
func newEnvWith(t testing.TB, st cleanrooms.Store, exclusive bool) *env {
	t.Helper()
	svc := catalog.New(catalog.Config{Store: st, Now: func() time.Time { return clock }, Exclusive: exclusive})
	srv := httptest.NewServer(withCaller(svc.Handler()))
	e := &env{t: t, store: st, svc: svc, srv: srv}
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return e
}

func tempDB(t *testing.T) string { return filepath.Join(t.TempDir(), "catalog.db") }

// client is a real Glue client of the Go SDK acting as account.
func (e *env) client(account string) *glue.Client {
	return glue.New(glue.Options{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(account, "secret", ""),
		BaseEndpoint: aws.String(e.srv.URL),
		HTTPClient:   sdktest.BufferedClient{C: e.srv.Client()},
		Retryer:      aws.NopRetryer{},
	})
}

func ctx(t *testing.T) context.Context { return t.Context() }
