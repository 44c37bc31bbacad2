package storetest

import (
	"fmt"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var tableTests = []test{
	{"RoundTrip", testConfiguredTableRoundTrip},
	{"GetMissing", testConfiguredTableGetMissing},
	{"Update", testConfiguredTableUpdate},
	{"RuleOnePerTable", testTableRuleOnePerTable},
	{"RuleLifecycle", testTableRuleLifecycle},
	{"DeleteTakesRule", testConfiguredTableDeleteTakesRule},
	{"ListOfAccountAndRegion", testListConfiguredTablesOf},
	{"AssociationRoundTrip", testAssociationRoundTrip},
	{"AssociationConflicts", testAssociationConflicts},
	{"AssociationParentsMustExist", testAssociationParents},
	{"AssociationRules", testAssociationRules},
	{"AssociationBlocksDeletes", testAssociationBlocksDeletes},
	{"ListAssociationsOf", testListAssociationsOf},
	{"SchemaSources", testSchemaSources},
	{"ListSchemaSources", testListSchemaSources},
	{"InvalidCursors", testTableCursors},
	{"CollaborationMember", testCollaborationMember},
}

// fullTable sets every field, with values that stress encodings.
func fullTable(id, account string) *cleanrooms.ConfiguredTable {
	return &cleanrooms.ConfiguredTable{
		ID: id, AccountID: account, Region: "us-east-1",
		Name: "Table " + id + " ☃", Description: "line 1\nline 2 'q' \"d\" \\ %",
		TableReference: cleanrooms.TableReference{Glue: &cleanrooms.GlueTableReference{
			DatabaseName: "db", TableName: "table with spaces", Region: "eu-west-1"}},
		AllowedColumns:          []string{"a", "b b", "c"},
		AnalysisMethod:          "MULTIPLE",
		SelectedAnalysisMethods: []string{"DIRECT_QUERY", "DIRECT_JOB"},
		CreateTime:              at(50), UpdateTime: at(51),
	}
}

// table is a plain table with the optional fields unset.
func table(id, account string) *cleanrooms.ConfiguredTable {
	return &cleanrooms.ConfiguredTable{
		ID: id, AccountID: account, Region: "us-east-1", Name: "t",
		TableReference: cleanrooms.TableReference{Athena: &cleanrooms.AthenaTableReference{
			WorkGroup: "wg", DatabaseName: "db", TableName: "t", OutputLocation: ptr("s3://out/")}},
		AllowedColumns: []string{"a"}, AnalysisMethod: "DIRECT_QUERY",
		CreateTime: at(52), UpdateTime: at(52),
	}
}

func aggregationRule(tableID string) *cleanrooms.TableAnalysisRule {
	return &cleanrooms.TableAnalysisRule{
		ConfiguredTableID: tableID, Type: cleanrooms.RuleAggregation,
		Policy: cleanrooms.TablePolicy{Aggregation: &cleanrooms.AggregationPolicy{
			AggregateColumns:     []cleanrooms.AggregateColumn{{ColumnNames: []string{"a"}, Function: "SUM"}},
			JoinColumns:          []string{"b b"},
			AllowedJoinOperators: []string{"OR"},
			DimensionColumns:     []string{},
			ScalarFunctions:      []string{"TRUNC"},
			OutputConstraints:    []cleanrooms.AggregationConstraint{{ColumnName: "c", Minimum: 2, Type: "COUNT_DISTINCT"}},
			JoinRequired:         "QUERY_RUNNER",
		}},
		CreateTime: at(60), UpdateTime: at(61),
	}
}

func customRule(tableID string) *cleanrooms.TableAnalysisRule {
	return &cleanrooms.TableAnalysisRule{
		ConfiguredTableID: tableID, Type: cleanrooms.RuleCustom,
		Policy: cleanrooms.TablePolicy{Custom: &cleanrooms.CustomPolicy{
			AllowedAnalyses:          []string{},
			AllowedAnalysisProviders: []string{acctB},
			DifferentialPrivacy:      &cleanrooms.DifferentialPrivacyPolicy{Columns: []cleanrooms.DifferentialPrivacyColumn{{Name: "a"}}},
		}},
		CreateTime: at(62), UpdateTime: at(62),
	}
}

func association(id, membershipID, collaborationID, tableID, name string) *cleanrooms.Association {
	return &cleanrooms.Association{
		ID: id, AccountID: acctA, Region: "us-east-1", MembershipID: membershipID, CollaborationID: collaborationID,
		ConfiguredTableID: tableID, Name: name, Description: "d\n☃", RoleArn: "arn:aws:iam::" + acctA + ":role/r",
		CreateTime: at(70), UpdateTime: at(71), RuleTypes: []string{},
	}
}

func associationRule(associationID, typ string) *cleanrooms.AssociationAnalysisRule {
	return &cleanrooms.AssociationAnalysisRule{
		AssociationID: associationID, Type: typ,
		Policy:     cleanrooms.AssociationPolicy{AllowedResultReceivers: []string{acctA, acctB}},
		CreateTime: at(80), UpdateTime: at(81),
	}
}

func (h *harness) mustGetTable(id string) *cleanrooms.ConfiguredTable {
	h.t.Helper()
	var ct *cleanrooms.ConfiguredTable
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		ct, err = tx.GetConfiguredTable(h.ctx, id)
		return err
	})
	return ct
}

