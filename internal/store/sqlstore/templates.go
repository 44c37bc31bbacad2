package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var templateCols = []string{
	"id", "account_id", "region", "membership_id", "collaboration_id", "collaboration_creator_account_id",
	"name", "description", "format", "source_text", "source_artifacts", "artifact_hashes",
	"parameters", "referenced_tables", "error_message_type", "synthetic_data",
	"create_time", "update_time",
}

var (
	insertTemplateSQL = prepared(insertSQL("analysis_templates", templateCols))
	updateTemplateSQL = prepared(updateSQL("analysis_templates", templateCols, "id"))
	deleteTemplateSQL = prepared("DELETE FROM analysis_templates WHERE id = ?")
	getTemplateSQL    = preparedRead("SELECT " + selectList("t", templateCols) + " FROM analysis_templates t WHERE t.id = ?")
	// Keyset seeks on analysis_templates_by_membership and _by_collaboration.
	templatesOfSQL = preparedRead("SELECT " + selectList("t", templateCols) + ", t.seq FROM analysis_templates t" +
		" WHERE t.membership_id = ? AND t.seq > ? ORDER BY t.seq LIMIT ?")
	collaborationTemplatesSQL = preparedRead("SELECT " + selectList("t", templateCols) + ", t.seq FROM analysis_templates t" +
		" WHERE t.collaboration_id = ? AND t.seq > ? ORDER BY t.seq LIMIT ?")
	countTemplatesOfSQL = preparedRead("SELECT COUNT(*) FROM analysis_templates WHERE membership_id = ?")
)

func templateArgs(t *cleanrooms.AnalysisTemplate) ([]any, error) {
	p := params{args: make([]any, 0, 24)} // one allocation, not one per doubling
	p.add(t.ID)
	p.add(t.AccountID)
	p.add(t.Region)
	p.add(t.MembershipID)
	p.add(t.CollaborationID)
	p.add(t.CollaborationCreatorAccountID)
	p.add(t.Name)
	p.add(t.Description)
	p.add(t.Format)
	p.add(stringPtrParam(t.Text))
	p.addJSON(jsonPtrParam(t.Artifacts))
	p.addJSON(jsonPtrParam(t.ArtifactHashes))
	p.addJSON(sliceParam(t.Parameters))
	p.addJSON(stringsParam(t.ReferencedTables))
	p.add(t.ErrorMessageType)
	p.addJSON(jsonPtrParam(t.SyntheticData))
	p.add(timeParam(t.CreateTime))
	p.add(timeParam(t.UpdateTime))
	return p.args, p.err
}

func stringPtrParam(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// sliceParam keeps nil (NULL) apart from empty ('[]'), like stringsParam.
func sliceParam[T any](s []T) (any, error) {
	if s == nil {
		return nil, nil
	}
	return jsonParam(s)
}

// templateRow receives one row in templateCols order.
type templateRow struct {
	t                                   cleanrooms.AnalysisTemplate
	text, artifacts, hashes, parameters sql.NullString
	tables, synthetic                   sql.NullString
	createTime, updateTime              int64
}

func (r *templateRow) dest() []any {
	t := &r.t
	return []any{
		&t.ID, &t.AccountID, &t.Region, &t.MembershipID, &t.CollaborationID, &t.CollaborationCreatorAccountID,
		&t.Name, &t.Description, &t.Format, &r.text, &r.artifacts, &r.hashes,
		&r.parameters, &r.tables, &t.ErrorMessageType, &r.synthetic,
		&r.createTime, &r.updateTime,
	}
}

func (r *templateRow) record() (cleanrooms.AnalysisTemplate, error) {
	t := r.t
	var err error
	if r.text.Valid {
		s := r.text.String
		t.Text = &s
	}
	if t.Artifacts, err = jsonPtrValue[cleanrooms.TemplateArtifacts](r.artifacts); err != nil {
		return t, err
	}
	if t.ArtifactHashes, err = jsonPtrValue[cleanrooms.TemplateArtifactHashes](r.hashes); err != nil {
		return t, err
	}
	if r.parameters.Valid {
		t.Parameters = []cleanrooms.TemplateParameter{}
		if err := jsonValue(r.parameters.String, &t.Parameters); err != nil {
			return t, err
		}
	}
	if t.ReferencedTables, err = stringsValue(r.tables); err != nil {
		return t, err
	}
	if t.SyntheticData, err = jsonPtrValue[cleanrooms.SyntheticDataParams](r.synthetic); err != nil {
		return t, err
	}
	t.CreateTime = timeValue(r.createTime)
	t.UpdateTime = timeValue(r.updateTime)
	return t, nil
}

func (t *readTx) GetAnalysisTemplate(ctx context.Context, id string) (*cleanrooms.AnalysisTemplate, error) {
	what := fmt.Sprintf("get analysis template %q", id)
	var r templateRow
	if err := t.queryRow(ctx, getTemplateSQL, id).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what)
	}
	at, err := r.record()
	if err != nil {
		return nil, t.fail(err, what)
	}
	return &at, nil
}

