package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var analysisTemplateTests = []test{
	{"RoundTrip", testTemplateRoundTrip},
	{"Update", testTemplateUpdate},
	{"Delete", testTemplateDelete},
	{"InsertConflictsAndParents", testTemplateInsertErrors},
	{"MembershipWithTemplatesCannotBeDeleted", testTemplateBlocksMembershipDelete},
	{"BatchGet", testTemplateBatchGet},
	{"Paginate", testTemplatePaginate},
	{"Count", testTemplateCount},
	{"InvalidCursor", testTemplateInvalidCursor},
	{"NoAliasing", testTemplateNoAliasing},
	{"RolledBack", testTemplateRolledBack},
	{"ConcurrentCountAndInsert", testTemplateConcurrentQuota},
}

// fullTemplate sets every field, with values that stress encodings.
func fullTemplate(id, membershipID, collaborationID, accountID string) *cleanrooms.AnalysisTemplate {
	return &cleanrooms.AnalysisTemplate{
		ID: id, AccountID: accountID, Region: "us-east-1", MembershipID: membershipID, CollaborationID: collaborationID,
		CollaborationCreatorAccountID: acctA,
		Name:                          "template ☃ " + id,
		Description:                   "line 1\nline 2\t'single' \"double\" \\ % _ ;--",
		Format:                        cleanrooms.FormatSQL,
		Text:                          ptr("SELECT a, 'it''s' FROM users u JOIN \"purchases\" p ON u.id = p.uid WHERE b = :param1 -- ☃\n"),
		Parameters: []cleanrooms.TemplateParameter{
			{Name: "param1", Type: "VARCHAR", DefaultValue: ptr("")},
			{Name: "p2", Type: "INTEGER"},
		},
		ReferencedTables: []string{"users", "purchases"},
		ErrorMessageType: "DETAILED",
		SyntheticData: &cleanrooms.SyntheticDataParams{Epsilon: 0.5, MaxMembershipInferenceAttackScore: 0.75,
			ColumnMapping: []cleanrooms.SyntheticDataColumn{{ColumnName: "c", ColumnType: "CATEGORICAL", IsPredictiveValue: true}}},
		CreateTime: at(50), UpdateTime: at(51),
	}
}

// pysparkTemplate is a PySpark template with the SQL-only fields unset
// and an empty (not nil) parameter list.
func pysparkTemplate(id, membershipID, collaborationID, accountID string) *cleanrooms.AnalysisTemplate {
	return &cleanrooms.AnalysisTemplate{
		ID: id, AccountID: accountID, Region: "eu-west-1", MembershipID: membershipID, CollaborationID: collaborationID,
		CollaborationCreatorAccountID: acctC,
		Name:                          "p", Format: cleanrooms.FormatPySpark10,
		Artifacts: &cleanrooms.TemplateArtifacts{
			EntryPoint:          cleanrooms.S3Location{Bucket: "code", Key: "main.py"},
			AdditionalArtifacts: []cleanrooms.S3Location{{Bucket: "code", Key: "lib.zip"}},
			RoleArn:             "arn:aws:iam::" + accountID + ":role/artifacts",
		},
		ArtifactHashes: &cleanrooms.TemplateArtifactHashes{EntryPoint: "ab", Additional: []string{""}},
		Parameters:     []cleanrooms.TemplateParameter{},
		CreateTime:     at(60), UpdateTime: at(60),
	}
}

// templateWorld is collaboration c1 with memberships m1 (acctA) and m2
// (acctB), and collaboration c2 with m3 (acctA).
func templateWorld(h *harness) {
	h.t.Helper()
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctA))
	h.mustInsertMembership(membership("m1", "c1", acctA), membership("m2", "c1", acctB), membership("m3", "c2", acctA))
}