func (h *harness) mustGetAssociation(id string) *cleanrooms.Association {
	h.t.Helper()
	var a *cleanrooms.Association
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		a, err = tx.GetAssociation(h.ctx, id)
		return err
	})
	return a
}

func (h *harness) mustInsert(fns ...func(tx cleanrooms.Tx) error) {
	h.t.Helper()
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, fn := range fns {
			if err := fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
}

func (h *harness) insTable(ct *cleanrooms.ConfiguredTable) func(cleanrooms.Tx) error {
	return func(tx cleanrooms.Tx) error { return tx.InsertConfiguredTable(h.ctx, ct) }
}

func (h *harness) insAssociation(a *cleanrooms.Association) func(cleanrooms.Tx) error {
	return func(tx cleanrooms.Tx) error { return tx.InsertAssociation(h.ctx, a) }
}

// tableWorld: collaboration c1 with memberships m1 (acctA) and m2 (acctB),
// collaboration c2 with m3 (acctA); tables t1, t2 of acctA, t3 of acctB.
func tableWorld(h *harness) {
	h.mustInsertCollaboration(collaboration("c1", acctA), collaboration("c2", acctA))
	h.mustInsertMembership(membership("m1", "c1", acctA), membership("m2", "c1", acctB), membership("m3", "c2", acctA))
	h.mustInsert(h.insTable(fullTable("t1", acctA)), h.insTable(table("t2", acctA)), h.insTable(table("t3", acctB)))
}

func testConfiguredTableRoundTrip(t *testing.T, h *harness) {
	full, min := fullTable("t1", acctA), table("t2", acctA)
	snow := table("t3", acctA)
	snow.TableReference = cleanrooms.TableReference{Snowflake: &cleanrooms.SnowflakeTableReference{
		SecretArn: "arn:aws:secretsmanager:us-east-1:111111111111:secret:s", AccountIdentifier: "acc", DatabaseName: "D",
		SchemaName: "S", TableName: "T", TableSchema: []cleanrooms.SnowflakeColumn{{ColumnName: "a", ColumnType: "NUMBER(10,2)"}}}}
	snow.SelectedAnalysisMethods = []string{}
	h.mustInsert(h.insTable(full), h.insTable(min), h.insTable(snow))
	for _, want := range []*cleanrooms.ConfiguredTable{full, min, snow} {
		checkEqual(t, "table "+want.ID, want, h.mustGetTable(want.ID))
	}
	// The store does not alias what it was given.
	full.AllowedColumns[0] = "changed"
	if got := h.mustGetTable("t1"); got.AllowedColumns[0] != "a" {
		t.Errorf("stored table aliased its input: %v", got.AllowedColumns)
	}
	err := h.write(h.insTable(table("t1", acctB)))
	wantErr(t, "InsertConfiguredTable with a taken id", err, cleanrooms.ErrConflict)
}

func testConfiguredTableGetMissing(t *testing.T, h *harness) {
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		_, err := tx.GetConfiguredTable(h.ctx, "nope")
		wantErr(t, "GetConfiguredTable(nope)", err, cleanrooms.ErrNotFound)
		_, err = tx.GetTableAnalysisRule(h.ctx, "nope")
		wantErr(t, "GetTableAnalysisRule(nope)", err, cleanrooms.ErrNotFound)
		return nil
	})
	err := h.write(func(tx cleanrooms.Tx) error { return tx.UpdateConfiguredTable(h.ctx, table("nope", acctA)) })
	wantErr(t, "UpdateConfiguredTable(nope)", err, cleanrooms.ErrNotFound)
	err = h.write(func(tx cleanrooms.Tx) error { return tx.DeleteConfiguredTable(h.ctx, "nope") })
	wantErr(t, "DeleteConfiguredTable(nope)", err, cleanrooms.ErrNotFound)
}

