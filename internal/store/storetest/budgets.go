package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var privacyBudgetTests = []test{
	{"RoundTrip", testBudgetTemplateRoundTrip},
	{"InsertConflictsAndParents", testBudgetTemplateInsertErrors},
	{"UpdateAndDelete", testBudgetTemplateUpdateDelete},
	{"MembershipWithTemplatesCannotBeDeleted", testBudgetTemplateBlocksMembershipDelete},
	{"Paginate", testBudgetTemplatePaginate},
	{"Spend", testBudgetSpend},
	{"SpendRolledBack", testBudgetSpendRolledBack},
	{"ConcurrentSpends", testBudgetConcurrentSpends},
}

func dpTemplate(id, membershipID, collaborationID, accountID string) *cleanrooms.PrivacyBudgetTemplate {
	return &cleanrooms.PrivacyBudgetTemplate{
		ID: id, AccountID: accountID, Region: "us-east-1", MembershipID: membershipID, CollaborationID: collaborationID,
		CollaborationCreatorAccountID: acctA, Type: cleanrooms.BudgetDifferentialPrivacy, AutoRefresh: "CALENDAR_MONTH",
		DP:         &cleanrooms.DPBudgetParams{Epsilon: 7, UsersNoise: 33},
		CreateTime: at(70), UpdateTime: at(71),
	}
}

func accessTemplate(id, membershipID, collaborationID, accountID, arn string) *cleanrooms.PrivacyBudgetTemplate {
	return &cleanrooms.PrivacyBudgetTemplate{
		ID: id, AccountID: accountID, Region: "eu-west-1", MembershipID: membershipID, CollaborationID: collaborationID,
		CollaborationCreatorAccountID: acctA, Type: cleanrooms.BudgetAccess, AutoRefresh: "NONE",
		Access: &cleanrooms.AccessBudgetParams{ResourceArn: arn, Budgets: []cleanrooms.AccessBudgetParam{
			{Type: cleanrooms.PeriodCalendarDay, Budget: 5, AutoRefresh: "ENABLED"},
			{Type: cleanrooms.PeriodLifetime, Budget: 0},
		}},
		CreateTime: at(80), UpdateTime: at(80),
	}
}

func (h *harness) mustInsertBudgetTemplate(ts ...*cleanrooms.PrivacyBudgetTemplate) {
	h.t.Helper()
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, t := range ts {
			if err := tx.InsertPrivacyBudgetTemplate(h.ctx, t); err != nil {
				return err
			}
		}
		return nil
	})
}

func (h *harness) getBudgetTemplate(id string) (*cleanrooms.PrivacyBudgetTemplate, error) {
	var t *cleanrooms.PrivacyBudgetTemplate
	err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) (err error) {
		t, err = tx.GetPrivacyBudgetTemplate(h.ctx, id)
		return err
	})
	return t, err
}

func (h *harness) budgetSpent(p cleanrooms.BudgetPeriod) int64 {
	h.t.Helper()
	var n int64
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		n, err = tx.PrivacyBudgetSpent(h.ctx, p)
		return err
	})
	return n
}

func testBudgetTemplateRoundTrip(t *testing.T, h *harness) {
	templateWorld(h)
	dp, ab := dpTemplate("b1", "m1", "c1", acctA), accessTemplate("b2", "m2", "c1", acctB, "arn:x")
	h.mustInsertBudgetTemplate(dp, ab)
	for _, want := range []*cleanrooms.PrivacyBudgetTemplate{dp, ab} {
		got, err := h.getBudgetTemplate(want.ID)
		if err != nil {
			t.Fatalf("GetPrivacyBudgetTemplate(%s): %v", want.ID, err)
		}
		checkEqual(t, "template "+want.ID, want, got)
		h.mustRead(func(tx cleanrooms.ReadTx) error {
			got, err := tx.PrivacyBudgetTemplateFor(h.ctx, "c1", want.ResourceKey())
			if err != nil {
				return err
			}
			checkEqual(t, "PrivacyBudgetTemplateFor "+want.ID, want, got)
			return nil
		})
	}
	_, err := h.getBudgetTemplate("nope")
	wantErr(t, "GetPrivacyBudgetTemplate(unknown)", err, cleanrooms.ErrNotFound)
	err = h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, err := tx.PrivacyBudgetTemplateFor(h.ctx, "c2", "")
		return err
	})
	wantErr(t, "PrivacyBudgetTemplateFor(c2 has none)", err, cleanrooms.ErrNotFound)
}

