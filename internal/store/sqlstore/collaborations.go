package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var collaborationCols = []string{
	"id", "region", "creator_account_id",
	"name", "description", "creator_display_name",
	"query_log_status", "job_log_status", "analytics_engine", "is_metrics_enabled",
	"data_encryption", "auto_approved_change_types", "allowed_result_regions",
	"create_time", "update_time", "delete_time",
}

var (
	insertCollaborationSQL = prepared(insertSQL("collaborations", collaborationCols))
	updateCollaborationSQL = prepared(updateSQL("collaborations", collaborationCols, "id"))
	getCollaborationSQL    = preparedRead("SELECT " + selectList("c", collaborationCols) + " FROM collaborations c WHERE c.id = ?")
	// Kept by the triggers of migration 0002; no row is 0.
	countCreatedBySQL = preparedRead("SELECT COALESCE(SUM(n), 0) FROM collaboration_counts WHERE account_id = ?")
)

func collaborationArgs(c *cleanrooms.Collaboration) ([]any, error) {
	p := params{args: make([]any, 0, 24)} // one allocation, not one per doubling
	p.add(c.ID)
	p.add(c.Region)
	p.add(c.CreatorAccountID)
	p.add(c.Name)
	p.add(c.Description)
	p.add(c.CreatorDisplayName)
	p.add(c.QueryLogStatus)
	p.add(c.JobLogStatus)
	p.add(c.AnalyticsEngine)
	p.add(boolPtrParam(c.IsMetricsEnabled))
	p.addJSON(jsonPtrParam(c.DataEncryption))
	p.addJSON(stringsParam(c.AutoApprovedChangeTypes))
	p.addJSON(stringsParam(c.AllowedResultRegions))
	p.add(timeParam(c.CreateTime))
	p.add(timeParam(c.UpdateTime))
	p.add(timePtrParam(c.DeleteTime))
	return p.args, p.err
}

// collaborationRow receives one row in collaborationCols order.
type collaborationRow struct {
	c                         cleanrooms.Collaboration
	isMetricsEnabled          sql.NullBool
	dataEncryption            sql.NullString
	autoApproved, allowedRegs sql.NullString
	createTime, updateTime    int64
	deleteTime                sql.NullInt64
}

func (r *collaborationRow) dest() []any { return r.appendDest(make([]any, 0, 16)) }

// appendDest appends dest's pointers to d (joined rows share one slice).
func (r *collaborationRow) appendDest(d []any) []any {
	c := &r.c
	return append(d,
		&c.ID, &c.Region, &c.CreatorAccountID,
		&c.Name, &c.Description, &c.CreatorDisplayName,
		&c.QueryLogStatus, &c.JobLogStatus, &c.AnalyticsEngine, &r.isMetricsEnabled,
		&r.dataEncryption, &r.autoApproved, &r.allowedRegs,
		&r.createTime, &r.updateTime, &r.deleteTime,
	)
}

func (r *collaborationRow) record() (cleanrooms.Collaboration, error) {
	c := r.c
	var err error
	c.IsMetricsEnabled = boolPtrValue(r.isMetricsEnabled)
	if c.DataEncryption, err = jsonPtrValue[cleanrooms.DataEncryptionMetadata](r.dataEncryption); err != nil {
		return c, err
	}
	if c.AutoApprovedChangeTypes, err = stringsValue(r.autoApproved); err != nil {
		return c, err
	}
	if c.AllowedResultRegions, err = stringsValue(r.allowedRegs); err != nil {
		return c, err
	}
	c.CreateTime = timeValue(r.createTime)
	c.UpdateTime = timeValue(r.updateTime)
	c.DeleteTime = timePtrValue(r.deleteTime)
	return c, nil
}

func (t *readTx) GetCollaboration(ctx context.Context, id string) (*cleanrooms.Collaboration, error) {
	what := func() string { return fmt.Sprintf("get collaboration %q", id) } // on failure only
	var r collaborationRow
	if err := t.queryRow(ctx, getCollaborationSQL, id).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, what())
	}
	c, err := r.record()
	if err != nil {
		return nil, t.fail(err, what())
	}
	return &c, nil
}

func (t *readTx) CountCollaborationsCreatedBy(ctx context.Context, accountID string) (int, error) {
	var n int
	err := t.queryRow(ctx, countCreatedBySQL, accountID).Scan(&n)
	if err != nil {
		return 0, t.fail(err, fmt.Sprintf("count collaborations created by %q", accountID))
	}
	return n, nil
}

func (t *writeTx) InsertCollaboration(ctx context.Context, c *cleanrooms.Collaboration) error {
	what := fmt.Sprintf("insert collaboration %q", c.ID)
	args, err := collaborationArgs(c)
	if err != nil {
		return t.fail(err, what)
	}
	if _, err := t.exec(ctx, insertCollaborationSQL, args...); err != nil {
		return t.fail(err, what)
	}
	return nil
}

func (t *writeTx) UpdateCollaboration(ctx context.Context, c *cleanrooms.Collaboration) error {
	what := fmt.Sprintf("update collaboration %q", c.ID)
	args, err := collaborationArgs(c)
	if err != nil {
		return t.fail(err, what)
	}
	res, err := t.exec(ctx, updateCollaborationSQL, updateArgs(collaborationCols, args, "id")...)
	return t.mustAffect(res, err, what)
}