func testConfiguredTableUpdate(t *testing.T, h *harness) {
	h.mustInsert(h.insTable(fullTable("t1", acctA)))
	upd := table("t1", acctA)
	upd.Name, upd.UpdateTime = "renamed", at(99)
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateConfiguredTable(h.ctx, upd) })
	checkEqual(t, "updated table", upd, h.mustGetTable("t1"))
}

func testTableRuleOnePerTable(t *testing.T, h *harness) {
	h.mustInsert(h.insTable(table("t1", acctA)))
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.InsertTableAnalysisRule(h.ctx, aggregationRule("t1")) })
	err := h.write(func(tx cleanrooms.Tx) error { return tx.InsertTableAnalysisRule(h.ctx, customRule("t1")) })
	wantErr(t, "a second rule of another type", err, cleanrooms.ErrConflict)
	err = h.write(func(tx cleanrooms.Tx) error { return tx.InsertTableAnalysisRule(h.ctx, customRule("nope")) })
	wantErr(t, "a rule of a missing table", err, cleanrooms.ErrNotFound)
}

func testTableRuleLifecycle(t *testing.T, h *harness) {
	h.mustInsert(h.insTable(table("t1", acctA)))
	if got := h.mustGetTable("t1").RuleType; got != "" {
		t.Errorf("RuleType without a rule = %q", got)
	}
	rule := aggregationRule("t1")
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.InsertTableAnalysisRule(h.ctx, rule) })
	var got *cleanrooms.TableAnalysisRule
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) { got, err = tx.GetTableAnalysisRule(h.ctx, "t1"); return err })
	checkEqual(t, "rule", rule, got)
	if got := h.mustGetTable("t1").RuleType; got != cleanrooms.RuleAggregation {
		t.Errorf("RuleType = %q, want AGGREGATION", got)
	}
	// Update replaces the whole rule, type included.
	repl := customRule("t1")
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateTableAnalysisRule(h.ctx, repl) })
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) { got, err = tx.GetTableAnalysisRule(h.ctx, "t1"); return err })
	checkEqual(t, "replaced rule", repl, got)
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteTableAnalysisRule(h.ctx, "t1") })
	if got := h.mustGetTable("t1").RuleType; got != "" {
		t.Errorf("RuleType after delete = %q", got)
	}
	err := h.write(func(tx cleanrooms.Tx) error { return tx.DeleteTableAnalysisRule(h.ctx, "t1") })
	wantErr(t, "deleting a missing rule", err, cleanrooms.ErrNotFound)
	err = h.write(func(tx cleanrooms.Tx) error { return tx.UpdateTableAnalysisRule(h.ctx, repl) })
	wantErr(t, "updating a missing rule", err, cleanrooms.ErrNotFound)
}

