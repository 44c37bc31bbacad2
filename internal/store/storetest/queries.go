package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var protectedQueryTests = []test{
	{"RoundTrip", testQueryRoundTrip},
	{"UpdateRunFields", testQueryUpdate},
	{"ListNewestFirstWithReceivers", testQueryList},
	{"ListStatusFilter", testQueryListStatus},
	{"CountUnfinished", testQueryCountUnfinished},
	{"NextRunnable", testQueryNextRunnable},
	{"ConcurrentClaimOnce", testQueryConcurrentClaim},
	{"RolledBack", testQueryRolledBack},
	{"ReleaseLeases", testQueryReleaseLeases},
}

// fullQuery sets every field, with values that stress encodings.
func fullQuery(id, membershipID, accountID string) *cleanrooms.ProtectedQuery {
	yes := true
	return &cleanrooms.ProtectedQuery{
		ID: id, AccountID: accountID, Region: "us-east-1", MembershipID: membershipID, CollaborationID: "c1",
		Status: cleanrooms.QuerySubmitted,
		SQL: cleanrooms.QuerySQL{QueryString: ptr("SELECT 'it''s ☃' FROM t -- \n"),
			Parameters: map[string]string{"p": "x' OR '1'='1"}},
		ResultConfiguration: &cleanrooms.QueryOutputConfig{Distribute: []cleanrooms.QueryOutputConfigItem{
			{S3: &cleanrooms.QueryS3Output{Bucket: "b", KeyPrefix: "out/", ResultFormat: "PARQUET", SingleFileOutput: &yes}},
			{Member: &cleanrooms.QueryMemberOutput{AccountID: acctB}},
		}},
		Compute:        &cleanrooms.QueryCompute{Type: "CR.4X", Number: 16, Properties: map[string]string{"spark.x": "1"}},
		PayerAccountID: acctB,
		Plan: cleanrooms.QueryPlan{SQL: "SELECT 1", Tables: []cleanrooms.PlanTable{
			{Name: "t", OwnerAccountID: acctA, ConfiguredTableID: "ct1", Columns: []string{"a", "b"}}}},
		Receivers: []cleanrooms.QueryReceiver{
			{AccountID: accountID, MembershipID: membershipID, Direct: true, Bucket: "b", KeyPrefix: "out/", Format: "PARQUET", SingleFile: true},
			{AccountID: acctB, MembershipID: "m2", Bucket: "rb", Format: "CSV"},
		},
		CreateTime: at(10), UpdateTime: at(10),
	}
}

func (h *harness) mustInsertQuery(qs ...*cleanrooms.ProtectedQuery) {
	h.t.Helper()
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, q := range qs {
			if err := tx.InsertProtectedQuery(h.ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}

func (h *harness) mustGetQuery(id string) *cleanrooms.ProtectedQuery {
	h.t.Helper()
	var q *cleanrooms.ProtectedQuery
	if err := h.s.ViewOne(h.ctx, func(tx cleanrooms.ReadTx) (err error) {
		q, err = tx.GetProtectedQuery(h.ctx, id)
		return err
	}); err != nil {
		h.t.Fatalf("GetProtectedQuery(%s): %v", id, err)
	}
	return q
}

func (h *harness) listQueries(membershipID, status string, limit int) [][]string {
	h.t.Helper()
	var pages [][]string
	cursor := ""
	for {
		var items []cleanrooms.ProtectedQuery
		var next string
		if err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) (err error) {
			items, next, err = tx.ListProtectedQueriesOf(h.ctx, membershipID, status, cleanrooms.Page{Cursor: cursor, Limit: limit})
			return err
		}); err != nil {
			h.t.Fatalf("ListProtectedQueriesOf(%s, %q): %v", membershipID, status, err)
		}
		var ids []string
		for _, q := range items {
			ids = append(ids, q.ID)
		}
		pages = append(pages, ids)
		if next == "" {
			return pages
		}
		cursor = next
	}
}

