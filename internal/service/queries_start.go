package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/engine"
	"github.com/cleanroomsd/cleanroomsd/internal/identity"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

// QueryRunner is what runs protected queries in the background (package
// runner). The service tells it when there is work and when a query it
// may be running was cancelled; both are hints, the store is the truth.
type QueryRunner interface {
	Notify()
	Cancel(queryID string)
}

type noRunner struct{}

func (noRunner) Notify()       {}
func (noRunner) Cancel(string) {}

// maxQueryTables is AWS's "Configured tables per query" quota.
const maxQueryTables = 15

func invalidQuery(msg string) error {
	return &api.ValidationException{Message: &msg, Reason: api.ValidationExceptionReasonInvalidQuery}
}

func protectedQueryARN(region, account, membershipID, id string) string {
	return fmt.Sprintf("arn:aws:cleanrooms:%s:%s:membership/%s/protectedquery/%s", region, account, membershipID, id)
}

// queryText is the SQL a start names: the query string, or the text and
// parameters of an analysis template of this collaboration.
func queryText(ctx context.Context, tx cleanrooms.ReadTx, c *cleanrooms.Collaboration, p *api.ProtectedQuerySQLParameters) (text string, declared []cleanrooms.TemplateParameter, arn string, err error) {
	switch {
	case p.QueryString != nil && p.AnalysisTemplateArn != nil:
		return "", nil, "", invalid("sqlParameters", "Give either queryString or analysisTemplateArn, not both.")
	case p.QueryString != nil:
		if len(p.Parameters) > 0 {
			return "", nil, "", invalid("sqlParameters.parameters", "Parameters are accepted only with an analysisTemplateArn.")
		}
		return *p.QueryString, nil, "", nil
	case p.AnalysisTemplateArn == nil:
		return "", nil, "", invalid("sqlParameters", "Give queryString or analysisTemplateArn.")
	}
	arn = *p.AnalysisTemplateArn
	ref, ok := parseARN(arn)
	if !ok || ref.Type != "membership" || len(ref.Path) != 2 || ref.Path[0] != "analysistemplate" {
		return "", nil, "", invalid("sqlParameters.analysisTemplateArn", fmt.Sprintf("%s is not an analysis template ARN.", arn))
	}
	t, err := tx.GetAnalysisTemplate(ctx, ref.Path[1])
	if errors.Is(err, cleanrooms.ErrNotFound) || (err == nil && (t.CollaborationID != c.ID || templateARN(t) != arn)) {
		return "", nil, "", invalidQuery(fmt.Sprintf("Analysis template %s is not an analysis template of collaboration %s.", arn, c.ID))
	}
	if err != nil {
		return "", nil, "", err
	}
	if t.Text == nil {
		return "", nil, "", invalidQuery(fmt.Sprintf("Analysis template %s is a %s template: protected queries run SQL templates.", arn, t.Format))
	}
	declared = t.Parameters
	if declared == nil {
		declared = []cleanrooms.TemplateParameter{}
	}
	return *t.Text, declared, arn, nil
}

// queryTables reads the schema source of each table a statement names;
// its schema must be READY for direct analysis.
func queryTables(ctx context.Context, tx cleanrooms.ReadTx, c *cleanrooms.Collaboration, names []string) ([]*cleanrooms.SchemaSource, error) {
	if len(names) > maxQueryTables {
		return nil, invalidQuery(fmt.Sprintf("A query may read at most %d configured tables; this one reads %d.", maxQueryTables, len(names)))
	}
	var srcs []*cleanrooms.SchemaSource
	for _, name := range names {
		src, err := tx.GetSchemaSource(ctx, c.ID, name)
		if errors.Is(err, cleanrooms.ErrNotFound) {
			return nil, invalidQuery(fmt.Sprintf("Table %s does not exist in collaboration %s.", name, c.ID))
		}
		if err != nil {
			return nil, err
		}
		st, err := schemaState(ctx, tx, c.ID, src)
		if err != nil {
			return nil, err
		}
		for _, d := range schemaStatus(st) {
			if d.AnalysisType != api.AnalysisTypeDirectAnalysis || d.Status == api.SchemaStatusReady {
				continue
			}
			var why []string
			for _, r := range d.Reasons {
				why = append(why, deref(r.Message))
			}
			return nil, invalidQuery(fmt.Sprintf("Table %s is not ready for analysis: %s", name, strings.Join(why, " ")))
		}
		srcs = append(srcs, src)
	}
	return srcs, nil
}

