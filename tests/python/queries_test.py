#!/usr/bin/env python3
"""Issue 8's protected queries with real clients: start, poll, read the result files, refusals,
results to another member, a template with a parameter, a table over another account's bucket,
cancel, the quota, SIGKILL and SIGTERM mid-query.

Starts the server binary (env CLEANROOMSD_BIN, else ``go build``) on a free port with a fresh
--data-dir and a credentials file (strict SigV4). Account A (111122223333, creator, CAN_QUERY and
CAN_RECEIVE_RESULTS, owns purchases) works with the AWS CLI v1 and boto3; account B (444455556666,
member without abilities, owns users, segments and big) with boto3; account C (777788889999) is a
member that can receive results; D (123412341234) is in no collaboration. The data is the worked
example of the spec (dataplane.md 2.2): 8 users in 4 cities joined to 9 purchases with a minimum of 2
distinct users per output row, so LA (2 users) and NYC (3) come out and Chicago (1) does not.

The steps of ``TestQueriesStory`` run in order and share state; after a failure the later ones
are skipped. Standard library + boto3/botocore only (Parquet results are checked by their magic
bytes, CSV results read with the csv module). Run:  python3 tests/python/queries_test.py [-v]
(QUERIES_TEST_SHOW=1 prints each refused query with the server's message). Needs a binary with
the query engine (cgo): a CGO_ENABLED=0 build fails every query with ENGINE_UNAVAILABLE.
"""

import atexit
import csv
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import boto3
import botocore.config
from botocore.exceptions import ClientError

from harness import Server, find_aws_cli, server_binary

REGION = "eu-west-1"
ACCOUNTS = {
    "A": {"key": "AKIAQUERIESACME00001", "account": "111122223333"},
    "B": {"key": "AKIAQUERIESBETA00002", "account": "444455556666"},
    "C": {"key": "AKIAQUERIESCHAR00003", "account": "777788889999"},
    "D": {"key": "AKIAQUERIESOUTS00004", "account": "123412341234"},
}
for _a in ACCOUNTS.values():
    _a["secret"] = secrets.token_urlsafe(30)
A, B, C, D = (ACCOUNTS[k]["account"] for k in "ABCD")

WORKDIR = tempfile.mkdtemp(prefix="cleanroomsd-queries-")
if not os.environ.get("CLEANROOMSD_KEEP"):
    atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)
# The CLI's config: path-style S3 addressing (what a custom endpoint needs); ~/.aws is ignored.
AWS_CONFIG = os.path.join(WORKDIR, "aws-config")
with open(AWS_CONFIG, "w") as _f:
    _f.write("[default]\nregion = %s\ns3 =\n    addressing_style = path\n" % REGION)
# The CLI gets its own environment (see aws()); this process's is left alone except for what
# would point boto3 elsewhere (unittest discover imports every *_test.py into one process).
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
for _v in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
           "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_GLUE", "AWS_ENDPOINT_URL_CLEANROOMS", "AWS_CA_BUNDLE"):
    os.environ.pop(_v, None)

# --------------------------------------------------------------------------- the data

# B's users: LA 2, NYC 3, Chicago 1, Seattle 2 (Seattle's users bought nothing). phone is in the
# Glue table but not an allowed column of the configured table.
USERS = [(1, "ann@example.net", "LA"), (2, "bob@example.net", "LA"), (3, "cat@example.net", "NYC"),
         (4, "dan@example.net", "NYC"), (5, "eve@example.net", "NYC"), (6, "fay@example.net", "Chicago"),
         (7, "gus@example.net", "Seattle"), (8, "hal@example.net", "Seattle")]
USERS = [u + ("+1-555-01%02d" % u[0],) for u in USERS]
# A's 9 purchases; amounts are binary fractions so that sums print exactly.
PURCHASES = [(101, 1, 10.5), (102, 1, 5.25), (103, 2, 20.0),                  # LA: 2 users, 35.75
             (104, 3, 7.25), (105, 4, 3.0), (106, 5, 12.5), (107, 5, 1.25),   # NYC: 3 users, 24.0
             (108, 6, 100.0), (109, 6, 50.0)]                                 # Chicago: 1 user, dropped
EXPECTED = {"LA": (2, 35.75), "NYC": (3, 24.0)}
USERS_CSV = ("user_id,email,city,phone\n" + "".join("%d,%s,%s,%s\n" % u for u in USERS)).encode()
PURCHASES_CSV = ("purchase_id,user_id,amount\n" + "".join("%d,%d,%s\n" % p for p in PURCHASES)).encode()
# B's segments (CUSTOM rule, one template): 3 LA rows, 2 NYC.
SEGMENTS_CSV = b"user_id,city\n1,LA\n2,LA\n9,LA\n3,NYC\n4,NYC\n"
# B's big table (CUSTOM, ANY_QUERY for A): cross joins of it make queries as long as we like.
# Its column secret is not an allowed column.
BIG_N = 2000
BIG_CSV = ("n,secret\n" + "".join("%d,s%d\n" % (i, i * 7) for i in range(BIG_N))).encode()

JOIN_SQL = ("SELECT u.city, COUNT(DISTINCT u.user_id) AS users, SUM(p.amount) AS total "
            "FROM users u JOIN purchases p ON u.user_id = p.user_id GROUP BY u.city")
# Hours of work: only a cancel ends it.
LONG_SQL = "SELECT COUNT(*) AS n FROM big a CROSS JOIN big b CROSS JOIN big c CROSS JOIN big d"
TEMPLATE_SQL = "SELECT city FROM segments WHERE city = :c"
INJECTION = "x' OR '1'='1"