func testConfiguredTableDeleteTakesRule(t *testing.T, h *harness) {
	h.mustInsert(h.insTable(table("t1", acctA)))
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.InsertTableAnalysisRule(h.ctx, aggregationRule("t1")) })
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteConfiguredTable(h.ctx, "t1") })
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		_, err := tx.GetConfiguredTable(h.ctx, "t1")
		wantErr(t, "table after delete", err, cleanrooms.ErrNotFound)
		_, err = tx.GetTableAnalysisRule(h.ctx, "t1")
		wantErr(t, "rule after table delete", err, cleanrooms.ErrNotFound)
		return nil
	})
	// A new table with the same id starts without a rule.
	h.mustInsert(h.insTable(table("t1", acctA)))
	if got := h.mustGetTable("t1").RuleType; got != "" {
		t.Errorf("RuleType of a re-created table = %q", got)
	}
}

func testListConfiguredTablesOf(t *testing.T, h *harness) {
	var want []cleanrooms.ConfiguredTable
	var fns []func(cleanrooms.Tx) error
	for i := range 7 {
		ct := table(fmt.Sprintf("t%d", i), acctA)
		other := table(fmt.Sprintf("o%d", i), acctB)
		elsewhere := table(fmt.Sprintf("e%d", i), acctA)
		elsewhere.Region = "eu-west-1"
		fns = append(fns, h.insTable(ct), h.insTable(other), h.insTable(elsewhere))
		if i == 3 {
			fns = append(fns, func(tx cleanrooms.Tx) error { return tx.InsertTableAnalysisRule(h.ctx, customRule("t3")) })
			ct.RuleType = cleanrooms.RuleCustom
		}
		want = append(want, *ct)
	}
	h.mustInsert(fns...)
	checkPages(t, h, "ListConfiguredTablesOf(A, us-east-1)", want, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.ConfiguredTable, string, error) {
		return tx.ListConfiguredTablesOf(h.ctx, acctA, "us-east-1", p)
	})
	checkPages(t, h, "ListConfiguredTablesOf(C)", []cleanrooms.ConfiguredTable(nil), func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.ConfiguredTable, string, error) {
		return tx.ListConfiguredTablesOf(h.ctx, acctC, "us-east-1", p)
	})
}

func testAssociationRoundTrip(t *testing.T, h *harness) {
	tableWorld(h)
	a := association("a1", "m1", "c1", "t1", "Users")
	h.mustInsert(h.insAssociation(a))
	checkEqual(t, "association", a, h.mustGetAssociation("a1"))
	upd := *a
	upd.Description, upd.RoleArn, upd.UpdateTime = "", "arn:aws:iam::111111111111:role/other", at(90)
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateAssociation(h.ctx, &upd) })
	checkEqual(t, "updated association", &upd, h.mustGetAssociation("a1"))
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		got, err := tx.AssociationOfTableIn(h.ctx, "c1", "t1")
		if err != nil {
			return err
		}
		checkEqual(t, "AssociationOfTableIn(c1, t1)", &upd, got)
		_, err = tx.AssociationOfTableIn(h.ctx, "c2", "t1")
		wantErr(t, "AssociationOfTableIn(c2, t1)", err, cleanrooms.ErrNotFound)
		_, err = tx.GetAssociation(h.ctx, "nope")
		wantErr(t, "GetAssociation(nope)", err, cleanrooms.ErrNotFound)
		return nil
	})
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteAssociation(h.ctx, "a1") })
	err := h.write(func(tx cleanrooms.Tx) error { return tx.DeleteAssociation(h.ctx, "a1") })
	wantErr(t, "deleting a deleted association", err, cleanrooms.ErrNotFound)
	err = h.write(func(tx cleanrooms.Tx) error { return tx.UpdateAssociation(h.ctx, &upd) })
	wantErr(t, "updating a deleted association", err, cleanrooms.ErrNotFound)
}