func testQueryRoundTrip(t *testing.T, h *harness) {
	full := fullQuery("q1", "m1", acctA)
	bare := &cleanrooms.ProtectedQuery{ID: "q2", AccountID: acctA, Region: "eu-west-1", MembershipID: "m1",
		CollaborationID: "c1", Status: cleanrooms.QuerySubmitted,
		SQL:        cleanrooms.QuerySQL{AnalysisTemplateArn: ptr("arn:aws:cleanrooms:eu-west-1:111111111111:membership/m1/analysistemplate/t")},
		Plan:       cleanrooms.QueryPlan{SQL: "SELECT 2", Tables: []cleanrooms.PlanTable{}},
		Receivers:  []cleanrooms.QueryReceiver{},
		CreateTime: at(11), UpdateTime: at(11)}
	h.mustInsertQuery(full, bare)
	checkEqual(t, "full query", full, h.mustGetQuery("q1"))
	checkEqual(t, "bare query", bare, h.mustGetQuery("q2"))
	err := h.write(func(tx cleanrooms.Tx) error { return tx.InsertProtectedQuery(h.ctx, fullQuery("q1", "m1", acctA)) })
	wantErr(t, "InsertProtectedQuery(duplicate)", err, cleanrooms.ErrConflict)
	err = h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error { _, err := tx.GetProtectedQuery(h.ctx, "nope"); return err })
	wantErr(t, "GetProtectedQuery(unknown)", err, cleanrooms.ErrNotFound)
}

func testQueryUpdate(t *testing.T, h *harness) {
	h.mustInsertQuery(fullQuery("q1", "m1", acctA))
	q := fullQuery("q1", "m1", acctA)
	q.Status, q.LeaseOwner, q.LeaseExpires, q.Attempts, q.UpdateTime = cleanrooms.QuerySuccess, "r1", at(40), 2, at(41)
	q.Result = &cleanrooms.QueryResult{Locations: []string{"s3://b/out/q1/result/"}, Members: []string{acctB}, Rows: 7}
	q.DurationMillis = 1234
	// Fields outside the run fields are not written by an update.
	changed := *q
	changed.Plan.SQL = "SELECT 'changed'"
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateProtectedQuery(h.ctx, &changed) })
	checkEqual(t, "updated query", q, h.mustGetQuery("q1"))
	q.Status, q.Result, q.Error = cleanrooms.QueryFailed, nil, &cleanrooms.QueryError{Code: "X", Message: "y ☃"}
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateProtectedQuery(h.ctx, q) })
	checkEqual(t, "failed query", q, h.mustGetQuery("q1"))
	err := h.write(func(tx cleanrooms.Tx) error { return tx.UpdateProtectedQuery(h.ctx, fullQuery("nope", "m1", acctA)) })
	wantErr(t, "UpdateProtectedQuery(unknown)", err, cleanrooms.ErrNotFound)
}

func testQueryList(t *testing.T, h *harness) {
	// q1..q5 by m1; q2 and q4 deliver to m2's account; q6 by m3.
	for i, id := range []string{"q1", "q2", "q3", "q4", "q5"} {
		q := fullQuery(id, "m1", acctA)
		q.CreateTime = at(i)
		if i%2 == 0 {
			q.Receivers = q.Receivers[:1]
		}
		h.mustInsertQuery(q)
	}
	h.mustInsertQuery(fullQuery("q6", "m3", acctC))
	checkEqual(t, "m1's queries, pages of 2", [][]string{{"q5", "q4"}, {"q3", "q2"}, {"q1"}}, h.listQueries("m1", "", 2))
	checkEqual(t, "m2 sees what it receives", [][]string{{"q6", "q4", "q2"}}, h.listQueries("m2", "", 10))
	checkEqual(t, "m3", [][]string{{"q6"}}, h.listQueries("m3", "", 10))
	checkEqual(t, "nobody", [][]string{nil}, h.listQueries("m9", "", 10))
	err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, _, err := tx.ListProtectedQueriesOf(h.ctx, "m1", "", cleanrooms.Page{Cursor: "garbage", Limit: 2})
		return err
	})
	wantErr(t, "invalid cursor", err, cleanrooms.ErrInvalidCursor)
}

