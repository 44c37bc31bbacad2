package sqlstore

import (
	"strings"
	"testing"
)

// Every statement is an index seek: no table or index scan and no sort, so
// a page costs the same at any depth and table size. ListMembers is the
// one exception (migration 0009): it seeks one collaboration's rows, at
// most the members quota of them, and sorts those.
func TestQueryPlans(t *testing.T) {
	sorts := map[string]bool{listMembersSQL: true, listMembersAfterSQL: true}
	s, _ := mustOpenTemp(t, Options{})
	queries := []string{
		// Run unprepared, so not in preparedSQL.
		membershipsOfSQL(3),
		membershipSummariesOfSQL(3),
		countMembershipsOfSQL(4),
		collaborationsOfSQL(4),
		"DELETE FROM tags WHERE arn = ? AND tag_key IN " + placeholders(3),
	}
	for q := range preparedSQL {
		queries = append(queries, q)
	}
	for _, q := range queries {
		args := make([]any, strings.Count(q, "?"))
		for i := range args {
			args[i] = 1
		}
		rows, err := s.w.Query("EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			// EXISTS (...) checks read no table themselves: their
			// subqueries are the steps that must seek.
			if step == "SCAN CONSTANT ROW" || strings.HasPrefix(step, "SCALAR SUBQUERY") {
				continue
			}
			if sorts[q] && step == "USE TEMP B-TREE FOR ORDER BY" {
				continue
			}
			if !strings.HasPrefix(step, "SEARCH") || strings.Contains(step, "TEMP B-TREE") {
				t.Errorf("plan %q of %s is not an index seek", plan, q)
			}
		}
	}
}
