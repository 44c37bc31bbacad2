//go:build cgo

package query

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/dp"
	"github.com/google/go-cmp/cmp"
)

var dpFixtureSQL = []string{
	`CREATE TABLE imps (user_id INTEGER, campaign VARCHAR, amount DOUBLE, email VARCHAR)`,
	`INSERT INTO imps VALUES (1,'a',1.5,'x'),(1,'b',2,'x'),(2,'a',3,'y'),(3,'c',4,'z')`,
	`CREATE TABLE clicks (user_id INTEGER, campaign VARCHAR)`,
	`INSERT INTO clicks VALUES (1,'a'),(2,'a'),(2,'b'),(4,'c')`,
	`CREATE TABLE campaigns (campaign VARCHAR, title VARCHAR)`,
	`INSERT INTO campaigns VALUES ('a','Alpha'),('b','Beta')`,
}

var dpFixtureOnce sync.Once

func dpFixtures(t testing.TB) duckParser {
	t.Helper()
	p := parser(t)
	var err error
	dpFixtureOnce.Do(func() {
		for _, s := range dpFixtureSQL {
			if _, err = p.db.Exec(s); err != nil {
				err = fmt.Errorf("%s: %w", s, err)
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// dpTables: imps (partner, DP on user_id, email disallowed), clicks
// (querier, DP on user_id), campaigns (querier, no DP).
func dpTables() map[string]*Table {
	custom := func(uid string, disallowed ...string) *cleanrooms.CustomPolicy {
		p := &cleanrooms.CustomPolicy{AllowedAnalyses: []string{"ANY_QUERY"}, AllowedAnalysisProviders: []string{querier},
			DisallowedOutputColumns: disallowed}
		if uid != "" {
			p.DifferentialPrivacy = &cleanrooms.DifferentialPrivacyPolicy{Columns: []cleanrooms.DifferentialPrivacyColumn{{Name: uid}}}
		}
		return p
	}
	return map[string]*Table{
		"imps": {Name: "imps", OwnerAccountID: partner, Columns: cols("user_id", "campaign", "amount", "email"),
			RuleType: cleanrooms.RuleCustom, Policy: cleanrooms.TablePolicy{Custom: custom("user_id", "email")}},
		"clicks": {Name: "clicks", OwnerAccountID: querier, Columns: cols("user_id", "campaign"),
			RuleType: cleanrooms.RuleCustom, Policy: cleanrooms.TablePolicy{Custom: custom("user_id")}},
		"campaigns": {Name: "campaigns", OwnerAccountID: querier, Columns: cols("campaign", "title"),
			RuleType: cleanrooms.RuleCustom, Policy: cleanrooms.TablePolicy{Custom: custom("")}},
	}
}

func TestDPPlan(t *testing.T) {
	p := dpFixtures(t)
	five := int64(5)
	tests := []struct {
		name string
		sql  string
		want DPPlan
		rows [][]string // of the base query, ordered
	}{
		{"spec example: a CTE with UNION ALL of two joins",
			`WITH matches AS (
			   SELECT i.user_id, i.campaign FROM imps i JOIN clicks c ON i.user_id = c.user_id
			   UNION ALL
			   SELECT c.user_id, c.campaign FROM clicks c JOIN imps i ON c.user_id = i.user_id)
			 SELECT campaign, COUNT(DISTINCT user_id) AS users FROM matches GROUP BY campaign ORDER BY users DESC LIMIT 5`,
			DPPlan{Aggregations: []string{dp.CountDistinct}, Groups: 1,
				Aggregates: []DPAggregate{{Type: dp.CountDistinct, Arg: true, Distinct: true, Expression: "count(DISTINCT user_id)"}},
				Columns:    []DPColumn{{Name: "campaign", Group: 0, Aggregate: -1}, {Name: "users", Group: -1, Aggregate: 0}},
				OrderBy:    []DPOrder{{Column: 1, Desc: true}}, Limit: &five},
			[][]string{{"1", "a", "1"}, {"1", "a", "1"}, {"1", "a", "1"}, {"1", "b", "1"}, {"2", "a", "2"}, {"2", "a", "2"}, {"2", "a", "2"}, {"2", "b", "2"}}},
		{"every aggregate, positions, expressions, a join with a non-DP table, Spark functions",
			`SELECT upper(i.campaign), nvl(c.title, '-') AS t, COUNT(*), COUNT(amount) n, SUM(amount) AS s, AVG(amount), stddev_samp(amount) AS sd
			 FROM imps i LEFT JOIN campaigns c ON i.campaign = c.campaign WHERE amount > 1
			 GROUP BY upper(i.campaign), 2 ORDER BY 1, t DESC NULLS FIRST, upper(i.campaign)`,
			DPPlan{Aggregations: []string{dp.Count, dp.Count, dp.Sum, dp.Avg, dp.Stddev}, Groups: 2,
				Aggregates: []DPAggregate{{Type: dp.Count, Expression: "count_star()"}, {Type: dp.Count, Arg: true, Expression: "count(amount)"},
					{Type: dp.Sum, Arg: true, Expression: "sum(amount)"}, {Type: dp.Avg, Arg: true, Expression: "avg(amount)"},
					{Type: dp.Stddev, Arg: true, Expression: "stddev_samp(amount)"}},
				Columns: []DPColumn{{Name: "upper(i.campaign)", Group: 0, Aggregate: -1}, {Name: "t", Group: 1, Aggregate: -1},
					{Name: "count_star()", Group: -1, Aggregate: 0}, {Name: "n", Group: -1, Aggregate: 1}, {Name: "s", Group: -1, Aggregate: 2},
					{Name: "avg(amount)", Group: -1, Aggregate: 3}, {Name: "sd", Group: -1, Aggregate: 4}},
				OrderBy: []DPOrder{{Column: 0, NullsFirst: true}, {Column: 1, Desc: true, NullsFirst: true}, {Column: 0, NullsFirst: true}}},
			[][]string{{"1", "A", "Alpha", "1.5", "1.5", "1.5", "1.5"}, {"1", "B", "Beta", "2", "2", "2", "2"},
				{"2", "A", "Alpha", "3", "3", "3", "3"}, {"3", "C", "-", "4", "4", "4", "4"}}},
		{"no GROUP BY, a subquery in FROM grouped by the user id, group key by alias",
			`SELECT COUNT(*) AS users, SUM(n) FROM (SELECT user_id, COUNT(*) AS n FROM imps GROUP BY user_id) s`,
			DPPlan{Aggregations: []string{dp.Count, dp.Sum},
				Aggregates: []DPAggregate{{Type: dp.Count, Expression: "count_star()"}, {Type: dp.Sum, Arg: true, Expression: "sum(n)"}},
				Columns:    []DPColumn{{Name: "users", Group: -1, Aggregate: 0}, {Name: "sum(n)", Group: -1, Aggregate: 1}}},
			[][]string{{"1", "2"}, {"2", "1"}, {"3", "1"}}},
		{"join of two DP tables on the user id, USING-free, RIGHT join picks the right user id, GROUP BY alias",
			`SELECT c.campaign AS k, COUNT(i.amount) FROM imps i RIGHT JOIN clicks c ON c.user_id = i.user_id AND i.campaign = c.campaign GROUP BY k`,
			DPPlan{Aggregations: []string{dp.Count}, Groups: 1,
				Aggregates: []DPAggregate{{Type: dp.Count, Arg: true, Expression: "count(i.amount)"}},
				Columns:    []DPColumn{{Name: "k", Group: 0, Aggregate: -1}, {Name: "count(i.amount)", Group: -1, Aggregate: 0}}},
			[][]string{{"1", "a", "1.5"}, {"2", "a", "3"}, {"2", "b", "<nil>"}, {"4", "c", "<nil>"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := plan(t, p, tc.sql, dpTables())
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if pl.DP == nil {
				t.Fatal("no DP plan")
			}
			got := *pl.DP
			if got.SQL == "" || pl.SQL != got.SQL {
				t.Errorf("Plan.SQL %q, DP.SQL %q", pl.SQL, got.SQL)
			}
			got.SQL = ""
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("plan (-want +got):\n%s\nSQL: %s", d, pl.DP.SQL)
			}
			// The plan is stored and sent as JSON.
			b, err := json.Marshal(pl.DP)
			if err != nil {
				t.Fatal(err)
			}
			var back DPPlan
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(pl.DP, &back); d != "" {
				t.Errorf("plan after a JSON round trip (-before +after):\n%s", d)
			}
			if d := cmp.Diff(tc.rows, rows(t, p, "SELECT * FROM ("+pl.DP.SQL+") ORDER BY ALL")); d != "" {
				t.Errorf("base rows (-want +got):\n%s\nSQL: %s", d, pl.DP.SQL)
			}
		})
	}
}

func TestDPRefused(t *testing.T) {
	p := dpFixtures(t)
	tests := []struct {
		name string
		sql  string
		want string
	}{
		{"set operation at the top", "SELECT COUNT(*) FROM imps UNION ALL SELECT COUNT(*) FROM clicks", "set operation"},
		{"no aggregate", "SELECT campaign FROM imps GROUP BY campaign", "at least one aggregate"},
		{"ungrouped column", "SELECT campaign, COUNT(*) FROM imps", "neither a GROUP BY expression nor an aggregate"},
		{"other aggregate", "SELECT MAX(amount) FROM imps", "only COUNT, COUNT(DISTINCT), SUM, AVG and STDDEV"},
		{"aggregate inside an expression", "SELECT ROUND(SUM(amount)) FROM imps", "each as a select item of its own"},
		{"SUM DISTINCT", "SELECT SUM(DISTINCT amount) FROM imps", "SUM(DISTINCT"},
		{"HAVING", "SELECT campaign, COUNT(*) FROM imps GROUP BY campaign HAVING COUNT(*) > 1", "HAVING"},
		{"DISTINCT", "SELECT DISTINCT campaign, COUNT(*) FROM imps GROUP BY campaign", "DISTINCT"},
		{"window in the final SELECT", "SELECT campaign, COUNT(*), rank() OVER (ORDER BY campaign) FROM imps GROUP BY campaign", "window"},
		{"star", "SELECT *, COUNT(*) FROM clicks", "SELECT *"},
		{"OFFSET", "SELECT COUNT(*) FROM imps LIMIT 1 OFFSET 1", "OFFSET"},
		{"GROUP BY an aggregate's position", "SELECT COUNT(*) FROM imps GROUP BY 1", "GROUP BY may not name an aggregate"},
		{"constant select item", "SELECT 'x' AS k, COUNT(*) FROM imps", "neither a GROUP BY expression"},
		{"ORDER BY a non-output column", "SELECT campaign, COUNT(*) FROM imps GROUP BY campaign ORDER BY amount", "ORDER BY"},
		{"ROLLUP", "SELECT campaign, COUNT(*) FROM imps GROUP BY ROLLUP (campaign)", "ROLLUP"},
		{"GROUP BY ALL", "SELECT campaign, COUNT(*) FROM imps GROUP BY ALL", "GROUP BY ALL"},
		{"FILTER", "SELECT COUNT(*) FILTER (WHERE amount > 1) FROM imps", "FILTER"},
		{"CTE without the user id", "WITH x AS (SELECT campaign FROM imps) SELECT campaign, COUNT(*) FROM x GROUP BY campaign", "CTE x"},
		{"CTE aggregating without the user id", "WITH x AS (SELECT MIN(user_id) AS u, campaign FROM imps GROUP BY campaign) SELECT COUNT(*) FROM x", "user-level rows"},
		{"CTE with a window", "WITH x AS (SELECT user_id, rank() OVER (ORDER BY amount) AS r FROM imps) SELECT COUNT(*) FROM x", "window"},
		{"CTE with LIMIT", "WITH x AS (SELECT user_id FROM imps LIMIT 2) SELECT COUNT(*) FROM x", "LIMIT"},
		{"subquery with LIMIT", "SELECT COUNT(*) FROM (SELECT user_id FROM imps ORDER BY amount LIMIT 2) s", "subquery s"},
		{"union without the user id at the same position",
			"WITH x AS (SELECT user_id, campaign FROM imps UNION ALL SELECT campaign, user_id FROM clicks) SELECT COUNT(*) FROM x", "same position"},
		{"EXCEPT", "WITH x AS (SELECT user_id FROM imps EXCEPT SELECT user_id FROM clicks) SELECT COUNT(*) FROM x", "only UNION"},
		{"IN subquery over a DP table", "SELECT COUNT(*) FROM imps WHERE user_id IN (SELECT user_id FROM clicks)", "only in FROM and JOIN"},
		{"EXISTS over a DP CTE", "WITH x AS (SELECT user_id FROM clicks) SELECT COUNT(*) FROM campaigns c JOIN imps i ON c.campaign = i.campaign WHERE EXISTS (SELECT 1 FROM x)", "only in FROM and JOIN"},
		{"scalar subquery over a DP table in a CTE", "WITH x AS (SELECT user_id, (SELECT MAX(user_id) FROM clicks) AS m FROM imps) SELECT COUNT(*) FROM x", "only in FROM and JOIN"},
		{"DP join not on the user id", "SELECT COUNT(*) FROM imps i JOIN clicks c ON i.campaign = c.campaign", "equi-join on the user identifier"},
		{"DP comma join", "SELECT COUNT(*) FROM imps i, clicks c WHERE i.user_id = c.user_id", "equi-join on the user identifier"},
		{"DP join on the user id by OR", "SELECT COUNT(*) FROM imps i JOIN clicks c ON i.user_id = c.user_id OR true", "equi-join on the user identifier"},
		{"FULL join between DP tables", "SELECT COUNT(*) FROM imps i FULL JOIN clicks c ON i.user_id = c.user_id", "FULL join"},
		{"final FROM without a DP table", "WITH x AS (SELECT user_id FROM imps) SELECT COUNT(*) FROM campaigns", "must read a differentially private table"},
		{"user id lost through a transformation", "WITH x AS (SELECT user_id + 1 AS u FROM imps) SELECT COUNT(*) FROM x", "user-level rows"},
		{"disallowed output column still refused", "SELECT email, COUNT(*) FROM imps GROUP BY email", "custom rule"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := plan(t, p, tc.sql, dpTables())
			if err == nil {
				t.Fatalf("accepted, plan %+v", pl.DP)
			}
			wantRefusal(t, err, tc.want)
			if tc.want != "custom rule" {
				wantRefusal(t, err, "differential privacy: ")
			}
		})
	}
}

func TestDPNotForOtherQueries(t *testing.T) {
	p := dpFixtures(t)
	tables := dpTables()
	pl, err := plan(t, p, "SELECT campaign, title FROM campaigns", map[string]*Table{"campaigns": tables["campaigns"]})
	if err != nil {
		t.Fatal(err)
	}
	if pl.DP != nil {
		t.Errorf("a query over no DP table has a DP plan %+v", pl.DP)
	}
	// Any DP table makes the query a DP one, even a non-DP table's columns.
	if _, err := plan(t, p, "SELECT c.title FROM campaigns c JOIN imps i ON c.campaign = i.campaign", tables); err == nil {
		t.Error("a plain query joining a DP table was accepted")
	}
}

func TestDPAcceptedShapes(t *testing.T) {
	p := dpFixtures(t)
	for _, sql := range []string{
		"SELECT i.campaign, COUNT(*) FROM imps i JOIN imps j USING (user_id) GROUP BY i.campaign",
		"SELECT campaign, COUNT(*) FROM imps GROUP BY campaign ORDER BY COUNT(*) DESC, 1 LIMIT 3",
		"WITH u AS (SELECT user_id, SUM(amount) AS total FROM imps GROUP BY user_id) SELECT AVG(total), STDDEV(total) FROM u",
		"WITH u AS (SELECT user_id AS id, campaign FROM clicks UNION SELECT user_id, campaign FROM imps) SELECT c.title, COUNT(DISTINCT u.id) FROM u JOIN campaigns c ON u.campaign = c.campaign GROUP BY c.title",
		"SELECT k, COUNT(*) FROM (SELECT x.user_id, x.campaign AS k FROM (SELECT * FROM imps WHERE amount > 1) x) s GROUP BY k",
		"WITH a AS (SELECT user_id, campaign FROM imps), b AS (SELECT a.user_id, c.user_id AS cu, a.campaign FROM a JOIN clicks c ON a.user_id = c.user_id) SELECT campaign, COUNT(*) FROM b GROUP BY campaign",
		"SELECT COUNT(*) FROM imps WHERE campaign IN (SELECT campaign FROM campaigns)",
	} {
		pl, err := plan(t, p, sql, dpTables())
		if err != nil {
			t.Errorf("%s: %v", sql, err)
			continue
		}
		if pl.DP == nil {
			t.Errorf("%s: no DP plan", sql)
			continue
		}
		// The base query binds and runs.
		rows(t, p, pl.DP.SQL)
	}
}

// Tables with differential privacy must protect the same user identifier
// column: otherwise their users are not one population.
func TestDPRefusesDifferentUserColumns(t *testing.T) {
	p := dpFixtures(t)
	tables := dpTables()
	tables["clicks"].Policy.Custom.DifferentialPrivacy.Columns[0].Name = "campaign"
	_, err := plan(t, p, "SELECT COUNT(*) FROM imps i JOIN clicks c ON i.user_id = c.user_id", tables)
	wantRefusal(t, err, "differential privacy: tables clicks and imps protect different user identifier columns (campaign, user_id)")
	// Alone, each table is fine.
	if _, err := plan(t, p, "SELECT COUNT(*) FROM clicks", tables); err != nil {
		t.Errorf("one DP table: %v", err)
	}
}