func testQueryListStatus(t *testing.T, h *harness) {
	for i, id := range []string{"q1", "q2", "q3"} {
		q := fullQuery(id, "m1", acctA)
		if i == 1 {
			q.Status = cleanrooms.QuerySuccess
		}
		h.mustInsertQuery(q)
	}
	checkEqual(t, "SUBMITTED", [][]string{{"q3"}, {"q1"}}, h.listQueries("m1", cleanrooms.QuerySubmitted, 1))
	checkEqual(t, "SUCCESS", [][]string{{"q2"}}, h.listQueries("m1", cleanrooms.QuerySuccess, 1))
	// A cursor of one filter is not one of another.
	var next string
	if err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) (err error) {
		_, next, err = tx.ListProtectedQueriesOf(h.ctx, "m1", cleanrooms.QuerySubmitted, cleanrooms.Page{Limit: 1})
		return err
	}); err != nil || next == "" {
		t.Fatalf("first page: next %q, %v", next, err)
	}
	err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, _, err := tx.ListProtectedQueriesOf(h.ctx, "m1", "", cleanrooms.Page{Cursor: next, Limit: 1})
		return err
	})
	wantErr(t, "cursor of another filter", err, cleanrooms.ErrInvalidCursor)
}

func testQueryCountUnfinished(t *testing.T, h *harness) {
	for i, st := range []string{cleanrooms.QuerySubmitted, cleanrooms.QueryStarted, cleanrooms.QueryCancelling,
		cleanrooms.QueryCancelled, cleanrooms.QuerySuccess, cleanrooms.QueryFailed, cleanrooms.QueryTimedOut} {
		q := fullQuery("q"+string(rune('a'+i)), "m1", acctA)
		q.Status = st
		h.mustInsertQuery(q)
	}
	h.mustInsertQuery(fullQuery("other", "m2", acctB))
	var n int
	if err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) (err error) {
		n, err = tx.CountUnfinishedQueriesOf(h.ctx, "m1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("CountUnfinishedQueriesOf(m1) = %d, want 3 (SUBMITTED, STARTED, CANCELLING)", n)
	}
}

func (h *harness) nextRunnable(now time.Time) (string, error) {
	var q *cleanrooms.ProtectedQuery
	err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) (err error) {
		q, err = tx.NextRunnableQuery(h.ctx, now)
		return err
	})
	if err != nil {
		return "", err
	}
	return q.ID, nil
}

func testQueryNextRunnable(t *testing.T, h *harness) {
	if _, err := h.nextRunnable(at(100)); !errors.Is(err, cleanrooms.ErrNotFound) {
		t.Fatalf("empty store: %v, want ErrNotFound", err)
	}
	done := fullQuery("done", "m1", acctA)
	done.Status = cleanrooms.QuerySuccess
	leased := fullQuery("leased", "m1", acctA)
	leased.Status, leased.LeaseOwner, leased.LeaseExpires = cleanrooms.QueryStarted, "r1", at(200)
	queued := fullQuery("queued", "m1", acctA)
	h.mustInsertQuery(done, leased, queued)
	got, err := h.nextRunnable(at(100))
	if err != nil || got != "queued" {
		t.Fatalf("NextRunnableQuery(100) = %q, %v; want queued (leased is held until 200)", got, err)
	}
	got, err = h.nextRunnable(at(300))
	if err != nil || got != "queued" {
		t.Fatalf("NextRunnableQuery(300) = %q, %v; want queued (queries nobody runs come first)", got, err)
	}
	queued.Status, queued.LeaseOwner, queued.LeaseExpires = cleanrooms.QueryStarted, "r2", at(1000)
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateProtectedQuery(h.ctx, queued) })
	got, err = h.nextRunnable(at(300))
	if err != nil || got != "leased" {
		t.Fatalf("NextRunnableQuery(300) = %q, %v; want leased (its lease expired)", got, err)
	}
}