func testAssociationConflicts(t *testing.T, h *harness) {
	tableWorld(h)
	h.mustInsert(h.insAssociation(association("a1", "m1", "c1", "t1", "Users")))
	cases := []struct {
		what string
		a    *cleanrooms.Association
	}{
		{"the same id", association("a1", "m3", "c2", "t2", "other")},
		{"the same name in another case", association("a2", "m1", "c1", "t2", "uSERS")},
		{"the same table twice in a collaboration", association("a3", "m1", "c1", "t1", "again")},
	}
	for _, c := range cases {
		wantErr(t, c.what, h.write(h.insAssociation(c.a)), cleanrooms.ErrConflict)
	}
	// The same name and table in another collaboration are fine, as is
	// another member's table under another name.
	b := association("a4", "m2", "c1", "t3", "orders")
	b.AccountID = acctB
	h.mustInsert(h.insAssociation(association("a5", "m3", "c2", "t1", "users")), h.insAssociation(b))
}

func testAssociationParents(t *testing.T, h *harness) {
	tableWorld(h)
	for _, a := range []*cleanrooms.Association{
		association("a1", "nope", "c1", "t1", "x"),
		association("a2", "m1", "c1", "nope", "x"),
		association("a3", "m1", "nope", "t1", "x"),
	} {
		wantErr(t, "association "+a.ID+" with a missing parent", h.write(h.insAssociation(a)), cleanrooms.ErrNotFound)
	}
}

func testAssociationRules(t *testing.T, h *harness) {
	tableWorld(h)
	h.mustInsert(h.insAssociation(association("a1", "m1", "c1", "t1", "users")))
	custom, agg := associationRule("a1", cleanrooms.RuleCustom), associationRule("a1", cleanrooms.RuleAggregation)
	agg.Policy = cleanrooms.AssociationPolicy{AllowedAdditionalAnalyses: []string{"arn:x"}}
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.InsertAssociationRule(h.ctx, custom) })
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.InsertAssociationRule(h.ctx, agg) })
	err := h.write(func(tx cleanrooms.Tx) error {
		return tx.InsertAssociationRule(h.ctx, associationRule("a1", cleanrooms.RuleCustom))
	})
	wantErr(t, "a second CUSTOM rule", err, cleanrooms.ErrConflict)
	err = h.write(func(tx cleanrooms.Tx) error {
		return tx.InsertAssociationRule(h.ctx, associationRule("nope", cleanrooms.RuleCustom))
	})
	wantErr(t, "a rule of a missing association", err, cleanrooms.ErrNotFound)
	if got := h.mustGetAssociation("a1").RuleTypes; fmt.Sprint(got) != "[AGGREGATION CUSTOM]" {
		t.Errorf("RuleTypes = %v, want [AGGREGATION CUSTOM]", got)
	}
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		got, err := tx.GetAssociationRule(h.ctx, "a1", cleanrooms.RuleAggregation)
		if err != nil {
			return err
		}
		checkEqual(t, "AGGREGATION rule", agg, got)
		_, err = tx.GetAssociationRule(h.ctx, "a1", cleanrooms.RuleList)
		wantErr(t, "the missing LIST rule", err, cleanrooms.ErrNotFound)
		return nil
	})
	custom.Policy, custom.UpdateTime = cleanrooms.AssociationPolicy{}, at(95)
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateAssociationRule(h.ctx, custom) })
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		got, err := tx.GetAssociationRule(h.ctx, "a1", cleanrooms.RuleCustom)
		checkEqual(t, "updated CUSTOM rule", custom, got)
		return err
	})
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteAssociationRule(h.ctx, "a1", cleanrooms.RuleAggregation) })
	err = h.write(func(tx cleanrooms.Tx) error { return tx.DeleteAssociationRule(h.ctx, "a1", cleanrooms.RuleAggregation) })
	wantErr(t, "deleting a deleted rule", err, cleanrooms.ErrNotFound)
	if got := h.mustGetAssociation("a1").RuleTypes; fmt.Sprint(got) != "[CUSTOM]" {
		t.Errorf("RuleTypes = %v, want [CUSTOM]", got)
	}
	// Deleting the association takes its rules; a new one of the same id
	// has none.
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteAssociation(h.ctx, "a1") })
	h.mustInsert(h.insAssociation(association("a1", "m1", "c1", "t1", "users")))
	if got := h.mustGetAssociation("a1").RuleTypes; len(got) != 0 || got == nil {
		t.Errorf("RuleTypes of a re-created association = %#v, want []", got)
	}
}