func testBudgetTemplateInsertErrors(t *testing.T, h *harness) {
	templateWorld(h)
	h.mustInsertBudgetTemplate(dpTemplate("b1", "m1", "c1", acctA), accessTemplate("b2", "m1", "c1", acctA, "arn:x"))
	for _, tc := range []struct {
		what string
		t    *cleanrooms.PrivacyBudgetTemplate
		want error
	}{
		{"duplicate id", accessTemplate("b1", "m3", "c2", acctA, "arn:y"), cleanrooms.ErrConflict},
		{"second DP template of c1", dpTemplate("b3", "m2", "c1", acctB), cleanrooms.ErrConflict},
		{"second access budget of arn:x in c1", accessTemplate("b4", "m2", "c1", acctB, "arn:x"), cleanrooms.ErrConflict},
		{"unknown membership", dpTemplate("b5", "nope", "c2", acctA), cleanrooms.ErrNotFound},
		{"unknown collaboration", dpTemplate("b6", "m3", "nope", acctA), cleanrooms.ErrNotFound},
	} {
		err := h.write(func(tx cleanrooms.Tx) error { return tx.InsertPrivacyBudgetTemplate(h.ctx, tc.t) })
		wantErr(t, "InsertPrivacyBudgetTemplate("+tc.what+")", err, tc.want)
	}
	// Another collaboration and another resource are free.
	h.mustInsertBudgetTemplate(dpTemplate("b7", "m3", "c2", acctA), accessTemplate("b8", "m2", "c1", acctB, "arn:z"))
}

func testBudgetTemplateUpdateDelete(t *testing.T, h *harness) {
	templateWorld(h)
	h.mustInsertBudgetTemplate(dpTemplate("b1", "m1", "c1", acctA))
	up := dpTemplate("b1", "m1", "c1", acctA)
	up.DP.Epsilon, up.DP.UsersNoise, up.UpdateTime = 1, 100, at(90)
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdatePrivacyBudgetTemplate(h.ctx, up) })
	got, err := h.getBudgetTemplate("b1")
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "updated template", up, got)
	err = h.write(func(tx cleanrooms.Tx) error {
		return tx.UpdatePrivacyBudgetTemplate(h.ctx, dpTemplate("nope", "m1", "c1", acctA))
	})
	wantErr(t, "UpdatePrivacyBudgetTemplate(unknown)", err, cleanrooms.ErrNotFound)
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeletePrivacyBudgetTemplate(h.ctx, "b1") })
	_, err = h.getBudgetTemplate("b1")
	wantErr(t, "GetPrivacyBudgetTemplate(deleted)", err, cleanrooms.ErrNotFound)
	err = h.write(func(tx cleanrooms.Tx) error { return tx.DeletePrivacyBudgetTemplate(h.ctx, "b1") })
	wantErr(t, "DeletePrivacyBudgetTemplate(deleted)", err, cleanrooms.ErrNotFound)
	// Once deleted, the collaboration may have a DP template again.
	h.mustInsertBudgetTemplate(dpTemplate("b2", "m2", "c1", acctB))
}

func testBudgetTemplateBlocksMembershipDelete(t *testing.T, h *harness) {
	templateWorld(h)
	h.mustInsertBudgetTemplate(dpTemplate("b1", "m1", "c1", acctA))
	if err := h.write(func(tx cleanrooms.Tx) error { return tx.DeleteMembership(h.ctx, "m1") }); err == nil {
		t.Fatalf("DeleteMembership of a membership with a privacy budget template succeeded")
	}
	var n int
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		n, err = tx.CountPrivacyBudgetTemplatesOf(h.ctx, "m1")
		return err
	})
	if n != 1 {
		t.Errorf("CountPrivacyBudgetTemplatesOf(m1) = %d, want 1", n)
	}
}

func testBudgetTemplatePaginate(t *testing.T, h *harness) {
	templateWorld(h)
	var ofM1, ofC1 []cleanrooms.PrivacyBudgetTemplate
	for i := range 7 {
		ms, acct := "m1", acctA
		if i%3 == 1 {
			ms, acct = "m2", acctB
		}
		bt := accessTemplate(fmt.Sprintf("b%02d", 20-i), ms, "c1", acct, fmt.Sprintf("arn:%d", i))
		other := accessTemplate(fmt.Sprintf("x%02d", i), "m3", "c2", acctA, fmt.Sprintf("arn:%d", i))
		h.mustInsertBudgetTemplate(bt, other)
		ofC1 = append(ofC1, *bt)
		if ms == "m1" {
			ofM1 = append(ofM1, *bt)
		}
	}
	checkPages(t, h, "ListPrivacyBudgetTemplatesOf(m1)", ofM1, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.PrivacyBudgetTemplate, string, error) {
		return tx.ListPrivacyBudgetTemplatesOf(h.ctx, "m1", p)
	})
	checkPages(t, h, "ListCollaborationPrivacyBudgetTemplates(c1)", ofC1, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.PrivacyBudgetTemplate, string, error) {
		return tx.ListCollaborationPrivacyBudgetTemplates(h.ctx, "c1", p)
	})
	checkPages(t, h, "ListPrivacyBudgetTemplatesOf(unknown)", []cleanrooms.PrivacyBudgetTemplate(nil), func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.PrivacyBudgetTemplate, string, error) {
		return tx.ListPrivacyBudgetTemplatesOf(h.ctx, "nope", p)
	})
	err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		_, next, err := tx.ListPrivacyBudgetTemplatesOf(h.ctx, "m1", cleanrooms.Page{Limit: 1})
		if err != nil {
			return err
		}
		_, _, err = tx.ListCollaborationPrivacyBudgetTemplates(h.ctx, "c1", cleanrooms.Page{Cursor: next, Limit: 1})
		return err
	})
	wantErr(t, "a cursor of ListPrivacyBudgetTemplatesOf in ListCollaborationPrivacyBudgetTemplates", err, cleanrooms.ErrInvalidCursor)
}