def sized_sql(k):
    """A COUNT(*) over about BIG_N * BIG_N * k rows of cross join, and its answer: the work grows
    with k (the filters are pushed down to c and d)."""
    kc, kd = min(k, BIG_N), max(1, k // BIG_N)
    return ("SELECT COUNT(*) AS n FROM big a CROSS JOIN big b CROSS JOIN big c CROSS JOIN big d "
            "WHERE c.n < %d AND d.n < %d" % (kc, kd)), BIG_N * BIG_N * kc * kd


# --------------------------------------------------------------------------- server


SERVER = None


def setUpModule():
    global SERVER
    SERVER = Server(server_binary(WORKDIR), WORKDIR, ACCOUNTS)
    SERVER.start()


def tearDownModule():
    if SERVER is not None:
        code = SERVER.stop()
        if code != 0:
            raise AssertionError("cleanroomsd exit %r on SIGTERM; log:\n%s" % (code, SERVER.log_tail()))


# --------------------------------------------------------------------------- clients

_SESSION = None
STATS = {"cli_calls": 0}


def client(service, who, retries=1, read_timeout=30):
    """retries is botocore's legacy max_attempts: retries after the first attempt."""
    global _SESSION
    if _SESSION is None:
        _SESSION = boto3.session.Session(region_name=REGION)
    cfg = botocore.config.Config(connect_timeout=5, read_timeout=read_timeout, retries={"max_attempts": retries},
                                 s3={"addressing_style": "path"})
    return _SESSION.client(service, endpoint_url=SERVER.url, region_name=REGION, config=cfg,
                           aws_access_key_id=ACCOUNTS[who]["key"], aws_secret_access_key=ACCOUNTS[who]["secret"])


AWS_CLI = find_aws_cli()


class CliError(Exception):
    pass


def aws(who, *args, expect_rc=0, json_out=True):
    """`aws ARGS` as account `who` with AWS_ENDPOINT_URL set to the server (one endpoint for s3,
    glue and cleanrooms). expect_rc=0: parsed stdout; expect_rc=None: the CompletedProcess."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCOUNTS[who]["key"], AWS_SECRET_ACCESS_KEY=ACCOUNTS[who]["secret"],
               AWS_CONFIG_FILE=AWS_CONFIG, AWS_SHARED_CREDENTIALS_FILE=os.path.join(WORKDIR, "no-credentials"),
               AWS_DEFAULT_REGION=REGION, AWS_ENDPOINT_URL=SERVER.url, AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
    cmd = [AWS_CLI] + list(args) + (["--output", "json"] if json_out else [])
    STATS["cli_calls"] += 1
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=WORKDIR)
    if expect_rc is None:
        return p
    if p.returncode != 0:
        raise CliError("aws %s -> rc %d\nstdout: %s\nstderr: %s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return json.loads(p.stdout) if json_out and p.stdout.strip() else p.stdout


def parallel(*fns):
    out = [None] * len(fns)

    def work(i):
        try:
            out[i] = fns[i]()
        except Exception as e:  # noqa: BLE001 - re-raised below
            out[i] = e

    ts = [threading.Thread(target=work, args=(i,)) for i in range(len(fns))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(180)
    for o in out:
        if isinstance(o, Exception):
            raise o
    return out


def write(name, data):
    path = os.path.join(WORKDIR, name)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data if isinstance(data, bytes) else json.dumps(data))
    return path


def glue_table(name, location, columns, serde, params, input_format, output_format, partition_keys=(),
               table_params=None):
    t = {"Name": name, "TableType": "EXTERNAL_TABLE", "Parameters": dict(table_params or {}),
         "StorageDescriptor": {
             "Columns": [{"Name": n, "Type": ty} for n, ty in columns], "Location": location,
             "InputFormat": input_format, "OutputFormat": output_format,
             "SerdeInfo": {"SerializationLibrary": serde, "Parameters": params}}}
    if partition_keys:
        t["PartitionKeys"] = [{"Name": n, "Type": ty} for n, ty in partition_keys]
    return t


TEXT_IN = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
LAZY = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"


def csv_table(name, location, columns):
    return glue_table(name, location, columns, LAZY, {"field.delim": ","}, TEXT_IN, TEXT_OUT,
                      table_params={"skip.header.line.count": "1", "classification": "csv"})


def role(account, name="cleanrooms-results"):
    return "arn:aws:iam::%s:role/%s" % (account, name)


TERMINAL = ("SUCCESS", "FAILED", "CANCELLED", "TIMED_OUT")


def parse_s3(location):
    m = re.fullmatch(r"s3://([^/]+)/(.*)", location)
    assert m, location
    return m.group(1), m.group(2)


# --------------------------------------------------------------------------- the story


class TestQueriesStory(unittest.TestCase):
    st = {}
    failed = False

    @classmethod
    def setUpClass(cls):
        cls.s3 = {w: client("s3", w) for w in "ABCD"}
        cls.glue = {w: client("glue", w) for w in "AB"}
        cls.cr = {w: client("cleanrooms", w) for w in "ABCD"}

    def run(self, result=None):
        if TestQueriesStory.failed:
            result.startTest(self)
            result.addSkip(self, "an earlier step failed")
            result.stopTest(self)
            return result
        before = len(result.failures) + len(result.errors)
        r = super().run(result)
        if len(result.failures) + len(result.errors) > before:
            TestQueriesStory.failed = True
        return r

    def err(self, code, status, fn, /, *args, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kw)
        e = cm.exception.response
        self.assertEqual((e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]), (code, status),
                         "%s: %r" % (fn.__name__, e["Error"]))
        return e

    # ---- helpers of the query flow (aws-sdk-pandas's read_sql_query, faster polling)

    def start(self, sql=None, who="A", mid=None, **kw):
        params = kw.pop("sql_parameters", None) or {"queryString": sql}
        return self.cr[who].start_protected_query(type="SQL", membershipIdentifier=mid or self.st["mid_a"],
                                                  sqlParameters=params, **kw)["protectedQuery"]

    def get(self, qid, who="A", mid=None):
        return self.cr[who].get_protected_query(membershipIdentifier=mid or self.st["mid_a"],
                                                protectedQueryIdentifier=qid)["protectedQuery"]

    def wait(self, qid, statuses=TERMINAL, timeout=30.0, who="A", mid=None):
        """Polls GetProtectedQuery until the status is one of statuses; returns the query."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            q = self.get(qid, who, mid)
            if not seen or seen[-1] != q["status"]:
                seen.append(q["status"])
            if q["status"] in statuses:
                return q
            if time.monotonic() > deadline:
                self.fail("query %s still %s after %.0f s (statuses seen %s; wanted %s)\n%s" % (
                    qid, q["status"], timeout, seen, statuses, SERVER.log_tail(15)))
            time.sleep(0.03)

    def succeed(self, qid, timeout=30.0):
        return self.succeed_or(qid, "SUCCESS", timeout)

    def succeed_or(self, qid, status, timeout=30.0):
        """Waits for the query to end and checks it ended with status."""
        q = self.wait(qid, timeout=timeout)
        self.assertEqual(q["status"], status, q.get("error"))
        return q

    def result_objects(self, who, location):
        """The objects under a result location, as a client that lists the prefix sees them."""
        bucket, prefix = parse_s3(location)
        self.assertTrue(prefix.endswith("/"), location)
        got = self.s3[who].list_objects_v2(Bucket=bucket, Prefix=prefix)
        return bucket, [o["Key"] for o in got.get("Contents", [])]

    def read_csv_result(self, who, location):
        """Every part file's rows (each part has a header row); returns (header, rows)."""
        bucket, keys = self.result_objects(who, location)
        _, prefix = parse_s3(location)
        self.assertTrue(keys, "no result file under " + location)
        self.assertEqual(keys[0], prefix + "part-00000.csv", keys)
        for k in keys:
            self.assertRegex(k[len(prefix):], r"^part-\d{5}\.csv$")
        header, rows = None, []
        for k in keys:
            body = self.s3[who].get_object(Bucket=bucket, Key=k)["Body"].read().decode()
            part = list(csv.reader(io.StringIO(body)))
            self.assertTrue(part, "part %s has no header row" % k)
            if header is None:
                header = part[0]
            self.assertEqual(part[0], header, k)
            rows += part[1:]
        return header, rows

    def assert_join_result(self, header, rows):
        self.assertEqual(header, ["city", "users", "total"])
        got = {r[0]: (int(r[1]), float(r[2])) for r in rows}
        self.assertEqual(len(rows), len(got), rows)
        # Chicago (1 user) is below the output minimum of 2 and disappears; Seattle bought nothing.
        self.assertEqual(got, EXPECTED)

    def list_ids(self, who="A", mid=None):
        p = self.cr[who].get_paginator("list_protected_queries")
        pages = p.paginate(membershipIdentifier=mid or self.st["mid_a"], PaginationConfig={"PageSize": 4})
        return [s["id"] for page in pages for s in page["protectedQueries"]]

    # ---- 1. set-up

    def test_01_setup(self):
        """A (CLI): buckets, purchases.csv, Glue table, configured table with an AGGREGATION rule,
        the collaboration (B without abilities, C can receive results), its membership with a default
        result configuration, the association and its rule. B, C (boto3): the same for users, and C's
        membership with its own default result configuration."""
        st = self.st
        write("purchases.csv", PURCHASES_CSV)
        purchases = csv_table("purchases", "s3://a-data/purchases/",
                              [("purchase_id", "bigint"), ("user_id", "bigint"), ("amount", "double")])
        parallel(lambda: aws("A", "s3", "mb", "s3://a-data", json_out=False),
                 lambda: aws("A", "s3", "mb", "s3://a-results", json_out=False),
                 lambda: aws("A", "glue", "create-database", "--database-input", "Name=acme"),
                 lambda: self.s3["B"].create_bucket(Bucket="b-data",
                                                    CreateBucketConfiguration={"LocationConstraint": REGION}),
                 lambda: self.s3["C"].create_bucket(Bucket="c-results",
                                                    CreateBucketConfiguration={"LocationConstraint": REGION}),
                 lambda: self.glue["B"].create_database(DatabaseInput={"Name": "beta"}))
        agg_a = {"v1": {"aggregation": {
            "aggregateColumns": [{"columnNames": ["amount"], "function": "SUM"}],
            "joinColumns": ["user_id"], "dimensionColumns": [], "scalarFunctions": [],
            "outputConstraints": [{"columnName": "user_id", "minimum": 2, "type": "COUNT_DISTINCT"}]}}}
        _, _, coll = parallel(
            lambda: aws("A", "s3", "cp", os.path.join(WORKDIR, "purchases.csv"),
                        "s3://a-data/purchases/purchases.csv", json_out=False),
            lambda: aws("A", "glue", "create-table", "--database-name", "acme", "--table-input",
                        "file://" + write("purchases.json", purchases)),
            lambda: aws("A", "cleanrooms", "create-collaboration", "--name", "queries", "--description", "issue 8",
                        "--members", json.dumps([
                            {"accountId": B, "memberAbilities": [], "displayName": "Beta"},
                            {"accountId": C, "memberAbilities": ["CAN_RECEIVE_RESULTS"], "displayName": "Charlie"}]),
                        "--creator-member-abilities", "CAN_QUERY", "CAN_RECEIVE_RESULTS",
                        "--creator-display-name", "Acme", "--query-log-status", "DISABLED"))
        st["cid"] = coll["collaboration"]["id"]
        st["result_cfg_a"] = {"outputConfiguration": {"s3": {"resultFormat": "CSV", "bucket": "a-results",
                                                             "keyPrefix": "queries"}}, "roleArn": role(A)}
        ct, mem_a = parallel(
            lambda: aws("A", "cleanrooms", "create-configured-table", "--name", "acme-purchases",
                        "--table-reference", '{"glue":{"databaseName":"acme","tableName":"purchases"}}',
                        "--allowed-columns", "purchase_id", "user_id", "amount", "--analysis-method", "DIRECT_QUERY"),
            lambda: aws("A", "cleanrooms", "create-membership", "--collaboration-identifier", st["cid"],
                        "--query-log-status", "DISABLED",
                        "--default-result-configuration", json.dumps(st["result_cfg_a"])))
        st["ct_purchases"] = ct["configuredTable"]["id"]
        st["mid_a"] = mem_a["membership"]["id"]
        _, assoc = parallel(
            lambda: aws("A", "cleanrooms", "create-configured-table-analysis-rule", "--configured-table-identifier",
                        st["ct_purchases"], "--analysis-rule-type", "AGGREGATION", "--analysis-rule-policy",
                        "file://" + write("agg-a.json", agg_a)),
            lambda: aws("A", "cleanrooms", "create-configured-table-association", "--name", "purchases",
                        "--membership-identifier", st["mid_a"], "--configured-table-identifier", st["ct_purchases"],
                        "--role-arn", role(A, "cleanrooms-read")))
        receivers = {"v1": {"aggregation": {"allowedResultReceivers": [A, C]}}}
        aws("A", "cleanrooms", "create-configured-table-association-analysis-rule",
            "--membership-identifier", st["mid_a"],
            "--configured-table-association-identifier", assoc["configuredTableAssociation"]["id"],
            "--analysis-rule-type", "AGGREGATION", "--analysis-rule-policy", json.dumps(receivers))

        # B: users, under an aggregation rule that needs the join to the querier's table.
        cb = self.cr["B"]
        self.s3["B"].put_object(Bucket="b-data", Key="users/users.csv", Body=USERS_CSV)
        self.glue["B"].create_table(DatabaseName="beta", TableInput=csv_table(
            "users", "s3://b-data/users/",
            [("user_id", "bigint"), ("email", "string"), ("city", "string"), ("phone", "string")]))
        st["ct_users"] = cb.create_configured_table(
            name="beta-users", tableReference={"glue": {"databaseName": "beta", "tableName": "users"}},
            allowedColumns=["user_id", "email", "city"], analysisMethod="DIRECT_QUERY")["configuredTable"]["id"]
        cb.create_configured_table_analysis_rule(
            configuredTableIdentifier=st["ct_users"], analysisRuleType="AGGREGATION",
            analysisRulePolicy={"v1": {"aggregation": {
                "aggregateColumns": [{"columnNames": ["user_id"], "function": "COUNT_DISTINCT"}],
                "joinColumns": ["user_id"], "joinRequired": "QUERY_RUNNER", "dimensionColumns": ["city"],
                "scalarFunctions": [],
                "outputConstraints": [{"columnName": "user_id", "minimum": 2, "type": "COUNT_DISTINCT"}]}}})
        st["mid_b"] = cb.create_membership(collaborationIdentifier=st["cid"],
                                           queryLogStatus="DISABLED")["membership"]["id"]
        a = cb.create_configured_table_association(
            name="users", membershipIdentifier=st["mid_b"], configuredTableIdentifier=st["ct_users"],
            roleArn=role(B, "cleanrooms-read"))["configuredTableAssociation"]
        cb.create_configured_table_association_analysis_rule(
            membershipIdentifier=st["mid_b"], configuredTableAssociationIdentifier=a["id"],
            analysisRuleType="AGGREGATION", analysisRulePolicy=receivers)

        # C: receives results in its own bucket.
        st["result_cfg_c"] = {"outputConfiguration": {"s3": {"resultFormat": "CSV", "bucket": "c-results",
                                                             "keyPrefix": "from-acme/"}}, "roleArn": role(C)}
        st["mid_c"] = self.cr["C"].create_membership(
            collaborationIdentifier=st["cid"], queryLogStatus="DISABLED",
            defaultResultConfiguration=st["result_cfg_c"])["membership"]["id"]

        schemas = {s["name"]: s for s in self.cr["A"].batch_get_schema(
            collaborationIdentifier=st["cid"], names=["users", "purchases"])["schemas"]}
        for name in ("users", "purchases"):
            d = [x for x in schemas[name]["schemaStatusDetails"] if x["analysisType"] == "DIRECT_ANALYSIS"]
            self.assertEqual(d[0]["status"], "READY", (name, d))
        self.assertEqual(self.list_ids(), [])

    # ---- 2. the aws-sdk-pandas flow with boto3

    def test_02_boto3_flow(self):
        """Start (SUBMITTED), poll GetProtectedQuery until terminal, list and read the objects under
        result.output.s3.location: LA and NYC only, with the right numbers."""
        st = self.st
        t0 = time.monotonic()
        q = self.start(JOIN_SQL)
        self.assertEqual(q["status"], "SUBMITTED")
        self.assertEqual(q["membershipId"], st["mid_a"])
        self.assertEqual(q["sqlParameters"], {"queryString": JOIN_SQL})
        self.assertRegex(q["id"], r"^[0-9a-f-]{36}$")
        q = self.succeed(q["id"])
        elapsed = time.monotonic() - t0
        print("\n  boto3 start -> SUCCESS in %.0f ms (server says %d ms)" % (
            elapsed * 1000, q["statistics"]["totalDurationInMillis"]), file=sys.stderr)
        st["q_boto"] = q["id"]
        loc = q["result"]["output"]["s3"]["location"]
        # The membership's default: bucket a-results, prefix "queries" (a "/" is added).
        self.assertEqual(loc, "s3://a-results/queries/%s/result/" % q["id"])
        self.assertIsInstance(q["statistics"]["totalDurationInMillis"], int)
        self.assertGreaterEqual(q["statistics"]["totalDurationInMillis"], 0)
        self.assertNotIn("error", q)
        self.assert_join_result(*self.read_csv_result("A", loc))

    # ---- 3. the same with the AWS CLI

    def test_03_cli_flow(self):
        st = self.st
        cfg = {"outputConfiguration": {"s3": {"bucket": "a-results", "keyPrefix": "cli/", "resultFormat": "PARQUET"}}}
        out = aws("A", "cleanrooms", "start-protected-query", "--type", "SQL",
                  "--membership-identifier", st["mid_a"], "--sql-parameters", json.dumps({"queryString": JOIN_SQL}),
                  "--result-configuration", json.dumps(cfg))
        q = out["protectedQuery"]
        self.assertEqual(q["status"], "SUBMITTED")
        self.assertEqual(q["resultConfiguration"], cfg)
        qid = st["q_cli"] = q["id"]
        deadline = time.monotonic() + 60
        while q["status"] not in TERMINAL and time.monotonic() < deadline:
            q = aws("A", "cleanrooms", "get-protected-query", "--membership-identifier", st["mid_a"],
                    "--protected-query-identifier", qid)["protectedQuery"]
        self.assertEqual(q["status"], "SUCCESS", q)
        loc = q["result"]["output"]["s3"]["location"]
        self.assertEqual(loc, "s3://a-results/cli/%s/result/" % qid)
        dest = os.path.join(WORKDIR, "result.parquet")
        ls, _, listed = parallel(
            lambda: aws("A", "s3", "ls", loc, json_out=False),
            lambda: aws("A", "s3", "cp", loc + "part-00000.parquet", dest, json_out=False),
            lambda: aws("A", "cleanrooms", "list-protected-queries", "--membership-identifier", st["mid_a"]))
        self.assertIn("part-00000.parquet", ls)
        for line in ls.splitlines():
            self.assertRegex(line.split()[-1], r"^part-\d{5}\.parquet$")
        with open(dest, "rb") as f:
            body = f.read()
        self.assertGreater(len(body), 12)
        self.assertEqual((body[:4], body[-4:]), (b"PAR1", b"PAR1"))
        summaries = listed["protectedQueries"]
        self.assertEqual([s["id"] for s in summaries], [qid, st["q_boto"]])  # newest first
        for s in summaries:
            self.assertEqual((s["status"], s["membershipId"]), ("SUCCESS", st["mid_a"]))
            self.assertEqual(s["receiverConfigurations"], [{
                "analysisType": "DIRECT_ANALYSIS",
                "configurationDetails": {"directAnalysisConfigurationDetails": {"receiverAccountIds": [A]}}}])

    # ---- 4. refusals

    def test_04_refusals(self):
        """Each refused query is a 400 INVALID_QUERY whose message names what was refused, and
        nothing is recorded."""
        before = self.list_ids()
        join = "FROM users u JOIN purchases p ON u.user_id = p.user_id"
        cases = [
            # A column of B's table that is not a dimension.
            ("SELECT u.email, COUNT(DISTINCT u.user_id) AS users %s GROUP BY u.email" % join, ["email"]),
            # A column of B's Glue table that the configured table does not allow.
            ("SELECT u.city, COUNT(DISTINCT u.phone) AS phones %s GROUP BY u.city" % join, ["phone"]),
            # SUM of a column of A's table that its rule does not list for SUM.
            ("SELECT u.city, SUM(p.purchase_id) AS s %s GROUP BY u.city" % join, ["purchase_id"]),
            # B's table without the join to the querier's.
            ("SELECT city, COUNT(DISTINCT user_id) AS users FROM users GROUP BY city",
             ["Inner join to query runner table required for table users"]),
            ("SELECT * FROM read_csv('/etc/passwd')", ["read_csv"]),
            # DuckDB's serializer knows SELECT only: the message names the rule, not the verb.
            ("DROP TABLE users", ["single SELECT statement"]),
            ("SELECT u.city, COUNT(DISTINCT u.user_id) AS users %s GROUP BY u.city; "
             "SELECT u.city, COUNT(DISTINCT u.user_id) AS users %s GROUP BY u.city" % (join, join), ["statement"]),
            ("SELECT n.city, COUNT(DISTINCT n.user_id) AS users FROM nosuch n JOIN purchases p "
             "ON n.user_id = p.user_id GROUP BY n.city", ["nosuch"]),
        ]
        for sql, needles in cases:
            with self.subTest(sql=sql):
                e = self.err("ValidationException", 400, self.start, sql)
                self.assertEqual(e.get("reason"), "INVALID_QUERY", e)
                msg = e["Error"]["Message"]
                if os.environ.get("QUERIES_TEST_SHOW"):
                    print("\n  %s\n    -> %s" % (sql, msg), file=sys.stderr)
                for n in needles:
                    self.assertIn(n.lower(), msg.lower(), msg)
        self.assertEqual(self.list_ids(), before)

    # ---- 5. results to another member

    def test_05_results_to_member(self):
        st = self.st
        q = self.start(JOIN_SQL, resultConfiguration={"outputConfiguration": {"member": {"accountId": C}}})
        self.assertEqual(q["status"], "SUBMITTED")
        qid = st["q_member"] = q["id"]
        q = self.succeed(qid)
        self.assertEqual(q["result"]["output"], {"memberList": [{"accountId": C}]})
        # C sees it through its own membership, without the SQL.
        qc = self.get(qid, "C", st["mid_c"])
        self.assertEqual((qc["id"], qc["status"], qc["membershipId"]), (qid, "SUCCESS", st["mid_a"]))
        self.assertNotIn("sqlParameters", qc)
        self.assertEqual(qc["result"]["output"], {"memberList": [{"accountId": C}]})
        self.assertEqual(self.list_ids("C", st["mid_c"]), [qid])
        # C's result is in C's bucket under its default prefix.
        loc_c = "s3://c-results/from-acme/%s/result/" % qid
        self.assert_join_result(*self.read_csv_result("C", loc_c))
        # Nothing was written to A's bucket for this query.
        self.assertEqual(self.result_objects("A", "s3://a-results/queries/%s/" % qid)[1], [])
        # B, a member who neither queried nor receives: 404 with its own membership id, and its
        # list is empty; with A's membership id, 404 too.
        e = self.err("ResourceNotFoundException", 404, self.get, qid, "B", st["mid_b"])
        self.assertNotIn("SELECT", json.dumps(e))
        self.assertEqual(self.list_ids("B", st["mid_b"]), [])
        self.err("ResourceNotFoundException", 404, self.get, qid, "B", st["mid_a"])
        self.err("ResourceNotFoundException", 404, self.get, qid, "D", st["mid_a"])
        # Results are readable only by their receiver.
        boto_key = "queries/%s/result/part-00000.csv" % st["q_boto"]
        c_key = "from-acme/%s/result/part-00000.csv" % qid
        for who, bucket, key in (("D", "a-results", boto_key), ("D", "c-results", c_key),
                                 ("B", "a-results", boto_key), ("B", "c-results", c_key),
                                 ("A", "c-results", c_key), ("C", "a-results", boto_key)):
            with self.subTest(who=who, bucket=bucket):
                self.err("AccessDenied", 403, self.s3[who].get_object, Bucket=bucket, Key=key)
                self.err("AccessDenied", 403, self.s3[who].list_objects_v2, Bucket=bucket)
        # A may not write results into C's bucket: the query FAILED, saying why, and C's bucket
        # holds nothing of it.
        bad = self.succeed_or(self.start(JOIN_SQL, resultConfiguration={"outputConfiguration": {"s3": {
            "bucket": "c-results", "keyPrefix": "stolen/", "resultFormat": "CSV"}}})["id"], "FAILED")
        self.assertEqual(bad["error"]["code"], "RESULT_LOCATION_ACCESS_DENIED", bad["error"])
        self.assertIn("c-results", bad["error"]["message"])
        self.assertNotIn("result", bad)
        self.assertEqual(self.result_objects("C", "s3://c-results/stolen/")[1], [])
        # Only a member who can query starts queries, and only members who can receive receive.
        e = self.err("AccessDeniedException", 403, self.start, JOIN_SQL, "B", st["mid_b"])
        self.assertIn("CAN_QUERY", e["Error"]["Message"])
        e = self.err("ValidationException", 400, self.start, JOIN_SQL,
                     resultConfiguration={"outputConfiguration": {"member": {"accountId": B}}})
        self.assertIn(B, e["Error"]["Message"])
        # Only the querier cancels, and only unfinished queries: a receiver gets 403, the querier 409.
        self.err("AccessDeniedException", 403, self.cr["C"].update_protected_query,
                 membershipIdentifier=st["mid_c"], protectedQueryIdentifier=qid, targetStatus="CANCELLED")
        self.err("ConflictException", 409, self.cr["A"].update_protected_query,
                 membershipIdentifier=st["mid_a"], protectedQueryIdentifier=qid, targetStatus="CANCELLED")

    # ---- 6. a template with a parameter on a CUSTOM table

    def test_06_template_with_parameter(self):
        st = self.st
        cb, ca = self.cr["B"], self.cr["A"]
        self.s3["B"].put_object(Bucket="b-data", Key="segments/part-0.csv", Body=SEGMENTS_CSV)
        self.glue["B"].create_table(DatabaseName="beta", TableInput=csv_table(
            "segments", "s3://b-data/segments/", [("user_id", "bigint"), ("city", "string")]))
        ct = cb.create_configured_table(
            name="beta-segments", tableReference={"glue": {"databaseName": "beta", "tableName": "segments"}},
            allowedColumns=["user_id", "city"], analysisMethod="DIRECT_QUERY")["configuredTable"]["id"]
        # The association comes first: the template names the table, and the rule names the template.
        a = cb.create_configured_table_association(
            name="segments", membershipIdentifier=st["mid_b"], configuredTableIdentifier=ct,
            roleArn=role(B, "cleanrooms-read"))["configuredTableAssociation"]
        t = ca.create_analysis_template(
            membershipIdentifier=st["mid_a"], name="segment-by-city", format="SQL", source={"text": TEMPLATE_SQL},
            analysisParameters=[{"name": "c", "type": "VARCHAR"}])["analysisTemplate"]
        cb.create_configured_table_analysis_rule(
            configuredTableIdentifier=ct, analysisRuleType="CUSTOM",
            analysisRulePolicy={"v1": {"custom": {"allowedAnalyses": [t["arn"]]}}})
        cb.create_configured_table_association_analysis_rule(
            membershipIdentifier=st["mid_b"], configuredTableAssociationIdentifier=a["id"],
            analysisRuleType="CUSTOM", analysisRulePolicy={"v1": {"custom": {"allowedResultReceivers": [A]}}})

        la = self.start(sql_parameters={"analysisTemplateArn": t["arn"], "parameters": {"c": "LA"}})
        inj = self.start(sql_parameters={"analysisTemplateArn": t["arn"], "parameters": {"c": INJECTION}})
        self.assertEqual((la["status"], inj["status"]), ("SUBMITTED", "SUBMITTED"))
        la, inj = self.succeed(la["id"]), self.succeed(inj["id"])
        self.assertEqual(la["sqlParameters"], {"analysisTemplateArn": t["arn"], "parameters": {"c": "LA"}})
        header, rows = self.read_csv_result("A", la["result"]["output"]["s3"]["location"])
        self.assertEqual((header, rows), (["city"], [["LA"]] * 3))
        # The value is data, never SQL: no city is called "x' OR '1'='1".
        header, rows = self.read_csv_result("A", inj["result"]["output"]["s3"]["location"])
        self.assertEqual((header, rows), (["city"], []))
        # The table allows this template only: free-form SQL on it is refused; parameters are
        # those the template declares, each with a value.
        before = self.list_ids()
        for params, name in (({}, "c"), ({"c": "LA", "zz": "1"}, "zz")):
            e = self.err("ValidationException", 400, self.start,
                         sql_parameters={"analysisTemplateArn": t["arn"], "parameters": params})
            self.assertEqual(e.get("reason"), "INVALID_QUERY", e)
            self.assertIn("parameter " + name, e["Error"]["Message"])
        e = self.err("ValidationException", 400, self.start, "SELECT city FROM segments")
        self.assertEqual(e.get("reason"), "INVALID_QUERY", e)
        self.assertIn("segments", e["Error"]["Message"])
        self.assertEqual(self.list_ids(), before)

    # ---- 7. a table whose data is in another account's bucket

    def test_07_foreign_location(self):
        """A describes B's users bucket as its own table: the configured table may exist, but a
        query on it reads nothing of B's and FAILED, saying why without data."""
        st = self.st
        ca = self.cr["A"]
        self.glue["A"].create_table(DatabaseName="acme", TableInput=csv_table(
            "borrowed", "s3://b-data/users/", [("user_id", "bigint"), ("email", "string"), ("city", "string")]))
        ct = ca.create_configured_table(
            name="acme-borrowed", tableReference={"glue": {"databaseName": "acme", "tableName": "borrowed"}},
            allowedColumns=["user_id", "email", "city"], analysisMethod="DIRECT_QUERY")["configuredTable"]["id"]
        ca.create_configured_table_analysis_rule(
            configuredTableIdentifier=ct, analysisRuleType="CUSTOM",
            analysisRulePolicy={"v1": {"custom": {"allowedAnalyses": ["ANY_QUERY"], "allowedAnalysisProviders": [A]}}})
        ca.create_configured_table_association(name="borrowed", membershipIdentifier=st["mid_a"],
                                               configuredTableIdentifier=ct, roleArn=role(A, "cleanrooms-read"))
        q = self.succeed_or(self.start("SELECT email, city FROM borrowed")["id"], "FAILED")
        self.assertEqual(q["error"]["code"], "TABLE_LOCATION_ACCESS_DENIED", q["error"])
        self.assertIn("b-data", q["error"]["message"])
        self.assertNotIn("example.net", json.dumps(q, default=str))
        self.assertNotIn("result", q)
        self.assertEqual(self.result_objects("A", "s3://a-results/queries/%s/" % q["id"])[1], [])

    # ---- 8. cancel

    def test_08_cancel(self):
        """A query that would run for hours is cancelled with the CLI while it runs."""
        st = self.st
        cb = self.cr["B"]
        self.s3["B"].put_object(Bucket="b-data", Key="big/part-0.csv", Body=BIG_CSV)
        self.glue["B"].create_table(DatabaseName="beta", TableInput=csv_table(
            "big", "s3://b-data/big/", [("n", "bigint"), ("secret", "string")]))
        ct = cb.create_configured_table(
            name="beta-big", tableReference={"glue": {"databaseName": "beta", "tableName": "big"}},
            allowedColumns=["n"], analysisMethod="DIRECT_QUERY")["configuredTable"]["id"]
        cb.create_configured_table_analysis_rule(
            configuredTableIdentifier=ct, analysisRuleType="CUSTOM",
            analysisRulePolicy={"v1": {"custom": {"allowedAnalyses": ["ANY_QUERY"], "allowedAnalysisProviders": [A]}}})
        a = cb.create_configured_table_association(
            name="big", membershipIdentifier=st["mid_b"], configuredTableIdentifier=ct,
            roleArn=role(B, "cleanrooms-read"))["configuredTableAssociation"]
        cb.create_configured_table_association_analysis_rule(
            membershipIdentifier=st["mid_b"], configuredTableAssociationIdentifier=a["id"],
            analysisRuleType="CUSTOM", analysisRulePolicy={"v1": {"custom": {"allowedResultReceivers": [A]}}})

        # Even ANY_QUERY reads allowed columns only: SELECT * shows n, and secret does not exist.
        q = self.succeed(self.start("SELECT * FROM big WHERE n < 3 ORDER BY n")["id"])
        self.assertEqual(self.read_csv_result("A", q["result"]["output"]["s3"]["location"]),
                         (["n"], [["0"], ["1"], ["2"]]))
        e = self.err("ValidationException", 400, self.start, "SELECT n, secret FROM big")
        self.assertEqual(e.get("reason"), "INVALID_QUERY", e)
        self.assertIn("secret", e["Error"]["Message"])

        qid = self.st["q_cancel"] = self.start(LONG_SQL)["id"]
        self.wait(qid, ("STARTED",) + TERMINAL, timeout=15)
        time.sleep(0.3)  # the engine is well into it
        self.assertEqual(self.get(qid)["status"], "STARTED")
        t0 = time.monotonic()
        out = aws("A", "cleanrooms", "update-protected-query", "--membership-identifier", st["mid_a"],
                  "--protected-query-identifier", qid, "--target-status", "CANCELLED")["protectedQuery"]
        self.assertIn(out["status"], ("CANCELLING", "CANCELLED"))
        self.assertEqual(out["id"], qid)
        q = self.wait(qid, timeout=10)
        print("\n  cancel -> CANCELLED in %.0f ms" % ((time.monotonic() - t0) * 1000), file=sys.stderr)
        self.assertEqual(q["status"], "CANCELLED", q)
        self.assertNotIn("result", q)
        self.assertEqual(self.result_objects("A", "s3://a-results/queries/%s/" % qid)[1], [])
        e = self.err("ConflictException", 409, self.cr["A"].update_protected_query, membershipIdentifier=st["mid_a"],
                     protectedQueryIdentifier=qid, targetStatus="CANCELLED")
        self.assertEqual(e.get("reason"), "INVALID_STATE", e)
        self.assertEqual(self.get(qid)["status"], "CANCELLED")

    # ---- 9. the quota of unfinished queries

    def test_09_quota(self):
        """12 simultaneous starts of long queries: exactly 5 are recorded, 7 are 402, each
        promptly; then another is 402 too; cancelling frees the quota (step 10 starts again)."""
        # No retry (a start is not idempotent) and a short timeout: a start that hangs fails.
        ca = client("cleanrooms", "A", retries=0, read_timeout=10)

        def start():
            try:
                return ca.start_protected_query(type="SQL", membershipIdentifier=self.st["mid_a"],
                                                sqlParameters={"queryString": LONG_SQL})["protectedQuery"]["id"]
            except ClientError as e:
                return e.response
        before = self.list_ids()
        out = parallel(*[start for _ in range(12)])
        ids = [o for o in out if isinstance(o, str)]
        refused = [o for o in out if not isinstance(o, str)]
        self.assertEqual(len(ids), 5, refused)
        for r in refused:
            self.assertEqual((r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]),
                             ("ServiceQuotaExceededException", 402), r)
        e = self.err("ServiceQuotaExceededException", 402, self.start, LONG_SQL)
        self.assertEqual(e.get("quotaValue"), 5.0, e)
        self.assertEqual(e.get("quotaName"), "Concurrent protected queries per membership", e)
        # The refused starts were not recorded.
        listed = self.list_ids()
        self.assertEqual(sorted(listed[:5]), sorted(ids))
        self.assertEqual(listed[5:], before)
        for qid in ids:
            out = self.cr["A"].update_protected_query(membershipIdentifier=self.st["mid_a"],
                                                      protectedQueryIdentifier=qid,
                                                      targetStatus="CANCELLED")["protectedQuery"]
            self.assertIn(out["status"], ("CANCELLING", "CANCELLED"))
        for qid in ids:
            self.assertEqual(self.wait(qid, timeout=15)["status"], "CANCELLED")
        got = self.cr["A"].list_protected_queries(membershipIdentifier=self.st["mid_a"], status="CANCELLED")
        self.assertEqual([x["id"] for x in got["protectedQueries"]], listed[:5] + [self.st["q_cancel"]])

    # ---- 10. SIGKILL while a query runs

    def test_10_sigkill_mid_query(self):
        """The server dies while a query runs; after a restart on the same data dir the query is
        run again and ends SUCCESS with the right result (the lead's decision: re-run)."""
        # Calibrate: aim at ~2 s of engine time, so that the kill lands while the query runs
        # and the re-run stays short whatever the machine's speed.
        k0 = 400
        sql, want = sized_sql(k0)
        q = self.succeed(self.start(sql)["id"])  # also: the quota is free again after step 9
        ms0 = max(q["statistics"]["totalDurationInMillis"], 1)
        self.assertEqual(self.read_csv_result("A", q["result"]["output"]["s3"]["location"]), (["n"], [[str(want)]]))
        k = max(k0, min(20 * BIG_N, int(k0 * 2000 / ms0)))
        sql, want = sized_sql(k)
        qid = self.start(sql)["id"]
        self.wait(qid, ("STARTED",) + TERMINAL, timeout=15)
        self.assertEqual(self.get(qid)["status"], "STARTED")
        SERVER.kill()
        t0 = time.monotonic()
        SERVER.start()
        # On SQLite the new process owns the store alone: it releases the dead one's leases at
        # start and runs the query again at once, rather than after the 30 s lease.
        q = self.wait(qid, timeout=20 + 3 * ms0 * k / k0 / 1000)
        took = time.monotonic() - t0
        print("\n  k=%d (k=%d took %d ms): restart -> %s in %.1f s (the re-run: %s ms)" % (
            k, k0, ms0, q["status"], took, q.get("statistics", {}).get("totalDurationInMillis")), file=sys.stderr)
        self.assertEqual(q["status"], "SUCCESS", q)
        self.assertNotIn("error", q)
        self.assertEqual(self.read_csv_result("A", q["result"]["output"]["s3"]["location"]), (["n"], [[str(want)]]))
        # The client sees it once, and everything before it is still there.
        listed = self.list_ids()
        self.assertEqual(listed.count(qid), 1)
        self.assertEqual(listed[0], qid)
        self.assertEqual(self.get(self.st["q_boto"])["status"], "SUCCESS")
        self.assert_join_result(*self.read_csv_result("A", "s3://a-results/queries/%s/result/" % self.st["q_boto"]))

    # ---- 11. SIGTERM while a query runs

    def test_11_sigterm_mid_query(self):
        """A graceful stop interrupts the engine and exits 0 promptly; the query runs again after
        the restart (and is cancelled there)."""
        qid = self.start(LONG_SQL)["id"]
        self.wait(qid, ("STARTED",) + TERMINAL, timeout=15)
        time.sleep(0.2)
        t0 = time.monotonic()
        self.assertEqual(SERVER.stop(), 0, SERVER.log_tail())
        self.assertLess(time.monotonic() - t0, 10)
        SERVER.start()
        self.assertEqual(self.wait(qid, ("STARTED",) + TERMINAL, timeout=15)["status"], "STARTED")
        self.cr["A"].update_protected_query(membershipIdentifier=self.st["mid_a"], protectedQueryIdentifier=qid,
                                           targetStatus="CANCELLED")
        self.assertEqual(self.wait(qid, timeout=15)["status"], "CANCELLED")