func (h *harness) mustInsertTemplate(ts ...*cleanrooms.AnalysisTemplate) {
	h.t.Helper()
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, t := range ts {
			if err := tx.InsertAnalysisTemplate(h.ctx, t); err != nil {
				return err
			}
		}
		return nil
	})
}

func (h *harness) getTemplate(id string) (*cleanrooms.AnalysisTemplate, error) {
	var t *cleanrooms.AnalysisTemplate
	err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) (err error) {
		t, err = tx.GetAnalysisTemplate(h.ctx, id)
		return err
	})
	return t, err
}

func (h *harness) mustGetTemplate(id string) *cleanrooms.AnalysisTemplate {
	h.t.Helper()
	t, err := h.getTemplate(id)
	if err != nil {
		h.t.Fatalf("GetAnalysisTemplate(%s): %v", id, err)
	}
	return t
}

func testTemplateRoundTrip(t *testing.T, h *harness) {
	templateWorld(h)
	full, py := fullTemplate("t1", "m1", "c1", acctA), pysparkTemplate("t2", "m2", "c1", acctB)
	h.mustInsertTemplate(full, py)
	checkEqual(t, "full template", full, h.mustGetTemplate("t1"))
	checkEqual(t, "PySpark template", py, h.mustGetTemplate("t2"))
	// Nil parameters stay nil; ViewOne reads the same.
	bare := pysparkTemplate("t3", "m1", "c1", acctA)
	bare.Parameters, bare.ArtifactHashes, bare.Artifacts.AdditionalArtifacts = nil, nil, nil
	h.mustInsertTemplate(bare)
	var got *cleanrooms.AnalysisTemplate
	if err := h.s.ViewOne(h.ctx, func(tx cleanrooms.ReadTx) (err error) {
		got, err = tx.GetAnalysisTemplate(h.ctx, "t3")
		return err
	}); err != nil {
		t.Fatalf("ViewOne GetAnalysisTemplate: %v", err)
	}
	checkEqual(t, "template without parameters (ViewOne)", bare, got)
	// A large SQL text survives whole.
	big := fullTemplate("t4", "m1", "c1", acctA)
	big.Text = ptr("SELECT 1 FROM t WHERE x IN (" + fmt.Sprintf("%0499950d", 0) + ")")
	h.mustInsertTemplate(big)
	checkEqual(t, "template with a 500,000-character text", big, h.mustGetTemplate("t4"))
	_, err := h.getTemplate("nope")
	wantErr(t, "GetAnalysisTemplate(unknown)", err, cleanrooms.ErrNotFound)
}

func testTemplateUpdate(t *testing.T, h *harness) {
	templateWorld(h)
	h.mustInsertTemplate(fullTemplate("t1", "m1", "c1", acctA), fullTemplate("t2", "m1", "c1", acctA))
	changed := fullTemplate("t1", "m1", "c1", acctA)
	changed.Description, changed.UpdateTime = "", at(99)
	changed.Parameters, changed.ReferencedTables, changed.SyntheticData = nil, []string{}, nil
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateAnalysisTemplate(h.ctx, changed) })
	checkEqual(t, "updated template", changed, h.mustGetTemplate("t1"))
	checkEqual(t, "the other template", fullTemplate("t2", "m1", "c1", acctA), h.mustGetTemplate("t2"))
	err := h.write(func(tx cleanrooms.Tx) error {
		return tx.UpdateAnalysisTemplate(h.ctx, fullTemplate("nope", "m1", "c1", acctA))
	})
	wantErr(t, "UpdateAnalysisTemplate(unknown)", err, cleanrooms.ErrNotFound)
}

