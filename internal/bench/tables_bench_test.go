package bench

import (
	"context"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Configured tables, their rules and associations for member: table i has
// an AGGREGATION rule and is associated, as "users", to collaboration i
// through member's membership i.
const (
	kindTable       = 4
	kindAssociation = 5
)

func seedTables(tb testing.TB, st cleanrooms.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	err := st.Transact(ctx, func(tx cleanrooms.Tx) error {
		for i := range n {
			t := &cleanrooms.ConfiguredTable{
				ID: id(kindTable, i), AccountID: member, Region: region, Name: "users", Description: "seeded",
				TableReference: cleanrooms.TableReference{Glue: &cleanrooms.GlueTableReference{DatabaseName: "sales", TableName: "users"}},
				AllowedColumns: []string{"user_id", "city", "spend"}, AnalysisMethod: "DIRECT_QUERY",
				CreateTime: seedTime, UpdateTime: seedTime,
			}
			if err := tx.InsertConfiguredTable(ctx, t); err != nil {
				return err
			}
			rule := &cleanrooms.TableAnalysisRule{ConfiguredTableID: t.ID, Type: cleanrooms.RuleAggregation,
				Policy: cleanrooms.TablePolicy{Aggregation: &cleanrooms.AggregationPolicy{
					AggregateColumns: []cleanrooms.AggregateColumn{{ColumnNames: []string{"spend"}, Function: "SUM"}},
					JoinColumns:      []string{"user_id"}, DimensionColumns: []string{"city"}, ScalarFunctions: []string{},
					OutputConstraints: []cleanrooms.AggregationConstraint{{ColumnName: "user_id", Minimum: 2, Type: "COUNT_DISTINCT"}},
				}}, CreateTime: seedTime, UpdateTime: seedTime}
			if err := tx.InsertTableAnalysisRule(ctx, rule); err != nil {
				return err
			}
			a := &cleanrooms.Association{ID: id(kindAssociation, i), AccountID: member, Region: region,
				MembershipID: id(kindMembership, i), CollaborationID: id(kindCollab, i), ConfiguredTableID: t.ID,
				Name: "users", RoleArn: "arn:aws:iam::" + member + ":role/r", CreateTime: seedTime, UpdateTime: seedTime}
			if err := tx.InsertAssociation(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func tablesEnv(b *testing.B) *env {
	const n = 1_000
	e := freshEnv(b, mem, n)
	seedTables(b, e.side, n)
	return e
}

// BenchmarkTables: GetConfiguredTable, ListConfiguredTables (a page of
// 100), GetSchema (status computed) and, for comparison on the same
// store, GetMembership, in memory with 1,000 of each.
func BenchmarkTables(b *testing.B) {
	e := tablesEnv(b)
	const n = 1_000
	b.Run("GetMembership", func(b *testing.B) {
		measure(b, func(i int) {
			serve(b, e.h, newRequest("GET", "/memberships/"+id(kindMembership, spread(i, n)), member, nil))
		})
	})
	b.Run("GetConfiguredTable", func(b *testing.B) {
		measure(b, func(i int) {
			serve(b, e.h, newRequest("GET", "/configuredTables/"+id(kindTable, spread(i, n)), member, nil))
		})
	})
	b.Run("ListConfiguredTables/page=100", func(b *testing.B) {
		measure(b, func(int) {
			serve(b, e.h, newRequest("GET", "/configuredTables?maxResults=100", member, nil))
		})
	})
	b.Run("ListMemberships/page=100", func(b *testing.B) {
		measure(b, func(int) {
			serve(b, e.h, newRequest("GET", "/memberships?maxResults=100", member, nil))
		})
	})
	b.Run("GetSchema", func(b *testing.B) {
		measure(b, func(i int) {
			serve(b, e.h, newRequest("GET", "/collaborations/"+id(kindCollab, spread(i, n))+"/schemas/users", member, nil))
		})
	})
}