class TimedResult(unittest.TextTestResult):
    """Records how long each test took (Python 3.11 has no --durations)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timings = []

    def startTest(self, test):
        self._t0 = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        self.timings.append((time.monotonic() - self._t0, test.id().rsplit(".", 1)[-1]))
        super().stopTest(test)


def main():
    started = time.monotonic()
    verbosity = 2 if ("-v" in sys.argv or "--verbose" in sys.argv) else 1
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    loader = unittest.TestLoader()
    suite = (loader.loadTestsFromNames(names, sys.modules[__name__]) if names
             else loader.loadTestsFromModule(sys.modules[__name__]))
    result = unittest.TextTestRunner(verbosity=verbosity, resultclass=TimedResult).run(suite)
    ok = result.wasSuccessful()
    print("slowest: " + ", ".join("%s %.1fs" % (n, d) for d, n in sorted(result.timings, reverse=True)[:5]))
    if not ok and SERVER is not None:
        sys.stderr.write("\n---- server log (tail) ----\n%s\n" % SERVER.log_tail())
    print("queries_test: %s in %.1fs (%d tests, %d failures, %d errors, %d skipped; %d aws CLI calls)" % (
        "OK" if ok else "FAILED", time.monotonic() - started, result.testsRun, len(result.failures),
        len(result.errors), len(result.skipped), STATS["cli_calls"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