func testAssociationBlocksDeletes(t *testing.T, h *harness) {
	tableWorld(h)
	h.mustInsert(h.insAssociation(association("a1", "m1", "c1", "t1", "users")))
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		for _, c := range []struct {
			what string
			fn   func() (bool, error)
			want bool
		}{
			{"TableIsAssociated(t1)", func() (bool, error) { return tx.TableIsAssociated(h.ctx, "t1") }, true},
			{"TableIsAssociated(t2)", func() (bool, error) { return tx.TableIsAssociated(h.ctx, "t2") }, false},
			{"MembershipHasAssociations(m1)", func() (bool, error) { return tx.MembershipHasAssociations(h.ctx, "m1") }, true},
			{"MembershipHasAssociations(m2)", func() (bool, error) { return tx.MembershipHasAssociations(h.ctx, "m2") }, false},
		} {
			got, err := c.fn()
			if err != nil || got != c.want {
				t.Errorf("%s = %v, %v; want %v", c.what, got, err, c.want)
			}
		}
		return nil
	})
	err := h.write(func(tx cleanrooms.Tx) error { return tx.DeleteConfiguredTable(h.ctx, "t1") })
	wantErr(t, "deleting an associated table", err, cleanrooms.ErrConflict)
	if h.mustGetTable("t1") == nil {
		t.Error("the associated table is gone")
	}
	if err := h.write(func(tx cleanrooms.Tx) error { return tx.DeleteMembership(h.ctx, "m1") }); err == nil {
		t.Error("a membership with associations was deleted")
	}
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteAssociation(h.ctx, "a1") })
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteConfiguredTable(h.ctx, "t1") })
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteMembership(h.ctx, "m1") })
}

func testListAssociationsOf(t *testing.T, h *harness) {
	tableWorld(h)
	var want []cleanrooms.Association
	var fns []func(cleanrooms.Tx) error
	for i := range 7 {
		id := fmt.Sprintf("t%d-extra", i)
		fns = append(fns, h.insTable(table(id, acctA)))
		a := association(fmt.Sprintf("a%d", i), "m1", "c1", id, fmt.Sprintf("n%d", i))
		fns = append(fns, h.insAssociation(a), h.insAssociation(association(fmt.Sprintf("x%d", i), "m3", "c2", id, fmt.Sprintf("x%d", i))))
		if i == 2 {
			fns = append(fns, func(tx cleanrooms.Tx) error {
				return tx.InsertAssociationRule(h.ctx, associationRule("a2", cleanrooms.RuleList))
			})
			a.RuleTypes = []string{cleanrooms.RuleList}
		}
		want = append(want, *a)
	}
	h.mustInsert(fns...)
	checkPages(t, h, "ListAssociationsOf(m1)", want, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.Association, string, error) {
		return tx.ListAssociationsOf(h.ctx, "m1", p)
	})
	checkPages(t, h, "ListAssociationsOf(m2)", []cleanrooms.Association(nil), func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.Association, string, error) {
		return tx.ListAssociationsOf(h.ctx, "m2", p)
	})
}

