-- Privacy budget templates and the spend ledger (see the conventions in
-- 0001_init.sql). A template belongs to a membership (the foreign key
-- keeps a membership with templates from being deleted; the service
-- answers that with a 409 first) and to its collaboration. resource_key
-- is '' for the differential privacy template and the resource ARN for an
-- access budget: the unique index makes a second template for the same
-- thing a conflict. parameters is the JSON of the DP or access parameters.

CREATE TABLE privacy_budget_templates (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT    NOT NULL UNIQUE,
    account_id       TEXT    NOT NULL,
    region           TEXT    NOT NULL,
    membership_id    TEXT    NOT NULL REFERENCES memberships (id),
    collaboration_id TEXT    NOT NULL REFERENCES collaborations (id),
    collaboration_creator_account_id TEXT NOT NULL,
    budget_type      TEXT    NOT NULL,
    resource_key     TEXT    NOT NULL,
    auto_refresh     TEXT    NOT NULL,
    parameters       TEXT    NOT NULL,
    create_time      INTEGER NOT NULL,
    update_time      INTEGER NOT NULL
) STRICT;

-- PrivacyBudgetTemplateFor, and one template per collaboration and key.
CREATE UNIQUE INDEX privacy_budget_templates_by_key ON privacy_budget_templates (collaboration_id, resource_key);
-- ListPrivacyBudgetTemplatesOf, CountPrivacyBudgetTemplatesOf; the
-- foreign key check when a membership is deleted.
CREATE INDEX privacy_budget_templates_by_membership ON privacy_budget_templates (membership_id, seq);
-- ListCollaborationPrivacyBudgetTemplates.
CREATE INDEX privacy_budget_templates_by_collaboration ON privacy_budget_templates (collaboration_id, seq);

-- What was spent per scope (a collaboration id for differential privacy,
-- in nano-epsilon; a resource ARN for access budgets, in queries), period
-- kind and period start (microseconds; 0 for LIFETIME). Rows are never
-- deleted: templates come and go, what was spent stays spent.
CREATE TABLE privacy_budget_spends (
    scope        TEXT    NOT NULL,
    period       TEXT    NOT NULL,
    period_start INTEGER NOT NULL,
    spent        INTEGER NOT NULL,
    PRIMARY KEY (scope, period, period_start)
) STRICT, WITHOUT ROWID;