func testTemplateDelete(t *testing.T, h *harness) {
	templateWorld(h)
	h.mustInsertTemplate(fullTemplate("t1", "m1", "c1", acctA), fullTemplate("t2", "m1", "c1", acctA))
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteAnalysisTemplate(h.ctx, "t1") })
	_, err := h.getTemplate("t1")
	wantErr(t, "GetAnalysisTemplate after delete", err, cleanrooms.ErrNotFound)
	h.mustGetTemplate("t2")
	err = h.write(func(tx cleanrooms.Tx) error { return tx.DeleteAnalysisTemplate(h.ctx, "t1") })
	wantErr(t, "DeleteAnalysisTemplate twice", err, cleanrooms.ErrNotFound)
	// The id can be used again.
	h.mustInsertTemplate(fullTemplate("t1", "m2", "c1", acctB))
	checkEqual(t, "re-inserted template", fullTemplate("t1", "m2", "c1", acctB), h.mustGetTemplate("t1"))
}

func testTemplateInsertErrors(t *testing.T, h *harness) {
	templateWorld(h)
	h.mustInsertTemplate(fullTemplate("t1", "m1", "c1", acctA))
	err := h.write(func(tx cleanrooms.Tx) error {
		return tx.InsertAnalysisTemplate(h.ctx, fullTemplate("t1", "m2", "c1", acctB))
	})
	wantErr(t, "InsertAnalysisTemplate(duplicate id)", err, cleanrooms.ErrConflict)
	err = h.write(func(tx cleanrooms.Tx) error {
		return tx.InsertAnalysisTemplate(h.ctx, fullTemplate("t2", "no-such-membership", "c1", acctA))
	})
	wantErr(t, "InsertAnalysisTemplate(unknown membership)", err, cleanrooms.ErrNotFound)
	err = h.write(func(tx cleanrooms.Tx) error {
		return tx.InsertAnalysisTemplate(h.ctx, fullTemplate("t3", "m1", "no-such-collaboration", acctA))
	})
	wantErr(t, "InsertAnalysisTemplate(unknown collaboration)", err, cleanrooms.ErrNotFound)
	checkEqual(t, "the first template after the failed inserts", fullTemplate("t1", "m1", "c1", acctA), h.mustGetTemplate("t1"))
}

// The store keeps a membership that still has templates: deleting it
// fails and changes nothing (the service refuses earlier, with a 409).
func testTemplateBlocksMembershipDelete(t *testing.T, h *harness) {
	templateWorld(h)
	h.mustInsertTemplate(fullTemplate("t1", "m1", "c1", acctA))
	if err := h.write(func(tx cleanrooms.Tx) error { return tx.DeleteMembership(h.ctx, "m1") }); err == nil {
		t.Fatalf("DeleteMembership of a membership with a template succeeded")
	}
	h.mustGetMembership("m1")
	h.mustWrite(func(tx cleanrooms.Tx) error {
		if err := tx.DeleteAnalysisTemplate(h.ctx, "t1"); err != nil {
			return err
		}
		return tx.DeleteMembership(h.ctx, "m1")
	})
}

func testTemplateBatchGet(t *testing.T, h *harness) {
	templateWorld(h)
	t1, t2, t3 := fullTemplate("t1", "m1", "c1", acctA), pysparkTemplate("t2", "m2", "c1", acctB), fullTemplate("t3", "m3", "c2", acctA)
	h.mustInsertTemplate(t1, t2, t3)
	for _, tc := range []struct {
		ids  []string
		want []cleanrooms.AnalysisTemplate
	}{
		{[]string{"t3", "t1"}, []cleanrooms.AnalysisTemplate{*t3, *t1}},
		{[]string{"nope", "t2", "t2", "t1"}, []cleanrooms.AnalysisTemplate{*t2, *t1}},
		{[]string{"nope"}, []cleanrooms.AnalysisTemplate{}},
		{[]string{}, []cleanrooms.AnalysisTemplate{}},
	} {
		var got []cleanrooms.AnalysisTemplate
		if err := h.s.ViewOne(h.ctx, func(tx cleanrooms.ReadTx) (err error) {
			got, err = tx.GetAnalysisTemplates(h.ctx, tc.ids)
			return err
		}); err != nil {
			t.Fatalf("GetAnalysisTemplates(%v): %v", tc.ids, err)
		}
		checkEqual(t, fmt.Sprintf("GetAnalysisTemplates(%v)", tc.ids), tc.want, got)
	}
}