func testSchemaSources(t *testing.T, h *harness) {
	tableWorld(h)
	a := association("a1", "m1", "c1", "t1", "Users")
	rule, arule := aggregationRule("t1"), associationRule("a1", cleanrooms.RuleAggregation)
	h.mustInsert(h.insAssociation(a),
		func(tx cleanrooms.Tx) error { return tx.InsertTableAnalysisRule(h.ctx, rule) },
		func(tx cleanrooms.Tx) error { return tx.InsertAssociationRule(h.ctx, arule) })
	a.RuleTypes = []string{cleanrooms.RuleAggregation}
	ct := fullTable("t1", acctA)
	ct.RuleType = cleanrooms.RuleAggregation
	want := &cleanrooms.SchemaSource{Association: *a, Table: *ct, TableRule: rule, AssociationRules: []cleanrooms.AssociationAnalysisRule{*arule}}
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		for _, name := range []string{"Users", "users", "USERS"} {
			got, err := tx.GetSchemaSource(h.ctx, "c1", name)
			if err != nil {
				return err
			}
			checkEqual(t, "GetSchemaSource(c1, "+name+")", want, got)
		}
		for _, c := range [][2]string{{"c2", "users"}, {"c1", "user"}, {"nope", "users"}} {
			_, err := tx.GetSchemaSource(h.ctx, c[0], c[1])
			wantErr(t, fmt.Sprintf("GetSchemaSource(%s, %s)", c[0], c[1]), err, cleanrooms.ErrNotFound)
		}
		return nil
	})
	// GetSchemaSourceFor is GetCollaborationMember (narrowed to
	// CollaborationAccess) and GetSchemaSource in one read: the same
	// records, ErrNotFound when either misses.
	invited := fullMember("c1", acctB, 1)
	invited.Status = "INVITED"
	h.mustInsertMember(fullMember("c1", acctA, 0), invited)
	checkFor := func() {
		t.Helper()
		for _, acct := range []string{acctA, acctB} {
			checkSchemaSourceFor(t, h, acct, want)
		}
	}
	checkFor()
	// A deleted collaboration is still read, and says so.
	c1 := h.mustGetCollaboration("c1")
	c1.DeleteTime = ptr(at(9))
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateCollaboration(h.ctx, c1) })
	checkFor()
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		acc, _, err := tx.GetSchemaSourceFor(h.ctx, "c1", acctB, "users")
		if err != nil {
			return err
		}
		if !acc.Deleted || acc.MemberStatus != "INVITED" {
			t.Errorf("GetSchemaSourceFor(c1, %s) of a deleted collaboration: %+v", acctB, acc)
		}
		return nil
	})
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		for _, c := range [][3]string{{"c1", acctC, "users"}, {"c1", acctA, "user"}, {"c2", acctA, "users"}, {"nope", acctA, "users"}} {
			_, _, err := tx.GetSchemaSourceFor(h.ctx, c[0], c[1], c[2])
			wantErr(t, fmt.Sprintf("GetSchemaSourceFor(%s, %s, %s)", c[0], c[1], c[2]), err, cleanrooms.ErrNotFound)
		}
		return nil
	})
	// Without rules.
	h.mustInsert(h.insAssociation(association("a2", "m1", "c1", "t2", "bare")))
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		got, err := tx.GetSchemaSource(h.ctx, "c1", "bare")
		if err != nil {
			return err
		}
		if got.TableRule != nil || got.AssociationRules == nil || len(got.AssociationRules) != 0 {
			t.Errorf("rules of a bare schema: %+v, %#v", got.TableRule, got.AssociationRules)
		}
		return nil
	})
}

// checkSchemaSourceFor checks GetSchemaSourceFor(c1, acct, "uSeRs")
// against GetCollaborationMember and the schema source wanted.
func checkSchemaSourceFor(t *testing.T, h *harness, acct string, want *cleanrooms.SchemaSource) {
	t.Helper()
	var wantMember *cleanrooms.CollaborationAccess
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		w, err := tx.GetCollaborationMember(h.ctx, "c1", acct)
		if err != nil {
			return err
		}
		c := &w.Collaboration
		wantMember = &cleanrooms.CollaborationAccess{CollaborationID: c.ID, Region: c.Region, CreatorAccountID: c.CreatorAccountID,
			Deleted: c.Deleted(), MemberStatus: w.Member.Status}
		return nil
	})
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		w, got, err := tx.GetSchemaSourceFor(h.ctx, "c1", acct, "uSeRs")
		if err != nil {
			return err
		}
		checkEqual(t, "GetSchemaSourceFor(c1, "+acct+", uSeRs) member", wantMember, w)
		checkEqual(t, "GetSchemaSourceFor(c1, "+acct+", uSeRs) source", want, got)
		return nil
	})
}

