#!/usr/bin/env python3
"""Issue 7's data path with real clients: S3 and Glue on the Clean Rooms endpoint, configured
tables under analysis rules, associations, schemas, templates; isolation; durability.

Starts the server binary (env CLEANROOMSD_BIN, else ``go build``) on a free port with a fresh
--data-dir and a credentials file (strict SigV4). Account A (111122223333, creator, can query and
receive) works with the AWS CLI v1; account B (444455556666, member) with boto3; account C
(777788889999) is in no collaboration. The steps of ``TestDataPlaneStory`` run in order and share
state; after a failure the later ones are skipped.

Standard library + boto3/botocore only. Run:  python3 tests/python/dataplane_test.py [-v]
"""

import atexit
import hashlib
import json
import os
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

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "eu-west-1"
ACCOUNTS = {
    "A": {"key": "AKIADATAPLANEACME001", "account": "111122223333"},
    "B": {"key": "AKIADATAPLANEBETA002", "account": "444455556666"},
    "C": {"key": "AKIADATAPLANEOUTS003", "account": "777788889999"},
}
for _a in ACCOUNTS.values():
    _a["secret"] = secrets.token_urlsafe(30)
A, B, C = (ACCOUNTS[k]["account"] for k in "ABC")

WORKDIR = tempfile.mkdtemp(prefix="cleanroomsd-dataplane-")
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

USERS_CSV = (b"email,country,spend\n"
             b"acme-alice@example.net,FR,10.5\n"
             b"acme-bob@example.net,DE,3.25\n"
             b"acme-zed@example.net,FR,77\n")
# > 8 MiB, so that `aws s3 cp` switches to multipart (8 MiB parts).
EVENTS_CSV = b"email\tevent\tamount\n" + b"".join(
    b"acme-user%07d@example.net\tpurchase-%d\t%d.%02d\n" % (i, i % 13, i % 997, i % 100) for i in range(200000))
VISITS_CSV = b'"email","page"\n"acme-alice@example.net","/pricing"\n"acme-bob@example.net","/docs"\n'
with open(os.path.join(HERE, "testdata", "users.parquet"), "rb") as _f:
    USERS_PARQUET = _f.read()  # written by tests/python/testdata/genparquet
CLICKS_JSONL = (b'{"email":"pq-alice@example.org","url":"https://beta.example/x1","ts":1700000001}\n'
                b'{"email":"pq-bob@example.org","url":"https://beta.example/x2","ts":1700000002}\n')
# Values that occur in the uploaded data and must never appear in a schema answer.
DATA_VALUES = [b"acme-alice@example.net", b"acme-bob@example.net", b"10.5", b"3.25", b"acme-user0000001",
               b"/pricing", b"pq-alice@example.org", b"pq-bob@example.org", b"https://beta.example/x1", b"1700000001"]
assert len(EVENTS_CSV) > 8 * 1024 * 1024


def md5(b):
    return hashlib.md5(b).hexdigest()


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


def client(service, who):
    global _SESSION
    if _SESSION is None:
        _SESSION = boto3.session.Session(region_name=REGION)
    cfg = botocore.config.Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 1},
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
USERS_COLS = [("email", "string"), ("country", "string"), ("spend", "double")]
CUSTOMERS_COLS = [("user_id", "bigint"), ("email", "string"), ("country", "string"), ("spend", "double")]
CLICKS_COLS = [("email", "string"), ("url", "string"), ("ts", "bigint")]

TEMPLATE_SQL = ("SELECT u.country, SUM(c.spend) AS total FROM users u JOIN customers c ON u.email = c.email "
                "WHERE u.country = :country GROUP BY u.country")


# --------------------------------------------------------------------------- the story


