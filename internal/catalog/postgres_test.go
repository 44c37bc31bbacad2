package catalog_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore"
	"github.com/cleanroomsd/cleanroomsd/internal/store/sqlstore/pgtest"
)

// Two replicas on one PostgreSQL database: each sees what the other
// wrote, and concurrent creates of one table across them have one winner.
// Skips without a server unless CLEANROOMS_TESTDB=required (see pgtest).
func TestPostgresTwoReplicas(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	open := func() *env {
		st, err := sqlstore.OpenPostgres(t.Context(), dsn, sqlstore.Options{MaxWriteConns: 4, MaxReadConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		return newEnvOn(t, st)
	}
	r1, r2 := open(), open()
	c1, c2 := r1.client(acctA), r2.client(acctA)
	mustCreateDatabase(t, c1, "db")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		c := c1
		if i%2 == 1 {
			c = c2
		}
		wg.Go(func() {
			_, errs[i] = c.CreateTable(ctx(t), &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: usersInput("same")})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		var ae *types.AlreadyExistsException
		switch {
		case err == nil:
			won++
		case !errors.As(err, &ae):
			t.Errorf("losing CreateTable: %v, want AlreadyExistsException", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent CreateTable calls on two replicas won, want 1", won, n)
	}
	for i, c := range []*glue.Client{c1, c2} {
		if _, err := c.GetTable(ctx(t), &glue.GetTableInput{DatabaseName: aws.String("db"), Name: aws.String("same")}); err != nil {
			t.Errorf("replica %d: %v", i+1, err)
		}
	}
	if _, err := c2.DeleteDatabase(ctx(t), &glue.DeleteDatabaseInput{Name: aws.String("db")}); err != nil {
		t.Fatal(err)
	}
	if _, err := r1.svc.LookupTable(ctx(t), acctA, region, "db", "same"); err == nil {
		t.Error("replica 1 still finds the table replica 2 deleted")
	}
}