func testListSchemaSources(t *testing.T, h *harness) {
	tableWorld(h)
	var want []cleanrooms.SchemaSource
	var fns []func(cleanrooms.Tx) error
	for i := range 5 {
		id := fmt.Sprintf("t%d-extra", i)
		ct := table(id, acctA)
		a := association(fmt.Sprintf("a%d", i), "m1", "c1", id, fmt.Sprintf("n%d", i))
		fns = append(fns, h.insTable(ct), h.insAssociation(a), h.insAssociation(association(fmt.Sprintf("x%d", i), "m3", "c2", id, fmt.Sprintf("x%d", i))))
		want = append(want, cleanrooms.SchemaSource{Association: *a, Table: *ct, AssociationRules: []cleanrooms.AssociationAnalysisRule{}})
	}
	h.mustInsert(fns...)
	checkPages(t, h, "ListSchemaSources(c1)", want, func(tx cleanrooms.ReadTx, p cleanrooms.Page) ([]cleanrooms.SchemaSource, string, error) {
		return tx.ListSchemaSources(h.ctx, "c1", p)
	})
}

// testTableCursors: a cursor resumes only the list, and the arguments,
// that made it.
func testTableCursors(t *testing.T, h *harness) {
	tableWorld(h)
	h.mustInsert(h.insTable(table("t4", acctA)),
		h.insAssociation(association("a1", "m1", "c1", "t1", "n1")), h.insAssociation(association("a2", "m1", "c1", "t2", "n2")))
	one := cleanrooms.Page{Limit: 1}
	var tables, assocs, schemas string
	h.mustRead(func(tx cleanrooms.ReadTx) (err error) {
		if _, tables, err = tx.ListConfiguredTablesOf(h.ctx, acctA, "us-east-1", one); err != nil {
			return err
		}
		if _, assocs, err = tx.ListAssociationsOf(h.ctx, "m1", one); err != nil {
			return err
		}
		_, schemas, err = tx.ListSchemaSources(h.ctx, "c1", one)
		return err
	})
	if tables == "" || assocs == "" || schemas == "" {
		t.Fatalf("first pages without cursors: %q %q %q", tables, assocs, schemas)
	}
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		_, _, err := tx.ListConfiguredTablesOf(h.ctx, acctA, "eu-west-1", cleanrooms.Page{Cursor: tables, Limit: 1})
		wantErr(t, "a table cursor for another region", err, cleanrooms.ErrInvalidCursor)
		_, _, err = tx.ListAssociationsOf(h.ctx, "m1", cleanrooms.Page{Cursor: tables, Limit: 1})
		wantErr(t, "a table cursor for associations", err, cleanrooms.ErrInvalidCursor)
		_, _, err = tx.ListSchemaSources(h.ctx, "c1", cleanrooms.Page{Cursor: assocs, Limit: 1})
		wantErr(t, "an association cursor for schemas", err, cleanrooms.ErrInvalidCursor)
		_, _, err = tx.ListSchemaSources(h.ctx, "c2", cleanrooms.Page{Cursor: schemas, Limit: 1})
		wantErr(t, "a schema cursor for another collaboration", err, cleanrooms.ErrInvalidCursor)
		return nil
	})
}

func testCollaborationMember(t *testing.T, h *harness) {
	c := collaboration("c1", acctA)
	row := fullMember("c1", acctB, 1)
	h.mustInsertCollaboration(c)
	h.mustInsertMember(row)
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		got, err := tx.GetCollaborationMember(h.ctx, "c1", acctB)
		if err != nil {
			return err
		}
		checkEqual(t, "GetCollaborationMember(c1, B)", &cleanrooms.CollaborationWithMember{Collaboration: *c, Member: *row}, got)
		_, err = tx.GetCollaborationMember(h.ctx, "c1", acctC)
		wantErr(t, "GetCollaborationMember of a non-member", err, cleanrooms.ErrNotFound)
		_, err = tx.GetCollaborationMember(h.ctx, "nope", acctB)
		wantErr(t, "GetCollaborationMember of a missing collaboration", err, cleanrooms.ErrNotFound)
		return nil
	})
}