// checkedTables is what Check needs of each table, with the columns the
// plan exposes: the configured table's allowed columns, typed from the
// catalog. It reads the catalog, so it runs outside any transaction.
func (s *Service) checkedTables(ctx context.Context, srcs []*cleanrooms.SchemaSource) (map[string]*query.Table, []cleanrooms.PlanTable, error) {
	tables := map[string]*query.Table{}
	var plan []cleanrooms.PlanTable
	for _, src := range srcs {
		cols, parts, err := s.columns(ctx, &src.Table)
		if err != nil {
			return nil, nil, err
		}
		t := &query.Table{Name: src.Association.Name, OwnerAccountID: src.Table.AccountID,
			RuleType: src.TableRule.Type, Policy: src.TableRule.Policy}
		var exposed []string
		for _, col := range append(cols, parts...) {
			t.Columns = append(t.Columns, query.Column{Name: deref(col.Name), Type: deref(col.Type)})
			exposed = append(exposed, deref(col.Name))
		}
		tables[strings.ToLower(src.Association.Name)] = t
		plan = append(plan, cleanrooms.PlanTable{Name: src.Association.Name, OwnerAccountID: src.Table.AccountID,
			ConfiguredTableID: src.Table.ID, Columns: exposed})
	}
	return tables, plan, nil
}

// checkReceiversAllowed: when a table's association has a collaboration
// analysis rule of the table's rule type that lists result receivers,
// every receiver must be one of them (dataplane spec 3.1). An association
// without such a rule lets every member who can receive results receive.
func checkReceiversAllowed(srcs []*cleanrooms.SchemaSource, receivers []cleanrooms.QueryReceiver) error {
	for _, src := range srcs {
		for _, ar := range src.AssociationRules {
			if ar.Type != src.TableRule.Type || ar.Policy.AllowedResultReceivers == nil {
				continue
			}
			for _, r := range receivers {
				if !slices.Contains(ar.Policy.AllowedResultReceivers, r.AccountID) {
					return invalidQuery(fmt.Sprintf("Account %s may not receive results of queries on table %s: its collaboration analysis rule does not list it in allowedResultReceivers.",
						r.AccountID, src.Association.Name))
				}
			}
		}
	}
	return nil
}

// StartProtectedQuery checks everything a query needs synchronously
// (dataplane spec 1.8: the caller may query, the receivers, the template,
// the analysis rules, the quota) and records the query SUBMITTED; the
// runner executes it in the background. A query the rules refuse is a
// 400 INVALID_QUERY and nothing is recorded.
func (s *Service) StartProtectedQuery(ctx context.Context, in *api.StartProtectedQueryInput) (*api.StartProtectedQueryOutput, error) {
	caller := callerOf(ctx)
	p := in.SqlParameters
	q := &cleanrooms.ProtectedQuery{ID: s.newID(), AccountID: caller.AccountID, Region: caller.Region,
		Status: cleanrooms.QuerySubmitted, SQL: cleanrooms.QuerySQL{QueryString: p.QueryString,
			AnalysisTemplateArn: p.AnalysisTemplateArn, Parameters: p.Parameters},
		ResultConfiguration: fromQueryOutput(in.ResultConfiguration), PayerAccountID: deref(in.QueryComputePayerAccountId)}
	if w := in.ComputeConfiguration; w != nil && w.Worker != nil {
		q.Compute = &cleanrooms.QueryCompute{Type: string(w.Worker.Type), Number: deref(w.Worker.Number)}
		if w.Worker.Properties != nil {
			q.Compute.Properties = w.Worker.Properties.Spark
		}
	}
	// Read and check what the query needs, then parse and check it
	// outside any transaction (the engine's parser is not free), then
	// record it in a transaction that checks again what may have changed.
	var (
		c        *cleanrooms.Collaboration
		ms       *cleanrooms.Membership
		text     string
		declared []cleanrooms.TemplateParameter
		tmplARN  string
	)
	err := s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		var me *cleanrooms.Member
		var err error
		if ms, c, me, err = s.querierMembership(ctx, tx, caller, *in.MembershipIdentifier); err != nil {
			return err
		}
		if q.Receivers, err = resolveReceivers(ctx, tx, c, ms, me, q.ResultConfiguration); err != nil {
			return err
		}
		text, declared, tmplARN, err = queryText(ctx, tx, c, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	q.MembershipID, q.CollaborationID = ms.ID, c.ID
	st, err := query.Prepare(ctx, s.parser, text, p.Parameters, declared)
	if errors.Is(err, engine.ErrUnavailable) {
		return s.recordUnavailable(ctx, q, err)
	}
	if err != nil {
		return nil, queryError(err)
	}
	var srcs []*cleanrooms.SchemaSource
	var tables map[string]*query.Table
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) (err error) {
		srcs, err = queryTables(ctx, tx, c, st.Tables())
		return err
	})
	if err != nil {
		return nil, err
	}
	if tables, q.Plan.Tables, err = s.checkedTables(ctx, srcs); err != nil {
		return nil, err
	}
	if err := checkReceiversAllowed(srcs, q.Receivers); err != nil {
		return nil, err
	}
	plan, err := query.Check(ctx, s.parser, st, query.Context{QuerierAccountID: caller.AccountID, TemplateARN: tmplARN, Tables: tables})
	if err != nil {
		return nil, queryError(err)
	}
	q.Plan.SQL = plan.SQL
	if plan.DP != nil {
		if err := oneResultFormat(q.Receivers); err != nil {
			return nil, err
		}
	}
	err = s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		if _, _, _, err := s.querierMembership(ctx, tx, caller, ms.ID); err != nil {
			return err
		}
		n, err := tx.CountUnfinishedQueriesOf(ctx, ms.ID)
		if err != nil {
			return err
		}
		if n >= s.quotas.QueriesPerMembership {
			return quotaExceeded(quotaQueries, s.quotas.QueriesPerMembership)
		}
		// Budgets are spent here, after every other check, in the
		// transaction that records the query (privacy_budgets_spend.go).
		now := s.clock()
		q.Plan.DP = nil
		if plan.DP != nil {
			if q.Plan.DP, err = spendDP(ctx, tx, c.ID, plan.DP, now); err != nil {
				return err
			}
		}
		if err := spendAccess(ctx, tx, c.ID, srcs, now); err != nil {
			return err
		}
		q.CreateTime = now
		q.UpdateTime = q.CreateTime
		return tx.InsertProtectedQuery(ctx, q)
	})
	if err != nil {
		return nil, err
	}
	s.runner.Notify()
	return &api.StartProtectedQueryOutput{ProtectedQuery: toProtectedQuery(q, true)}, nil
}

