#!/usr/bin/env python3
"""Issue 9's differential privacy with real clients: a DP collaboration set up with boto3 and the
AWS CLI v1, noised aggregates read back from S3, ListPrivacyBudgets counting down to zero, the
next query refused, PreviewPrivacyImpact matching what was spent, and an access budget.

Starts the server binary (env CLEANROOMSD_BIN, else ``go build``) on a free port with a fresh
--data-dir and a credentials file (strict SigV4). Account A (creator, CAN_QUERY and
CAN_RECEIVE_RESULTS) queries with boto3 and reads budgets with the CLI; account B owns the visits
table (custom rule, ANY_QUERY for A, differential privacy on user_id) and the budget templates.
Steps of ``TestDifferentialPrivacy`` run in order and share state. Run:
python3 tests/python/dp_test.py [-v]
"""

import atexit
import csv
import io
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import unittest

import boto3
import botocore.config
from botocore.exceptions import ClientError

from harness import Server, find_aws_cli, server_binary

REGION = "eu-west-1"
ACCOUNTS = {
    "A": {"key": "AKIADPQUERIER0000001", "account": "121212121212"},
    "B": {"key": "AKIADPOWNER00000002", "account": "343434343434"},
}
for _a in ACCOUNTS.values():
    _a["secret"] = secrets.token_urlsafe(30)
A, B = ACCOUNTS["A"]["account"], ACCOUNTS["B"]["account"]
WORKDIR = tempfile.mkdtemp(prefix="cleanroomsd-dp-")
if not os.environ.get("CLEANROOMSD_KEEP"):
    atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)
AWS_CONFIG = os.path.join(WORKDIR, "aws-config")
with open(AWS_CONFIG, "w") as _f:
    _f.write("[default]\nregion = %s\ns3 =\n    addressing_style = path\n" % REGION)
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

# Two campaigns of USERS users each (1 to 3 visits, spend 1..50), a third of 3 users, which
# partition selection must drop.
USERS = 2000
ROWS, TRUTH = [], {}
for c in ("c1", "c2"):
    TRUTH[c] = [0, 0.0]
    for i in range(USERS):
        for v in range(1 + i % 3):
            s = float(1 + (i * 7 + v * 13) % 50)
            ROWS.append(("%s-u%d" % (c, i), c, s))
            TRUTH[c][1] += s
        TRUTH[c][0] += 1
for i in range(3):
    ROWS.append(("c3-u%d" % i, "c3", 10.0))
VISITS_CSV = ("user_id,campaign,spend\n" + "".join("%s,%s,%s\n" % r for r in ROWS)).encode()
DP_SQL = "SELECT campaign, COUNT(DISTINCT user_id) AS users, SUM(spend) AS total FROM visits GROUP BY campaign"
COUNT_SQL = "SELECT COUNT(*) AS n FROM visits"


SERVER = None


def setUpModule():
    global SERVER
    SERVER = Server(server_binary(WORKDIR), WORKDIR, ACCOUNTS)
    SERVER.start()


def tearDownModule():
    if SERVER is not None and SERVER.stop() != 0:
        raise AssertionError("cleanroomsd did not exit 0 on SIGTERM; log:\n" + SERVER.log_tail())


def client(service, who):
    cfg = botocore.config.Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
    return boto3.session.Session(region_name=REGION).client(
        service, endpoint_url=SERVER.url, region_name=REGION, config=cfg,
        aws_access_key_id=ACCOUNTS[who]["key"], aws_secret_access_key=ACCOUNTS[who]["secret"])


