-- The PostgreSQL twin of migrations/sqlite/0008_budgets.sql: privacy
-- budget templates and the spend ledger. resource_key is '' for the
-- differential privacy template and the resource ARN for an access
-- budget: the unique index makes a second template for the same thing a
-- conflict.

CREATE TABLE privacy_budget_templates (
    seq              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    create_time      BIGINT  NOT NULL,
    update_time      BIGINT  NOT NULL
);

-- PrivacyBudgetTemplateFor, and one template per collaboration and key.
CREATE UNIQUE INDEX privacy_budget_templates_by_key ON privacy_budget_templates (collaboration_id, resource_key);
-- ListPrivacyBudgetTemplatesOf, CountPrivacyBudgetTemplatesOf; the
-- foreign key check when a membership is deleted.
CREATE INDEX privacy_budget_templates_by_membership ON privacy_budget_templates (membership_id, seq);
-- ListCollaborationPrivacyBudgetTemplates.
CREATE INDEX privacy_budget_templates_by_collaboration ON privacy_budget_templates (collaboration_id, seq);

-- What was spent per scope, period kind and period start (microseconds;
-- 0 for LIFETIME). Rows are never deleted.
CREATE TABLE privacy_budget_spends (
    scope        TEXT    NOT NULL,
    period       TEXT    NOT NULL,
    period_start BIGINT  NOT NULL,
    spent        BIGINT  NOT NULL,
    PRIMARY KEY (scope, period, period_start)
);
