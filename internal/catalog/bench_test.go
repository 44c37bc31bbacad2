package catalog_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// Server-side cost of the reads, through the handler (decode, validate,
// store, encode) without HTTP or SigV4, on an in-memory store with 200
// tables:
//
//	go test -run='^$' -bench=. -benchtime=200ms ./internal/catalog
func BenchmarkHandler(b *testing.B) {
	e := newEnv(b, "")
	c := e.client(acctA)
	if _, err := c.CreateDatabase(b.Context(), &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("db")}}); err != nil {
		b.Fatal(err)
	}
	for i := range 200 {
		if _, err := c.CreateTable(b.Context(), &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: usersInput(fmt.Sprintf("t%03d", i))}); err != nil {
			b.Fatal(err)
		}
	}
	h := e.svc.Handler()
	for _, bc := range []struct{ name, target, body string }{
		{"GetDatabase", "AWSGlue.GetDatabase", `{"Name":"db"}`},
		{"GetTable", "AWSGlue.GetTable", `{"DatabaseName":"db","Name":"t100"}`},
		{"GetTables25", "AWSGlue.GetTables", `{"DatabaseName":"db","MaxResults":25}`},
		{"GetTablesExpression", "AWSGlue.GetTables", `{"DatabaseName":"db","Expression":"t19*"}`},
	} {
		b.Run(bc.name, func(b *testing.B) { serveBench(b, h, bc.target, bc.body) })
	}
}

func serveBench(b *testing.B, h http.Handler, target, body string) {
	ctx := identity.WithCaller(b.Context(), identity.Caller{AccountID: acctA, Region: region})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", target)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
		}
	}
}