def aws(who, *args):
    cli = find_aws_cli()
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCOUNTS[who]["key"], AWS_SECRET_ACCESS_KEY=ACCOUNTS[who]["secret"],
               AWS_CONFIG_FILE=AWS_CONFIG, AWS_SHARED_CREDENTIALS_FILE=os.path.join(WORKDIR, "none"),
               AWS_DEFAULT_REGION=REGION, AWS_ENDPOINT_URL=SERVER.url, AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
    env.pop("AWS_PROFILE", None)
    p = subprocess.run([cli] + list(args) + ["--output", "json"], env=env, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("aws %s -> rc %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return json.loads(p.stdout) if p.stdout.strip() else None


class TestDifferentialPrivacy(unittest.TestCase):
    state = {}

    @classmethod
    def setUpClass(cls):
        cls.cr = {w: client("cleanrooms", w) for w in "AB"}
        cls.s3 = {w: client("s3", w) for w in "AB"}

    def run(self, result=None):
        # The result is shared by every module in the run: count this step's own failures, and
        # skip through the result (a SkipTest raised here, outside a test, would end the run).
        if result is None:
            result = self.defaultTestResult()
        if self.state.get("failed"):
            result.startTest(self)
            result.addSkip(self, "an earlier step failed")
            result.stopTest(self)
            return result
        before = len(result.failures) + len(result.errors)
        r = super().run(result)
        if len(result.failures) + len(result.errors) > before:
            self.state["failed"] = True
        return r

    def refused(self, fn, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(**kw)
        return cm.exception.response

    def start(self, sql):
        return self.cr["A"].start_protected_query(membershipIdentifier=self.state["mA"], type="SQL",
                                                  sqlParameters={"queryString": sql})["protectedQuery"]

    def wait(self, qid):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            q = self.cr["A"].get_protected_query(membershipIdentifier=self.state["mA"],
                                                 protectedQueryIdentifier=qid)["protectedQuery"]
            if q["status"] in ("SUCCESS", "FAILED", "CANCELLED", "TIMED_OUT"):
                return q
            time.sleep(0.05)
        self.fail("query %s did not finish" % qid)

    def budgets(self, who="A"):
        out = aws(who, "cleanrooms", "list-privacy-budgets", "--membership-identifier",
                  self.state["m" + who], "--privacy-budget-type", "DIFFERENTIAL_PRIVACY")
        (item,) = out["privacyBudgetSummaries"]
        return {a["type"]: (a["maxCount"], a["remainingCount"]) for a in item["budget"]["differentialPrivacy"]["aggregations"]}

    def test_01_setup(self):
        st = self.state
        self.s3["A"].create_bucket(Bucket="dp-results")
        self.s3["B"].create_bucket(Bucket="dp-data")
        self.s3["B"].put_object(Bucket="dp-data", Key="visits/part-0.csv", Body=VISITS_CSV)
        glue = client("glue", "B")
        glue.create_database(DatabaseInput={"Name": "ads"})
        glue.create_table(DatabaseName="ads", TableInput={
            "Name": "visits", "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "StorageDescriptor": {
                "Columns": [{"Name": "user_id", "Type": "string"}, {"Name": "campaign", "Type": "string"},
                            {"Name": "spend", "Type": "double"}],
                "Location": "s3://dp-data/visits/",
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              "Parameters": {"field.delim": ","}}}})
        collab = aws("A", "cleanrooms", "create-collaboration", "--name", "dp", "--description", "dp",
                     "--creator-display-name", "A", "--creator-member-abilities", "CAN_QUERY", "CAN_RECEIVE_RESULTS",
                     "--members", json.dumps([{"accountId": B, "displayName": "B", "memberAbilities": []}]),
                     "--query-log-status", "DISABLED")["collaboration"]
        st["collab"] = collab["id"]
        st["mA"] = self.cr["A"].create_membership(
            collaborationIdentifier=st["collab"], queryLogStatus="DISABLED",
            defaultResultConfiguration={"outputConfiguration": {"s3": {"bucket": "dp-results", "resultFormat": "CSV"}}},
        )["membership"]["id"]
        st["mB"] = self.cr["B"].create_membership(collaborationIdentifier=st["collab"], queryLogStatus="DISABLED")["membership"]["id"]
        ct = self.cr["B"].create_configured_table(
            name="visits", allowedColumns=["user_id", "campaign", "spend"], analysisMethod="DIRECT_QUERY",
            tableReference={"glue": {"databaseName": "ads", "tableName": "visits"}})["configuredTable"]
        self.cr["B"].create_configured_table_analysis_rule(
            configuredTableIdentifier=ct["id"], analysisRuleType="CUSTOM",
            analysisRulePolicy={"v1": {"custom": {"allowedAnalyses": ["ANY_QUERY"], "allowedAnalysisProviders": [A],
                                                  "differentialPrivacy": {"columns": [{"name": "user_id"}]}}}})
        cta = self.cr["B"].create_configured_table_association(
            membershipIdentifier=st["mB"], configuredTableIdentifier=ct["id"], name="visits",
            roleArn="arn:aws:iam::%s:role/cleanrooms" % B)["configuredTableAssociation"]
        st["cta"] = cta["arn"]
        self.cr["B"].create_configured_table_association_analysis_rule(
            membershipIdentifier=st["mB"], configuredTableAssociationIdentifier=cta["id"], analysisRuleType="CUSTOM",
            analysisRulePolicy={"v1": {"custom": {"allowedResultReceivers": [A]}}})
        schema = self.cr["A"].get_schema(collaborationIdentifier=st["collab"], name="visits")["schema"]
        direct = [d for d in schema["schemaStatusDetails"] if d["analysisType"] == "DIRECT_ANALYSIS"][0]
        self.assertEqual(direct["status"], "NOT_READY")
        self.assertEqual([r["code"] for r in direct["reasons"]], ["DIFFERENTIAL_PRIVACY_POLICY_NOT_CONFIGURED"])
        resp = self.refused(self.start, sql=DP_SQL)
        self.assertEqual(resp["Error"]["Code"], "ValidationException")

    def test_02_template(self):
        st = self.state
        # epsilon 2 at 10 users of noise per query: COUNT_DISTINCT 2 shares, SUM 3, COUNT 2 of 20.
        out = aws("B", "cleanrooms", "create-privacy-budget-template", "--membership-identifier", st["mB"],
                  "--privacy-budget-type", "DIFFERENTIAL_PRIVACY", "--auto-refresh", "NONE",
                  "--parameters", json.dumps({"differentialPrivacy": {"epsilon": 2, "usersNoisePerQuery": 10}}))
        tpl = out["privacyBudgetTemplate"]
        self.assertEqual(tpl["parameters"], {"differentialPrivacy": {"epsilon": 2, "usersNoisePerQuery": 10}})
        self.assertEqual(tpl["privacyBudgetType"], "DIFFERENTIAL_PRIVACY")
        st["template"] = tpl["id"]
        resp = self.refused(self.cr["B"].create_privacy_budget_template, membershipIdentifier=st["mB"],
                            privacyBudgetType="DIFFERENTIAL_PRIVACY", autoRefresh="NONE",
                            parameters={"differentialPrivacy": {"epsilon": 3, "usersNoisePerQuery": 10}})
        self.assertEqual(resp["Error"]["Code"], "ConflictException")
        views = self.cr["A"].list_collaboration_privacy_budget_templates(collaborationIdentifier=st["collab"])
        self.assertEqual([t["id"] for t in views["collaborationPrivacyBudgetTemplateSummaries"]], [tpl["id"]])
        schema = self.cr["A"].get_schema(collaborationIdentifier=st["collab"], name="visits")["schema"]
        direct = [d for d in schema["schemaStatusDetails"] if d["analysisType"] == "DIRECT_ANALYSIS"][0]
        self.assertEqual((direct["status"], direct.get("configurations")), ("READY", ["DIFFERENTIAL_PRIVACY"]))
        preview = aws("A", "cleanrooms", "preview-privacy-impact", "--membership-identifier", st["mA"],
                      "--parameters", json.dumps({"differentialPrivacy": {"epsilon": 2, "usersNoisePerQuery": 10}}))
        got = {a["type"]: a["maxCount"] for a in preview["privacyImpact"]["differentialPrivacy"]["aggregations"]}
        self.assertEqual(got, {"COUNT": 10, "COUNT_DISTINCT": 10, "SUM": 6, "AVG": 5, "STDDEV": 4})
        self.assertEqual(self.budgets(), {t: (n, n) for t, n in got.items()})
        # B cannot query: the remaining budget is not its to see.
        resp = self.refused(self.cr["B"].list_privacy_budgets, membershipIdentifier=st["mB"],
                            privacyBudgetType="DIFFERENTIAL_PRIVACY")
        self.assertEqual(resp["Error"]["Code"], "AccessDeniedException")

    def test_03_noised_query(self):
        q = self.wait(self.start(DP_SQL)["id"])
        self.assertEqual(q["status"], "SUCCESS", q.get("error"))
        sens = q["differentialPrivacy"]["sensitivityParameters"]
        self.assertEqual([s["aggregationType"] for s in sens], ["COUNT_DISTINCT", "SUM"])
        # The SUM's noise scales with its own limit and with the larger magnitude of its two
        # clamping bounds (internal/dp noisySum): the negative side's histogram is empty here,
        # but noise can pass one of its bins, and then minColumnValue sets the scale.
        limit = sens[0]["userContributionLimit"]
        sum_limit = sens[1]["userContributionLimit"]
        mag = max(abs(sens[1]["minColumnValue"]), sens[1]["maxColumnValue"])
        loc = q["result"]["output"]["s3"]["location"]
        bucket, prefix = loc[len("s3://"):].split("/", 1)
        rows = []
        for o in self.s3["A"].list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]:
            body = self.s3["A"].get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode()
            rows += list(csv.reader(io.StringIO(body)))[1:]
        got = {r[0]: (float(r[1]), float(r[2])) for r in rows}
        self.assertEqual(sorted(got), ["c1", "c2"], "c3's 3 users must not be released")
        for c, (users, total) in got.items():
            # 15 noise scales (N·Δ); bounding only lowers counts and sums.
            self.assertLess(abs(users - TRUTH[c][0]), 15 * 10 * limit, c)
            self.assertLess(total, TRUTH[c][1] + 15 * 10 * sum_limit * mag, c)
            self.assertGreater(total, TRUTH[c][1] * 0.5 - 15 * 10 * sum_limit * mag, c)
            self.assertNotEqual((users, total), tuple(TRUTH[c]), "no noise was added to " + c)
        self.assertEqual(self.budgets()["COUNT"], (10, 7))

    def test_04_counts_down_to_zero(self):
        seen = []
        for _ in range(7):
            self.assertEqual(self.wait(self.start(COUNT_SQL)["id"])["status"], "SUCCESS")
            seen.append(self.budgets()["COUNT"][1])
        self.assertEqual(seen, [6, 5, 4, 3, 2, 1, 0])
        resp = self.refused(self.start, sql=COUNT_SQL)
        self.assertEqual(resp["Error"]["Code"], "ValidationException")
        self.assertIn("not enough aggregations remaining", resp["Error"]["Message"])
        self.assertEqual(set(self.budgets().values()),
                         {(10, 0), (6, 0), (5, 0), (4, 0)})

    def test_05_access_budget(self):
        st = self.state
        # Recreating the DP template does not refund; a bigger epsilon adds budget.
        self.cr["B"].delete_privacy_budget_template(membershipIdentifier=st["mB"], privacyBudgetTemplateIdentifier=st["template"])
        tpl = self.cr["B"].create_privacy_budget_template(
            membershipIdentifier=st["mB"], privacyBudgetType="DIFFERENTIAL_PRIVACY", autoRefresh="NONE",
            parameters={"differentialPrivacy": {"epsilon": 3, "usersNoisePerQuery": 10}})["privacyBudgetTemplate"]
        self.assertEqual(self.budgets()["COUNT"], (15, 5))
        # An access budget of 2 on the table: two queries, then refused.
        self.cr["B"].create_privacy_budget_template(
            membershipIdentifier=st["mB"], privacyBudgetType="ACCESS_BUDGET", autoRefresh="NONE",
            parameters={"accessBudget": {"resourceArn": st["cta"], "budgetParameters": [
                {"type": "LIFETIME", "budget": 2, "autoRefresh": "DISABLED"}]}})
        for want in (1, 0):
            self.assertEqual(self.wait(self.start(COUNT_SQL)["id"])["status"], "SUCCESS")
            out = self.cr["A"].list_privacy_budgets(membershipIdentifier=st["mA"], privacyBudgetType="ACCESS_BUDGET")
            (item,) = out["privacyBudgetSummaries"]
            self.assertEqual(item["budget"]["accessBudget"]["aggregateRemainingBudget"], want)
        resp = self.refused(self.start, sql=COUNT_SQL)
        self.assertIn("access budget", resp["Error"]["Message"])
        self.assertEqual(tpl["privacyBudgetType"], "DIFFERENTIAL_PRIVACY")


if __name__ == "__main__":
    unittest.main()