// testQueryConcurrentClaim: runners that claim the next query in one
// transaction each never claim the same query twice.
func testQueryConcurrentClaim(t *testing.T, h *harness) {
	const queries, runners = 6, 4
	for i := range queries {
		h.mustInsertQuery(fullQuery("q"+string(rune('a'+i)), "m1", acctA))
	}
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var id string
				err := h.s.Transact(h.ctx, func(tx cleanrooms.Tx) error {
					id = ""
					q, err := tx.NextRunnableQuery(h.ctx, at(100))
					if err != nil {
						return err
					}
					q.Status, q.LeaseOwner, q.LeaseExpires = cleanrooms.QueryStarted, string(rune('A'+r)), at(1000)
					id = q.ID
					return tx.UpdateProtectedQuery(h.ctx, q)
				})
				if errors.Is(err, cleanrooms.ErrNotFound) {
					return
				}
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				mu.Lock()
				claimed[id]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != queries {
		t.Errorf("claimed %d distinct queries, want %d: %v", len(claimed), queries, claimed)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("query %s claimed %d times", id, n)
		}
	}
}

func testQueryRolledBack(t *testing.T, h *harness) {
	boom := errors.New("boom")
	err := h.s.Transact(h.ctx, func(tx cleanrooms.Tx) error {
		if err := tx.InsertProtectedQuery(h.ctx, fullQuery("q1", "m1", acctA)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transact = %v, want boom", err)
	}
	checkEqual(t, "viewers after rollback", [][]string{nil}, h.listQueries("m1", "", 10))
	checkEqual(t, "receiver's viewers after rollback", [][]string{nil}, h.listQueries("m2", "", 10))
}

func testQueryReleaseLeases(t *testing.T, h *harness) {
	held := fullQuery("held", "m1", acctA)
	held.Status, held.LeaseOwner, held.LeaseExpires = cleanrooms.QueryStarted, "dead", at(500)
	done := fullQuery("done", "m1", acctA)
	done.Status, done.LeaseOwner, done.LeaseExpires = cleanrooms.QuerySuccess, "dead", at(500)
	h.mustInsertQuery(held, done, fullQuery("queued", "m1", acctA))
	var n int
	h.mustWrite(func(tx cleanrooms.Tx) (err error) {
		n, err = tx.ReleaseQueryLeases(h.ctx)
		return err
	})
	if n != 1 {
		t.Errorf("ReleaseQueryLeases = %d, want 1 (only the held unfinished query)", n)
	}
	if got := h.mustGetQuery("held"); !got.LeaseExpires.IsZero() || got.LeaseOwner != "dead" {
		t.Errorf("held query after release: owner %q expires %v; want owner kept, zero expiry", got.LeaseOwner, got.LeaseExpires)
	}
	if got := h.mustGetQuery("done"); !got.LeaseExpires.Equal(at(500).Truncate(time.Microsecond)) {
		t.Errorf("finished query's lease changed: %v", got.LeaseExpires)
	}
	ids := map[string]bool{}
	for range 2 {
		id, err := h.nextRunnable(at(100))
		if err != nil {
			t.Fatal(err)
		}
		ids[id] = true
		q := h.mustGetQuery(id)
		q.Status, q.LeaseOwner, q.LeaseExpires = cleanrooms.QueryStarted, "new", at(9999)
		h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateProtectedQuery(h.ctx, q) })
	}
	if !ids["held"] || !ids["queued"] {
		t.Errorf("claimable after release: %v, want held and queued", ids)
	}
}