func testTemplatePaginate(t *testing.T, h *harness) {
	templateWorld(h)
	var ofM1, ofC1 []cleanrooms.AnalysisTemplate
	for i := range 8 {
		ms, acct := "m1", acctA
		if i%3 == 1 {
			ms, acct = "m2", acctB
		}
		tp := fullTemplate(fmt.Sprintf("t%02d", 20-i), ms, "c1", acct) // ids descend: order is creation order
		other := fullTemplate(fmt.Sprintf("x%02d", i), "m3", "c2", acctA)
		h.mustInsertTemplate(tp, other)
		ofC1 = append(ofC1, *tp)
		if ms == "m1" {
			ofM1 = append(ofM1, *tp)
		}
	}
	checkPages(t, h, "ListAnalysisTemplatesOf(m1)", ofM1, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.AnalysisTemplate, string, error) {
		return tx.ListAnalysisTemplatesOf(h.ctx, "m1", p)
	})
	checkPages(t, h, "ListCollaborationAnalysisTemplates(c1)", ofC1, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.AnalysisTemplate, string, error) {
		return tx.ListCollaborationAnalysisTemplates(h.ctx, "c1", p)
	})
	checkPages(t, h, "ListAnalysisTemplatesOf(unknown)", []cleanrooms.AnalysisTemplate(nil), func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.AnalysisTemplate, string, error) {
		return tx.ListAnalysisTemplatesOf(h.ctx, "nope", p)
	})
	// A page through ViewOne is the same page.
	var first []cleanrooms.AnalysisTemplate
	if err := h.s.ViewOne(h.ctx, func(tx cleanrooms.ReadTx) (err error) {
		first, _, err = tx.ListCollaborationAnalysisTemplates(h.ctx, "c1", cleanrooms.Page{Limit: 3})
		return err
	}); err != nil {
		t.Fatalf("ViewOne ListCollaborationAnalysisTemplates: %v", err)
	}
	checkEqual(t, "first page through ViewOne", ofC1[:3], first)
}

func testTemplateCount(t *testing.T, h *harness) {
	templateWorld(h)
	count := func(ms string) int {
		var n int
		h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
			n, err = tx.CountAnalysisTemplatesOf(h.ctx, ms)
			return err
		})
		return n
	}
	if n := count("m1"); n != 0 {
		t.Errorf("count before any template = %d", n)
	}
	h.mustInsertTemplate(fullTemplate("t1", "m1", "c1", acctA), fullTemplate("t2", "m1", "c1", acctA), fullTemplate("t3", "m2", "c1", acctB))
	if a, b := count("m1"), count("m2"); a != 2 || b != 1 {
		t.Errorf("counts = %d, %d; want 2, 1", a, b)
	}
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteAnalysisTemplate(h.ctx, "t1") })
	if n := count("m1"); n != 1 {
		t.Errorf("count after a delete = %d, want 1", n)
	}
}