class TestDataPlaneStory(unittest.TestCase):
    st = {}
    failed = False

    @classmethod
    def setUpClass(cls):
        cls.s3 = {w: client("s3", w) for w in "AB"}
        cls.glue = {w: client("glue", w) for w in "AB"}
        cls.cr = {w: client("cleanrooms", w) for w in "ABC"}

    def run(self, result=None):
        if TestDataPlaneStory.failed:
            result.startTest(self)
            result.addSkip(self, "an earlier step failed")
            result.stopTest(self)
            return result
        before = len(result.failures) + len(result.errors)
        r = super().run(result)
        if len(result.failures) + len(result.errors) > before:
            TestDataPlaneStory.failed = True
        return r

    def err(self, code, status, fn, /, *args, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kw)
        e = cm.exception.response
        self.assertEqual((e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]), (code, status),
                         "%s: %r" % (fn.__name__, e["Error"]))
        return e

    def cli_err(self, p, code, *needles):
        self.assertIn(p.returncode, (254, 255), p.stderr)
        self.assertEqual(p.stdout.strip(), "")
        self.assertIn(code, p.stderr)
        for n in needles:
            self.assertIn(n, p.stderr)

    def get_bytes(self, who, bucket, key):
        r = self.s3[who].get_object(Bucket=bucket, Key=key)
        return r["Body"].read(), r["ETag"].strip('"')

    # ---- 1. data in

    def test_01_upload_and_describe(self):
        """S3 and Glue: A with the CLI (one `aws s3 cp --recursive` of a folder: two small CSVs and a
        9 MB one the CLI sends as a multipart upload), B with boto3; independent CLI runs overlap."""
        st = self.st
        tree = os.path.join(WORKDIR, "acme-upload")
        for rel, data in (("users/part-0.csv", USERS_CSV), ("events/part-0.csv", EVENTS_CSV),
                          ("visits/country=FR/part-0.csv", VISITS_CSV)):
            os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
            write(os.path.join(tree, rel), data)
        users = glue_table("users", "s3://acme-data/users/", USERS_COLS,
                           "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", {"field.delim": ","},
                           TEXT_IN, TEXT_OUT, table_params={"skip.header.line.count": "1", "classification": "csv"})
        events = glue_table("events", "s3://acme-data/events/", [("email", "string"), ("event", "string"),
                                                                 ("amount", "double")],
                            "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", {"field.delim": "\t"},
                            TEXT_IN, TEXT_OUT, table_params={"skip.header.line.count": "1"})
        visits = glue_table("visits", "s3://acme-data/visits/", [("email", "string"), ("page", "string")],
                            "org.apache.hadoop.hive.serde2.OpenCSVSerde",
                            {"separatorChar": ",", "quoteChar": "\""}, TEXT_IN, TEXT_OUT,
                            partition_keys=[("country", "string")], table_params={"skip.header.line.count": "1"})
        self.s3["B"].create_bucket(Bucket="beta-data", CreateBucketConfiguration={"LocationConstraint": REGION})
        out = parallel(
            lambda: aws("A", "s3", "mb", "s3://acme-data", json_out=False),
            lambda: aws("A", "glue", "create-database", "--database-input", "Name=acme,Description=Acme data"),
            lambda: self.s3["B"].put_object(Bucket="beta-data", Key="customers/users.parquet", Body=USERS_PARQUET),
            lambda: self.s3["B"].put_object(Bucket="beta-data", Key="clicks/part-0.json", Body=CLICKS_JSONL))
        self.assertEqual(out[2]["ETag"].strip('"'), md5(USERS_PARQUET))
        self.assertEqual(out[3]["ETag"].strip('"'), md5(CLICKS_JSONL))
        parallel(lambda: aws("A", "s3", "cp", "--recursive", tree, "s3://acme-data/", json_out=False),
                 *[lambda t=t: aws("A", "glue", "create-table", "--database-name", "acme", "--table-input",
                                   "file://" + write("table-%s.json" % t["Name"], t))
                   for t in (users, events, visits)])
        ls, got, alls = parallel(
            lambda: aws("A", "s3", "ls", "--recursive", "s3://acme-data/", json_out=False),
            lambda: aws("A", "glue", "get-table", "--database-name", "acme", "--name", "visits"),
            lambda: aws("A", "glue", "get-tables", "--database-name", "acme"))
        for key in ("users/part-0.csv", "events/part-0.csv", "visits/country=FR/part-0.csv"):
            self.assertIn(key, ls)
        # The bytes read back are the bytes written; a single-part ETag is the MD5, the CLI's
        # multipart upload of the 9 MB file has the multipart form "md5-of-md5s-2".
        body, etag = self.get_bytes("A", "acme-data", "users/part-0.csv")
        self.assertEqual((body, etag), (USERS_CSV, md5(USERS_CSV)))
        body, etag = self.get_bytes("A", "acme-data", "events/part-0.csv")
        self.assertEqual(md5(body), md5(EVENTS_CSV))
        self.assertRegex(etag, r"^[0-9a-f]{32}-2$")
        st["etag_events"] = etag
        body, etag = self.get_bytes("B", "beta-data", "customers/users.parquet")
        self.assertEqual((body, etag), (USERS_PARQUET, md5(USERS_PARQUET)))
        self.assertEqual(body[:4] + body[-4:], b"PAR1PAR1")
        self.assertEqual(self.s3["B"].list_objects_v2(Bucket="beta-data")["KeyCount"], 2)

        self.glue["B"].create_database(DatabaseInput={"Name": "beta"})
        self.glue["B"].create_table(DatabaseName="beta", TableInput=glue_table(
            "customers", "s3://beta-data/customers/", CUSTOMERS_COLS,
            "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", {"serialization.format": "1"},
            "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat", table_params={"classification": "parquet"}))
        self.glue["B"].create_table(DatabaseName="beta", TableInput=glue_table(
            "clicks", "s3://beta-data/clicks/", CLICKS_COLS, "org.openx.data.jsonserde.JsonSerDe", {},
            TEXT_IN, TEXT_OUT))
        t = got["Table"]
        self.assertEqual((t["Name"], t["DatabaseName"]), ("visits", "acme"))
        self.assertEqual(t["PartitionKeys"], [{"Name": "country", "Type": "string"}])
        self.assertEqual(t["StorageDescriptor"]["SerdeInfo"], visits["StorageDescriptor"]["SerdeInfo"])
        self.assertEqual(t["StorageDescriptor"]["Location"], "s3://acme-data/visits/")
        self.assertEqual(t["Parameters"], {"skip.header.line.count": "1"})
        self.assertEqual(sorted(x["Name"] for x in alls["TableList"]), ["events", "users", "visits"])
        byname = {x["Name"]: x for x in alls["TableList"]}
        self.assertEqual(byname["users"]["StorageDescriptor"]["SerdeInfo"]["Parameters"], {"field.delim": ","})
        self.assertEqual(byname["events"]["StorageDescriptor"]["SerdeInfo"]["Parameters"], {"field.delim": "\t"})
        self.assertEqual([(c["Name"], c["Type"]) for c in byname["users"]["StorageDescriptor"]["Columns"]],
                         USERS_COLS)
        bt = self.glue["B"].get_table(DatabaseName="beta", Name="customers")["Table"]
        self.assertEqual(bt["StorageDescriptor"]["InputFormat"],
                         "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
        self.assertEqual([(c["Name"], c["Type"]) for c in bt["StorageDescriptor"]["Columns"]], CUSTOMERS_COLS)
        bl = self.glue["B"].get_tables(DatabaseName="beta")["TableList"]
        self.assertEqual({x["Name"]: x["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] for x in bl},
                         {"customers": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                          "clicks": "org.openx.data.jsonserde.JsonSerDe"})

    # ---- 3. configured tables, rules, collaboration, associations, templates

    def test_02_configure_and_associate(self):
        """Configured tables with each rule type (A's with the CLI), the catalog checks, the
        collaboration, memberships, associations (A's with the CLI) and their rules."""
        st = self.st
        agg = {"v1": {"aggregation": {
            "aggregateColumns": [{"columnNames": ["spend"], "function": "SUM"}],
            "joinColumns": ["email"], "dimensionColumns": ["country"], "scalarFunctions": ["COALESCE"],
            "outputConstraints": [{"columnName": "email", "minimum": 2, "type": "COUNT_DISTINCT"}]}}}
        ct, missing_table, missing_col, coll = parallel(
            lambda: aws("A", "cleanrooms", "create-configured-table", "--name", "acme-users",
                        "--table-reference", '{"glue":{"databaseName":"acme","tableName":"users"}}',
                        "--allowed-columns", "email", "country", "spend", "--analysis-method", "DIRECT_QUERY"),
            lambda: aws("A", "cleanrooms", "create-configured-table", "--name", "nope",
                        "--table-reference", '{"glue":{"databaseName":"acme","tableName":"no_such_table"}}',
                        "--allowed-columns", "email", "--analysis-method", "DIRECT_QUERY", expect_rc=None),
            lambda: aws("A", "cleanrooms", "create-configured-table", "--name", "nope2",
                        "--table-reference", '{"glue":{"databaseName":"acme","tableName":"users"}}',
                        "--allowed-columns", "email", "no_such_column", "--analysis-method", "DIRECT_QUERY",
                        expect_rc=None),
            lambda: aws("A", "cleanrooms", "create-collaboration", "--name", "acme-beta", "--description", "data story",
                        "--members", json.dumps([{"accountId": B, "memberAbilities": [], "displayName": "Beta"}]),
                        "--creator-member-abilities", "CAN_QUERY", "CAN_RECEIVE_RESULTS",
                        "--creator-display-name", "Acme", "--query-log-status", "DISABLED"))
        self.cli_err(missing_table, "ValidationException", "no_such_table", "CreateConfiguredTable")
        self.cli_err(missing_col, "ValidationException", "no_such_column")
        st["ct_users"] = ct["configuredTable"]["id"]
        st["cid"] = coll["collaboration"]["id"]
        result_cfg = {"outputConfiguration": {"s3": {"resultFormat": "CSV", "bucket": "acme-results", "keyPrefix": "out/"}},
                      "roleArn": "arn:aws:iam::%s:role/cleanrooms-results" % A}
        rule, mem_a = parallel(
            lambda: aws("A", "cleanrooms", "create-configured-table-analysis-rule", "--configured-table-identifier",
                        st["ct_users"], "--analysis-rule-type", "AGGREGATION", "--analysis-rule-policy",
                        "file://" + write("agg.json", agg)),
            lambda: aws("A", "cleanrooms", "create-membership", "--collaboration-identifier", st["cid"],
                        "--query-log-status", "DISABLED", "--default-result-configuration", json.dumps(result_cfg)))
        self.assertEqual(rule["analysisRule"]["type"], "AGGREGATION")
        self.assertEqual(rule["analysisRule"]["policy"], agg)
        st["mid_a"] = mem_a["membership"]["id"]
        assoc = aws("A", "cleanrooms", "create-configured-table-association", "--name", "users",
                    "--membership-identifier", st["mid_a"], "--configured-table-identifier", st["ct_users"],
                    "--role-arn", "arn:aws:iam::%s:role/cleanrooms-read" % A)
        st["cta_users"] = assoc["configuredTableAssociation"]["id"]
        self.assertEqual(assoc["configuredTableAssociation"]["roleArn"], "arn:aws:iam::%s:role/cleanrooms-read" % A)
        self.cr["A"].create_configured_table_association_analysis_rule(
            membershipIdentifier=st["mid_a"], configuredTableAssociationIdentifier=st["cta_users"],
            analysisRuleType="AGGREGATION", analysisRulePolicy={"v1": {"aggregation": {"allowedResultReceivers": [A]}}})

        cr = self.cr["B"]

        def table(name, db, tbl, cols):
            return cr.create_configured_table(name=name, tableReference={"glue": {"databaseName": db, "tableName": tbl}},
                                              allowedColumns=cols, analysisMethod="DIRECT_QUERY")["configuredTable"]["id"]
        st["ct_customers"] = table("beta-customers", "beta", "customers", ["user_id", "email", "country", "spend"])
        st["ct_clicks"] = table("beta-clicks", "beta", "clicks", ["email", "url", "ts"])
        st["ct_open"] = table("beta-clicks-open", "beta", "clicks", ["email", "url"])
        st["list_policy"] = {"v1": {"list": {"joinColumns": ["email"], "listColumns": ["country", "spend"]}}}
        cr.create_configured_table_analysis_rule(configuredTableIdentifier=st["ct_customers"],
                                                 analysisRuleType="LIST", analysisRulePolicy=st["list_policy"])
        cr.create_configured_table_analysis_rule(
            configuredTableIdentifier=st["ct_clicks"], analysisRuleType="CUSTOM",
            analysisRulePolicy={"v1": {"custom": {"allowedAnalyses": ["ANY_QUERY"], "allowedAnalysisProviders": [A]}}})
        cr.create_configured_table_analysis_rule(
            configuredTableIdentifier=st["ct_open"], analysisRuleType="CUSTOM",
            analysisRulePolicy={"v1": {"custom": {"allowedAnalyses": ["ANY_QUERY"]}}})
        e = self.err("ValidationException", 400, cr.create_configured_table, name="x",
                     tableReference={"glue": {"databaseName": "beta", "tableName": "ghost"}},
                     allowedColumns=["email"], analysisMethod="DIRECT_QUERY")
        self.assertIn("ghost", e["Error"]["Message"])
        # B's catalog is B's: A's database does not exist for B.
        e = self.err("ValidationException", 400, cr.create_configured_table, name="x",
                     tableReference={"glue": {"databaseName": "acme", "tableName": "users"}},
                     allowedColumns=["email"], analysisMethod="DIRECT_QUERY")
        self.assertIn("users", e["Error"]["Message"])
        got = cr.get_configured_table(configuredTableIdentifier=st["ct_customers"])["configuredTable"]
        self.assertEqual(got["analysisRuleTypes"], ["LIST"])

        st["mid_b"] = cr.create_membership(collaborationIdentifier=st["cid"], queryLogStatus="DISABLED")["membership"]["id"]
        for name, ct, typ in (("customers", "ct_customers", "list"), ("clicks", "ct_clicks", "custom"),
                              ("clicks_open", "ct_open", "custom")):
            a = cr.create_configured_table_association(
                name=name, membershipIdentifier=st["mid_b"], configuredTableIdentifier=st[ct],
                roleArn="arn:aws:iam::%s:role/cleanrooms-read" % B)["configuredTableAssociation"]
            st["cta_" + name] = a["id"]
            r = cr.create_configured_table_association_analysis_rule(
                membershipIdentifier=st["mid_b"], configuredTableAssociationIdentifier=a["id"],
                analysisRuleType=typ.upper(), analysisRulePolicy={"v1": {typ: {"allowedResultReceivers": [A]}}})
            self.assertEqual(r["analysisRule"]["type"], typ.upper())
        names = sorted(x["name"] for x in cr.list_configured_table_associations(
            membershipIdentifier=st["mid_b"])["configuredTableAssociationSummaries"])
        self.assertEqual(names, ["clicks", "clicks_open", "customers"])

    def test_03_analysis_templates(self):
        st = self.st
        ca = self.cr["A"]
        t = ca.create_analysis_template(
            membershipIdentifier=st["mid_a"], name="spend-by-country", format="SQL", source={"text": TEMPLATE_SQL},
            analysisParameters=[{"name": "country", "type": "VARCHAR", "defaultValue": "FR"}])["analysisTemplate"]
        st["tpl"] = t["id"]
        self.assertEqual(sorted(t["schema"]["referencedTables"]), ["customers", "users"])
        e = self.err("ValidationException", 400, ca.create_analysis_template, membershipIdentifier=st["mid_a"],
                     name="bad", format="SQL", source={"text": "SELECT email FROM users JOIN nowhere_table USING (email)"})
        self.assertIn("nowhere_table", e["Error"]["Message"])
        # B sees the template, full text, through the collaboration view.
        got = self.cr["B"].get_collaboration_analysis_template(collaborationIdentifier=st["cid"],
                                                                analysisTemplateArn=t["arn"])
        self.assertEqual(got["collaborationAnalysisTemplate"]["source"]["text"], TEMPLATE_SQL)

    # ---- 4. schemas

    def schemas_of(self, who):
        """Every schema answer `who` can get, checked to carry no data value."""
        st = self.st
        cr = self.cr[who]
        listed = cr.list_schemas(collaborationIdentifier=st["cid"])
        names = sorted(s["name"] for s in listed["schemaSummaries"])
        got = {n: cr.get_schema(collaborationIdentifier=st["cid"], name=n) for n in names}
        batch = cr.batch_get_schema(collaborationIdentifier=st["cid"], names=names)
        for r in [listed, batch] + list(got.values()):
            raw = json.dumps(r, default=str).encode()
            for v in DATA_VALUES:
                self.assertNotIn(v, raw, "a schema answer carries the data value %r" % v)
        self.assertEqual(batch["errors"], [])
        self.assertEqual({s["name"]: s for s in batch["schemas"]}, {n: g["schema"] for n, g in got.items()})
        return listed, {n: g["schema"] for n, g in got.items()}

    @staticmethod
    def status(schema):
        d = [x for x in schema["schemaStatusDetails"] if x["analysisType"] == "DIRECT_ANALYSIS"]
        return d[0]["status"], sorted(r["code"] for r in d[0].get("reasons", []))

    def test_04_schemas(self):
        st = self.st
        _, seen_by_b = self.schemas_of("B")
        _, seen_by_a = self.schemas_of("A")
        self.assertEqual(sorted(seen_by_a), ["clicks", "clicks_open", "customers", "users"])
        self.assertEqual(seen_by_b, seen_by_a)
        u = seen_by_b["users"]
        self.assertEqual([(c["name"], c["type"]) for c in u["columns"]], USERS_COLS)
        self.assertEqual((u["creatorAccountId"], u["analysisRuleTypes"], u["type"]), (A, ["AGGREGATION"], "TABLE"))
        self.assertEqual(self.status(u), ("READY", []))
        c = seen_by_a["customers"]
        self.assertEqual([(x["name"], x["type"]) for x in c["columns"]], CUSTOMERS_COLS)
        self.assertEqual((c["creatorAccountId"], c["analysisRuleTypes"]), (B, ["LIST"]))
        self.assertEqual(self.status(c), ("READY", []))
        self.assertEqual(self.status(seen_by_a["clicks"]), ("READY", []))
        self.assertEqual(self.status(seen_by_a["clicks_open"]), ("NOT_READY", ["ANALYSIS_PROVIDERS_NOT_CONFIGURED"]))
        # The CLI's view, as the README shows it.
        names, one = parallel(
            lambda: aws("A", "cleanrooms", "list-schemas", "--collaboration-identifier", st["cid"]),
            lambda: aws("A", "cleanrooms", "get-schema", "--collaboration-identifier", st["cid"], "--name", "customers"))
        self.assertEqual(sorted(s["name"] for s in names["schemaSummaries"]), sorted(seen_by_a))
        self.assertEqual(one["schema"]["schemaStatusDetails"], c["schemaStatusDetails"])

    def test_05_rule_missing_then_back(self):
        st = self.st
        cb = self.cr["B"]
        cb.delete_configured_table_analysis_rule(configuredTableIdentifier=st["ct_customers"], analysisRuleType="LIST")
        s = self.cr["A"].get_schema(collaborationIdentifier=st["cid"], name="customers")["schema"]
        self.assertEqual(self.status(s), ("NOT_READY", ["ANALYSIS_RULE_MISSING"]))
        self.assertEqual(s["analysisRuleTypes"], [])
        cb.create_configured_table_analysis_rule(configuredTableIdentifier=st["ct_customers"],
                                                 analysisRuleType="LIST", analysisRulePolicy=st["list_policy"])
        s = self.cr["A"].get_schema(collaborationIdentifier=st["cid"], name="customers")["schema"]
        self.assertEqual(self.status(s), ("READY", []))
        self.assertEqual(s["analysisRuleTypes"], ["LIST"])

    # ---- 5. isolation

    def test_06_isolation(self):
        st = self.st
        s3b = self.s3["B"]
        for fn, kw in ((s3b.get_object, {"Bucket": "acme-data", "Key": "users/part-0.csv"}),
                       (s3b.list_objects_v2, {"Bucket": "acme-data"}),
                       (s3b.delete_object, {"Bucket": "acme-data", "Key": "users/part-0.csv"}),
                       (s3b.copy_object, {"Bucket": "beta-data", "Key": "stolen.csv",
                                          "CopySource": {"Bucket": "acme-data", "Key": "users/part-0.csv"}})):
            self.err("AccessDenied", 403, fn, **kw)
        for fn, kw in ((s3b.head_object, {"Bucket": "acme-data", "Key": "users/part-0.csv"}),
                       (s3b.head_bucket, {"Bucket": "acme-data"})):
            self.err("403", 403, fn, **kw)  # HEAD answers carry no body: botocore names the status
        self.assertEqual(self.get_bytes("A", "acme-data", "users/part-0.csv")[0], USERS_CSV)
        self.err("NoSuchKey", 404, s3b.get_object, Bucket="beta-data", Key="stolen.csv")
        # And the CLI, as A, on B's bucket.
        p = aws("A", "s3", "cp", "s3://beta-data/customers/users.parquet", "-", json_out=False, expect_rc=None)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("403", p.stderr)
        gb = self.glue["B"]
        self.err("EntityNotFoundException", 400, gb.get_database, Name="acme")
        self.err("EntityNotFoundException", 400, gb.get_table, DatabaseName="acme", Name="users")
        cb = self.cr["B"]
        self.err("ResourceNotFoundException", 404, cb.get_configured_table, configuredTableIdentifier=st["ct_users"])
        self.err("ResourceNotFoundException", 404, cb.get_configured_table_analysis_rule,
                 configuredTableIdentifier=st["ct_users"], analysisRuleType="AGGREGATION")
        cc = self.cr["C"]
        self.err("AccessDeniedException", 403, cc.list_schemas, collaborationIdentifier=st["cid"])
        self.err("AccessDeniedException", 403, cc.get_schema, collaborationIdentifier=st["cid"], name="users")
        self.err("AccessDeniedException", 403, cc.list_collaboration_analysis_templates,
                 collaborationIdentifier=st["cid"])

    # ---- 6. durability

    def test_07_sigkill_restart_keeps_everything(self):
        st = self.st
        before = {w: self.schemas_of(w)[1] for w in "AB"}
        SERVER.kill()
        SERVER.start()
        self.assertEqual(self.get_bytes("A", "acme-data", "users/part-0.csv"), (USERS_CSV, md5(USERS_CSV)))
        body, etag = self.get_bytes("A", "acme-data", "events/part-0.csv")
        self.assertEqual((md5(body), etag), (md5(EVENTS_CSV), st["etag_events"]))
        self.assertEqual(self.get_bytes("B", "beta-data", "customers/users.parquet")[0], USERS_PARQUET)
        self.assertEqual(self.get_bytes("B", "beta-data", "clicks/part-0.json")[0], CLICKS_JSONL)
        t = self.glue["A"].get_table(DatabaseName="acme", Name="visits")["Table"]
        self.assertEqual(t["PartitionKeys"], [{"Name": "country", "Type": "string"}])
        self.assertEqual(sorted(x["Name"] for x in self.glue["B"].get_tables(DatabaseName="beta")["TableList"]),
                         ["clicks", "customers"])
        ct = self.cr["A"].get_configured_table(configuredTableIdentifier=st["ct_users"])["configuredTable"]
        self.assertEqual((ct["name"], ct["analysisRuleTypes"]), ("acme-users", ["AGGREGATION"]))
        r = self.cr["B"].get_configured_table_analysis_rule(configuredTableIdentifier=st["ct_customers"],
                                                            analysisRuleType="LIST")["analysisRule"]
        self.assertEqual(r["policy"], st["list_policy"])
        a = self.cr["B"].get_configured_table_association(membershipIdentifier=st["mid_b"],
                                                          configuredTableAssociationIdentifier=st["cta_customers"])
        self.assertEqual(a["configuredTableAssociation"]["name"], "customers")
        after = {w: self.schemas_of(w)[1] for w in "AB"}
        self.assertEqual(after, before)
        self.assertEqual(self.status(after["B"]["users"]), ("READY", []))
        self.assertEqual(self.status(after["A"]["customers"]), ("READY", []))
        self.err("AccessDenied", 403, self.s3["B"].get_object, Bucket="acme-data", Key="users/part-0.csv")


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
    print("dataplane_test: %s in %.1fs (%d tests, %d failures, %d errors, %d skipped; %d aws CLI calls)" % (
        "OK" if ok else "FAILED", time.monotonic() - started, result.testsRun, len(result.failures),
        len(result.errors), len(result.skipped), STATS["cli_calls"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