// maxBatchTemplates bounds GetAnalysisTemplates to what one statement
// binds comfortably; BatchGetCollaborationAnalysisTemplate asks for ≤ 10.
const maxBatchTemplates = 100

func (t *readTx) GetAnalysisTemplates(ctx context.Context, ids []string) ([]cleanrooms.AnalysisTemplate, error) {
	what := fmt.Sprintf("get %d analysis templates", len(ids))
	if len(ids) == 0 {
		return []cleanrooms.AnalysisTemplate{}, nil
	}
	if len(ids) > maxBatchTemplates {
		return nil, fmt.Errorf("sqlstore: %s: at most %d at once", what, maxBatchTemplates)
	}
	// One statement (so one snapshot, and ViewOne may run it); the order
	// of ids is restored below.
	q := "SELECT " + selectList("t", templateCols) + " FROM analysis_templates t WHERE t.id IN " + placeholders(len(ids))
	rows, err := t.query(ctx, q, anys(ids)...)
	if err != nil {
		return nil, t.fail(err, what)
	}
	defer rows.Close()
	byID := map[string]cleanrooms.AnalysisTemplate{}
	for rows.Next() {
		var r templateRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, t.fail(err, what)
		}
		at, err := r.record()
		if err != nil {
			return nil, t.fail(err, what)
		}
		byID[at.ID] = at
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, what)
	}
	out := make([]cleanrooms.AnalysisTemplate, 0, len(byID))
	for _, id := range ids {
		if at, ok := byID[id]; ok {
			out = append(out, at)
			delete(byID, id)
		}
	}
	return out, nil
}

func (t *readTx) ListAnalysisTemplatesOf(ctx context.Context, membershipID string, p cleanrooms.Page) ([]cleanrooms.AnalysisTemplate, string, error) {
	return t.templatePage(ctx, "analysis-templates-of", membershipID, templatesOfSQL, p)
}

func (t *readTx) ListCollaborationAnalysisTemplates(ctx context.Context, collaborationID string, p cleanrooms.Page) ([]cleanrooms.AnalysisTemplate, string, error) {
	return t.templatePage(ctx, "collaboration-analysis-templates", collaborationID, collaborationTemplatesSQL, p)
}

// templatePage reads one keyset page of query, whose arguments are the
// parent id, the seq to start after and the limit.
func (t *readTx) templatePage(ctx context.Context, list, parent, query string, p cleanrooms.Page) ([]cleanrooms.AnalysisTemplate, string, error) {
	return seqPage(t, ctx, fmt.Sprintf("list %s %q", list, parent), cursorScope(list, parent), p, query, []any{parent},
		func(rows sqlRows) (cleanrooms.AnalysisTemplate, int64, error) {
			var r templateRow
			var seq int64
			if err := rows.Scan(append(r.dest(), &seq)...); err != nil {
				return cleanrooms.AnalysisTemplate{}, 0, err
			}
			at, err := r.record()
			return at, seq, err
		})
}

func (t *readTx) CountAnalysisTemplatesOf(ctx context.Context, membershipID string) (int, error) {
	var n int
	if err := t.queryRow(ctx, countTemplatesOfSQL, membershipID).Scan(&n); err != nil {
		return 0, t.fail(err, fmt.Sprintf("count analysis templates of %q", membershipID))
	}
	return n, nil
}

func (t *writeTx) InsertAnalysisTemplate(ctx context.Context, at *cleanrooms.AnalysisTemplate) error {
	what := fmt.Sprintf("insert analysis template %q", at.ID)
	args, err := templateArgs(at)
	if err != nil {
		return t.fail(err, what)
	}
	if _, err := t.exec(ctx, insertTemplateSQL, args...); err != nil {
		return t.fail(err, what)
	}
	return nil
}

func (t *writeTx) UpdateAnalysisTemplate(ctx context.Context, at *cleanrooms.AnalysisTemplate) error {
	what := fmt.Sprintf("update analysis template %q", at.ID)
	args, err := templateArgs(at)
	if err != nil {
		return t.fail(err, what)
	}
	res, err := t.exec(ctx, updateTemplateSQL, updateArgs(templateCols, args, "id")...)
	return t.mustAffect(res, err, what)
}

func (t *writeTx) DeleteAnalysisTemplate(ctx context.Context, id string) error {
	res, err := t.exec(ctx, deleteTemplateSQL, id)
	return t.mustAffect(res, err, fmt.Sprintf("delete analysis template %q", id))
}
