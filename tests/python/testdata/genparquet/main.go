// Command genparquet writes tests/python/testdata/users.parquet, the Parquet
// fixture that dataplane_test.py uploads with boto3 and describes in Glue
// (ParquetHiveSerDe). There is no pyarrow on the test machines, so the file
// is generated here once and committed; run it again after changing rows:
//
//	cd tests/python/testdata/genparquet && go run . ../users.parquet
//
// It is its own module so that the server's go.mod does not carry parquet-go.
package main

import (
	"fmt"
	"os"

	"github.com/parquet-go/parquet-go"
)

// User is one row; the column names and types match the Glue table the test
// creates (user_id bigint, email string, country string, spend double).
type User struct {
	UserID  int64   `parquet:"user_id"`
	Email   string  `parquet:"email"`
	Country string  `parquet:"country"`
	Spend   float64 `parquet:"spend"`
}

func main() {
	out := "../users.parquet"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	rows := []User{
		{1, "pq-alice@example.org", "FR", 12.5},
		{2, "pq-bob@example.org", "DE", 40.25},
		{3, "pq-carol@example.org", "FR", 7},
		{4, "pq-dave@example.org", "ES", 99.75},
	}
	if err := parquet.WriteFile(out, rows); err != nil {
		fmt.Fprintln(os.Stderr, "genparquet:", err)
		os.Exit(1)
	}
}