func testTemplateInvalidCursor(t *testing.T, h *harness) {
	templateWorld(h)
	h.mustInsertTemplate(fullTemplate("t1", "m1", "c1", acctA), fullTemplate("t2", "m1", "c1", acctA),
		fullTemplate("t3", "m3", "c2", acctA), fullTemplate("t4", "m3", "c2", acctA))
	h.mustInsertMembership(membership("m4", "c2", acctB))
	lists := map[string]func(tx cleanrooms.ReadTx, cursor string) (string, error){
		"ListAnalysisTemplatesOf(m1)": func(tx cleanrooms.ReadTx, c string) (string, error) {
			_, next, err := tx.ListAnalysisTemplatesOf(h.ctx, "m1", cleanrooms.Page{Cursor: c, Limit: 1})
			return next, err
		},
		"ListAnalysisTemplatesOf(m3)": func(tx cleanrooms.ReadTx, c string) (string, error) {
			_, next, err := tx.ListAnalysisTemplatesOf(h.ctx, "m3", cleanrooms.Page{Cursor: c, Limit: 1})
			return next, err
		},
		"ListCollaborationAnalysisTemplates(c1)": func(tx cleanrooms.ReadTx, c string) (string, error) {
			_, next, err := tx.ListCollaborationAnalysisTemplates(h.ctx, "c1", cleanrooms.Page{Cursor: c, Limit: 1})
			return next, err
		},
		"ListMembershipsOf(acctA)": func(tx cleanrooms.ReadTx, c string) (string, error) {
			_, next, err := tx.ListMembershipsOf(h.ctx, acctA, nil, cleanrooms.Page{Cursor: c, Limit: 1})
			return next, err
		},
	}
	genuine := map[string]string{}
	for name, list := range lists {
		h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
			genuine[name], err = list(tx, "")
			return err
		})
		if genuine[name] == "" {
			t.Fatalf("%s: no next cursor after the first of two items", name)
		}
	}
	for name, list := range lists {
		if name == "ListMembershipsOf(acctA)" {
			continue // checked by Pagination/InvalidCursor
		}
		bad := []string{"garbage", "djE6"}
		for other, c := range genuine {
			if other != name {
				bad = append(bad, c)
			}
		}
		for _, c := range bad {
			err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
				_, err := list(tx, c)
				return err
			})
			wantErr(t, fmt.Sprintf("%s with cursor %.30q", name, c), err, cleanrooms.ErrInvalidCursor)
		}
	}
}

func testTemplateNoAliasing(t *testing.T, h *harness) {
	templateWorld(h)
	in := fullTemplate("t1", "m1", "c1", acctA)
	h.mustInsertTemplate(in)
	*in.Text = "MUTATED"
	in.Parameters[0].Name = "MUTATED"
	in.ReferencedTables[0] = "MUTATED"
	got := h.mustGetTemplate("t1")
	got.Parameters[0].Name = "MUTATED AGAIN"
	*got.Text = "MUTATED AGAIN"
	checkEqual(t, "template after mutating the given and returned records", fullTemplate("t1", "m1", "c1", acctA), h.mustGetTemplate("t1"))
}

func testTemplateRolledBack(t *testing.T, h *harness) {
	templateWorld(h)
	boom := fmt.Errorf("boom")
	err := h.write(func(tx cleanrooms.Tx) error {
		if err := tx.InsertAnalysisTemplate(h.ctx, fullTemplate("t1", "m1", "c1", acctA)); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, "Transact", err, boom)
	_, err = h.getTemplate("t1")
	wantErr(t, "GetAnalysisTemplate after rollback", err, cleanrooms.ErrNotFound)
}

// A count and an insert in one transaction are serializable: concurrent
// transactions that each insert only below a limit never exceed it
// (the service's quota check relies on it).
func testTemplateConcurrentQuota(t *testing.T, h *harness) {
	templateWorld(h)
	const limit, workers = 5, 12
	errFull := errors.New("full")
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = h.s.Transact(h.ctx, func(tx cleanrooms.Tx) error {
				n, err := tx.CountAnalysisTemplatesOf(h.ctx, "m1")
				if err != nil {
					return err
				}
				if n >= limit {
					return errFull
				}
				return tx.InsertAnalysisTemplate(h.ctx, fullTemplate(fmt.Sprintf("t%02d", i), "m1", "c1", acctA))
			})
		}()
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, errFull):
			t.Errorf("worker %d: %v", i, err)
		}
	}
	var n int
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		n, err = tx.CountAnalysisTemplatesOf(h.ctx, "m1")
		return err
	})
	if ok != limit || n != limit {
		t.Errorf("%d inserts committed and %d counted, want %d", ok, n, limit)
	}
}