// oneResultFormat refuses a differentially private query whose receivers
// want different result formats: each format would be a separate run of
// the engine, and each run draws fresh noise, so a second release would
// spend budget nobody was charged for (docs/behavior-decisions.md).
func oneResultFormat(receivers []cleanrooms.QueryReceiver) error {
	if r := cleanrooms.OtherOutput(receivers); r != nil {
		return invalidQuery(fmt.Sprintf("differential privacy: a differentially private query releases one result, so every receiver must use the same result format; account %s uses %s and account %s %s.",
			receivers[0].AccountID, receivers[0].Format, r.AccountID, r.Format))
	}
	return nil
}

// recordUnavailable records a query that a server without its query
// engine cannot run: it is FAILED from the start, saying why (the engine
// binary is missing, or was built without cgo: docs/engine.md).
func (s *Service) recordUnavailable(ctx context.Context, q *cleanrooms.ProtectedQuery, why error) (*api.StartProtectedQueryOutput, error) {
	q.Status = cleanrooms.QueryFailed
	q.Error = &cleanrooms.QueryError{Code: "ENGINE_UNAVAILABLE", Message: "Protected queries cannot run on this server: " + why.Error()}
	q.Receivers = []cleanrooms.QueryReceiver{}
	q.Plan.Tables = []cleanrooms.PlanTable{}
	err := s.store.Transact(ctx, func(tx cleanrooms.Tx) error {
		q.CreateTime = s.clock()
		q.UpdateTime = q.CreateTime
		return tx.InsertProtectedQuery(ctx, q)
	})
	if err != nil {
		return nil, err
	}
	return &api.StartProtectedQueryOutput{ProtectedQuery: toProtectedQuery(q, true)}, nil
}

// queryError maps what Prepare and Check return: a refusal is a 400
// INVALID_QUERY with its message.
func queryError(err error) error {
	var r *query.Refusal
	if errors.As(err, &r) {
		return invalidQuery(r.Message)
	}
	return err
}

// querierMembership is the caller's ACTIVE membership of a live
// collaboration, whose member may query.
func (s *Service) querierMembership(ctx context.Context, tx cleanrooms.ReadTx, caller identity.Caller, id string) (*cleanrooms.Membership, *cleanrooms.Collaboration, *cleanrooms.Member, error) {
	ms, c, me, err := ownMembership(ctx, tx, caller, id)
	if err != nil {
		return nil, nil, nil, err
	}
	// StartProtectedQuery declares no ConflictException: a membership
	// that is no longer ACTIVE is refused access.
	if ms.Status != cleanrooms.MembershipActive || c.Deleted() {
		return nil, nil, nil, accessDenied(fmt.Sprintf("Membership %s is %s: it cannot start queries.", ms.ID, ms.Status))
	}
	if !hasAbility(me.Abilities, api.MemberAbilityCanQuery) {
		return nil, nil, nil, accessDenied(fmt.Sprintf("Member %s of collaboration %s cannot query (it lacks the CAN_QUERY ability).", ms.AccountID, c.ID))
	}
	return ms, c, me, nil
}