func (h *harness) spend(p cleanrooms.BudgetPeriod, amount, limit int64) bool {
	h.t.Helper()
	var ok bool
	h.mustWrite(func(tx cleanrooms.Tx) (err error) {
		ok, err = tx.SpendPrivacyBudget(h.ctx, p, amount, limit)
		return err
	})
	return ok
}

func testBudgetSpend(t *testing.T, h *harness) {
	month := cleanrooms.BudgetPeriod{Scope: "c1", Period: cleanrooms.PeriodCalendarMonth, Start: at(0)}
	next := cleanrooms.BudgetPeriod{Scope: "c1", Period: cleanrooms.PeriodCalendarMonth, Start: at(3600)}
	life := cleanrooms.BudgetPeriod{Scope: "c1", Period: cleanrooms.PeriodLifetime}
	other := cleanrooms.BudgetPeriod{Scope: "arn:x", Period: cleanrooms.PeriodCalendarMonth, Start: at(0)}
	steps := []struct {
		p             cleanrooms.BudgetPeriod
		amount, limit int64
		want          bool
	}{
		{month, 11, 10, false}, // more than the whole budget: nothing is written
		{month, 4, 10, true},
		{month, 6, 10, true},
		{month, 1, 10, false},
		{next, 3_000_000_000, 10_000_000_000, true}, // another period
		{life, 9_000_000_000, -1, true},             // no limit
		{life, 9_000_000_000, -1, true},
		{other, 10, 10, true},
		{other, 0, 10, true},
		{other, 1, 20, true}, // a larger limit (the budget was raised)
	}
	for i, s := range steps {
		if got := h.spend(s.p, s.amount, s.limit); got != s.want {
			t.Errorf("step %d: SpendPrivacyBudget(%v, %d, %d) = %v, want %v", i, s.p, s.amount, s.limit, got, s.want)
		}
	}
	for _, c := range []struct {
		p    cleanrooms.BudgetPeriod
		want int64
	}{
		{month, 10}, {next, 3_000_000_000}, {life, 18_000_000_000}, {other, 11},
		{cleanrooms.BudgetPeriod{Scope: "c2", Period: cleanrooms.PeriodLifetime}, 0},
	} {
		if got := h.budgetSpent(c.p); got != c.want {
			t.Errorf("PrivacyBudgetSpent(%v) = %d, want %d", c.p, got, c.want)
		}
	}
}

// A spend is part of its transaction: rolled back with it.
func testBudgetSpendRolledBack(t *testing.T, h *harness) {
	p := cleanrooms.BudgetPeriod{Scope: "c1", Period: cleanrooms.PeriodLifetime}
	errRefused := errors.New("refused")
	err := h.s.Transact(h.ctx, func(tx cleanrooms.Tx) error {
		if ok, err := tx.SpendPrivacyBudget(h.ctx, p, 5, 10); err != nil || !ok {
			return fmt.Errorf("spend: %v %v", ok, err)
		}
		return errRefused
	})
	wantErr(t, "Transact", err, errRefused)
	if got := h.budgetSpent(p); got != 0 {
		t.Errorf("spent after rollback = %d, want 0", got)
	}
}

// 50 concurrent transactions, each reading the spend and spending 1 from a
// budget of 10: exactly 10 succeed, and the ledger says 10.
func testBudgetConcurrentSpends(t *testing.T, h *harness) {
	const budget, workers = 10, 50
	p := cleanrooms.BudgetPeriod{Scope: "c1", Period: cleanrooms.PeriodCalendarDay, Start: at(0)}
	errSpent := errors.New("spent")
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = h.s.Transact(h.ctx, func(tx cleanrooms.Tx) error {
				// Read first, as the service does to report what is left.
				if _, err := tx.PrivacyBudgetSpent(h.ctx, p); err != nil {
					return err
				}
				ok, err := tx.SpendPrivacyBudget(h.ctx, p, 1, budget)
				if err != nil {
					return err
				}
				if !ok {
					return errSpent
				}
				return nil
			})
		}()
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, errSpent):
			t.Errorf("worker %d: %v", i, err)
		}
	}
	if got := h.budgetSpent(p); ok != budget || got != budget {
		t.Errorf("%d spends committed and %d recorded, want %d", ok, got, budget)
	}
}
