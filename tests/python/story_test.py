#!/usr/bin/env python3
"""End-to-end story test of cleanroomsd with unmodified boto3 and AWS CLI v1 clients.

Starts the server binary (env CLEANROOMSD_BIN, else ``go build`` from the repo
root) on a free port with a temporary data dir and a credentials file for four
accounts (strict SigV4 verification), then drives:

* Test1Boto3Story   - the multi-account collaboration/membership story with boto3
* Test2Quotas       - 402 ServiceQuotaExceededException (members, collaborations, under races)
* Test3AuthAndWire  - bad secret / unknown key / unimplemented operation / nextToken
* Test4CliStory     - the core story with ``aws cleanrooms ...`` (CLI v1)
* Test5Durability   - SIGTERM (exit 0) + restart on the same data dir: everything is still there;
                      then SIGKILL + restart: no acknowledged write is lost

Standard library + boto3/botocore only. Run:  python3 tests/python/story_test.py [-v]
"""

import atexit
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import boto3
import botocore.config
from botocore.exceptions import ClientError

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REGION = "eu-west-1"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Four accounts. The access keys are deliberately NOT 12-digit account ids so the
# credentials file mapping (and signature verification) is exercised.
ACCOUNTS = {
    "A": {"key": "AKIASTORYCREATORA001", "account": "111111111111"},  # creator, CAN_QUERY
    "B": {"key": "AKIASTORYRECEIVERB02", "account": "222222222222"},  # receive-only invitee
    "C": {"key": "AKIASTORYPAYERC00003", "account": "333333333333"},  # data contributor, payer
    "D": {"key": "AKIASTORYOUTSIDERD04", "account": "444444444444"},  # outsider
}
for _a in ACCOUNTS.values():
    _a["secret"] = secrets.token_urlsafe(30)

# Keep any developer ~/.aws config from influencing the clients (this process
# and the CLI subprocesses only).
_ISOLATED_AWS_DIR = tempfile.mkdtemp(prefix="cleanroomsd-awscfg-")
os.environ["AWS_CONFIG_FILE"] = os.path.join(_ISOLATED_AWS_DIR, "config")
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(_ISOLATED_AWS_DIR, "credentials")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
atexit.register(shutil.rmtree, _ISOLATED_AWS_DIR, ignore_errors=True)
for _v in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
           "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLEANROOMS", "AWS_CA_BUNDLE"):
    os.environ.pop(_v, None)


# --------------------------------------------------------------------------- server


class Server:
    """One cleanroomsd process; can be stopped and started again on the same data dir."""

    def __init__(self, binary, workdir):
        self.binary = binary
        self.workdir = workdir
        self.data_dir = os.path.join(workdir, "data")
        self.creds_file = os.path.join(workdir, "credentials.json")
        self.log_path = os.path.join(workdir, "server.log")
        self.port = free_port()
        self.proc = None
        self.starts = 0
        with open(self.creds_file, "w") as f:
            json.dump({"credentials": [
                {"accessKeyId": a["key"], "secretAccessKey": a["secret"], "accountId": a["account"]}
                for a in ACCOUNTS.values()]}, f)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        assert self.proc is None
        self.starts += 1
        log = open(self.log_path, "a")
        log.write("---- start #%d ----\n" % self.starts)
        log.flush()
        self.proc = subprocess.Popen(
            [self.binary, "--addr", "127.0.0.1:%d" % self.port, "--data-dir", self.data_dir,
             "--credentials", self.creds_file],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("cleanroomsd exited with %s during start-up; log:\n%s"
                                   % (self.proc.returncode, self.log_tail()))
            try:
                with urllib.request.urlopen(self.url + "/_cleanroomsd/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass
            time.sleep(0.05)
        raise RuntimeError("cleanroomsd did not become healthy in 20 s; log:\n" + self.log_tail())

    def stop(self):
        """SIGTERM; returns the exit code (waits up to 15 s, then kills)."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                return "killed after SIGTERM timeout"
        return proc.returncode

    def log_tail(self, n=60):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER = None
WORKDIR = None
STATS = {"responses_checked": 0, "cli_calls": 0}


def setUpModule():
    global SERVER, WORKDIR
    WORKDIR = tempfile.mkdtemp(prefix="cleanroomsd-story-")
    if not os.environ.get("CLEANROOMSD_KEEP"):
        atexit.register(shutil.rmtree, WORKDIR, ignore_errors=True)
    binary = os.environ.get("CLEANROOMSD_BIN")
    if not binary:
        binary = os.path.join(WORKDIR, "cleanroomsd")
        subprocess.run(["go", "build", "-o", os.path.dirname(binary) + "/", "./cmd/cleanroomsd", "./cmd/cleanroomsd-engine"], cwd=REPO_ROOT, check=True)
    SERVER = Server(os.path.abspath(binary), WORKDIR)
    SERVER.start()


def tearDownModule():
    if SERVER is not None:
        code = SERVER.stop()
        if code != 0:
            raise AssertionError("cleanroomsd did not exit cleanly on SIGTERM: exit %r; log:\n%s"
                                 % (code, SERVER.log_tail()))


# --------------------------------------------------------------------------- boto3 helpers


class ResponseRecorder:
    """after-call / before-send hooks: every response is checked for a request id and the
    rest-json error conventions; the last request URL and raw response are kept."""

    def __init__(self):
        self.last_http = None
        self.urls = []

    def before_send(self, request, **kwargs):
        self.urls.append(request.url)

    def after_call(self, http_response, parsed, model, **kwargs):
        STATS["responses_checked"] += 1
        self.last_http = http_response
        md = parsed.get("ResponseMetadata", {})
        rid = md.get("RequestId")
        status = http_response.status_code
        where = "%s -> HTTP %s" % (model.name, status)
        if not rid:
            raise AssertionError("%s: empty ResponseMetadata.RequestId (headers %r)"
                                 % (where, dict(http_response.headers)))
        if http_response.headers.get("x-amzn-requestid") != rid:
            raise AssertionError("%s: RequestId %r does not match x-amzn-RequestId header" % (where, rid))
        if md.get("HTTPStatusCode") != status:
            raise AssertionError("%s: HTTPStatusCode %r" % (where, md.get("HTTPStatusCode")))
        if status < 300 and status != model.http.get("responseCode", 200):
            raise AssertionError("%s: the model says HTTP %s" % (where, model.http.get("responseCode", 200)))
        if status >= 300:
            code = parsed.get("Error", {}).get("Code")
            hdr = http_response.headers.get("x-amzn-errortype")
            if not hdr or hdr.split(":")[0] != code:
                raise AssertionError("%s: X-Amzn-ErrorType %r vs parsed code %r" % (where, hdr, code))
            if not parsed.get("Error", {}).get("Message"):
                raise AssertionError("%s: error %s without a message; body %r"
                                     % (where, code, http_response.content))
            try:
                json.loads(http_response.content)
            except ValueError:
                raise AssertionError("%s: error body is not JSON: %r" % (where, http_response.content))
        elif status == 204:
            if http_response.content not in (b"", None):
                raise AssertionError("%s: 204 with a body %r" % (where, http_response.content))
        else:
            ctype = http_response.headers.get("content-type", "")
            if not ctype.startswith("application/json"):
                raise AssertionError("%s: Content-Type %r" % (where, ctype))
            json.loads(http_response.content)


_SESSION = None


def make_client(who=None, key=None, secret=None, pool=10):
    """A boto3 cleanrooms client signing as account `who` (or with an explicit key/secret)."""
    global _SESSION
    if _SESSION is None:  # one session: the service model is loaded once
        _SESSION = boto3.session.Session(region_name=REGION)
    if who is not None:
        key, secret = ACCOUNTS[who]["key"], ACCOUNTS[who]["secret"]
    cfg = botocore.config.Config(connect_timeout=5, read_timeout=20, max_pool_connections=pool)
    client = _SESSION.client("cleanrooms", endpoint_url=SERVER.url, region_name=REGION,
                             aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)
    rec = ResponseRecorder()
    client.meta.events.register("before-send.cleanrooms", rec.before_send)
    client.meta.events.register("after-call.cleanrooms", rec.after_call)
    client.recorder = rec
    return client


def strip_md(resp):
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


def coll_arn(account, cid):
    return "arn:aws:cleanrooms:%s:%s:collaboration/%s" % (REGION, account, cid)


def mem_arn(account, mid):
    return "arn:aws:cleanrooms:%s:%s:membership/%s" % (REGION, account, mid)


RESULT_CFG_B = {
    "outputConfiguration": {"s3": {"resultFormat": "CSV", "bucket": "story-results-b", "keyPrefix": "out/"}},
    "roleArn": "arn:aws:iam::222222222222:role/cleanrooms-results-b",
}


class StoryCase(unittest.TestCase):
    """Base class. With ordered = True the test methods are steps of one story sharing
    class state (self.st), and once a step fails the later ones are skipped."""

    maxDiff = None
    ordered = False
    _broken = None

    @classmethod
    def setUpClass(cls):
        cls.st = {}
        cls.c = {w: make_client(w) for w in ACCOUNTS}

    def setUp(self):
        if type(self)._broken:
            self.skipTest("an earlier step failed: %s" % type(self)._broken)

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result is not None else 0
        out = super().run(result)
        if self.ordered and result is not None and len(result.failures) + len(result.errors) > before:
            type(self)._broken = self._testMethodName
        return out

    # -- assertion helpers
    def ok(self, resp, status=200):
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], status, resp)
        self.assertTrue(resp["ResponseMetadata"].get("RequestId"))
        return resp

    def err(self, code, http_status, fn, /, *args, **kwargs):
        with self.assertRaises(ClientError, msg="expected %s from %s" % (code, fn)) as cm:
            fn(*args, **kwargs)
        r = cm.exception.response
        self.assertEqual(r["Error"]["Code"], code, r)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], http_status, r)
        self.assertTrue(r["ResponseMetadata"].get("RequestId"), r)
        self.assertTrue(r["Error"].get("Message"), r)
        return r

    def fresh_time(self, t):
        self.assertIsInstance(t, datetime.datetime)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - t).total_seconds()), 600, t)

    def list_all_collabs(self, who, **kw):
        return [c for p in self.c[who].get_paginator("list_collaborations").paginate(**kw)
                for c in p["collaborationList"]]

    def list_all_memberships(self, who, **kw):
        return [m for p in self.c[who].get_paginator("list_memberships").paginate(**kw)
                for m in p["membershipSummaries"]]


# --------------------------------------------------------------------------- 1. boto3 story


class Test1Boto3Story(StoryCase):
    ordered = True

    def test_01_create_collaboration(self):
        A, B, C = (ACCOUNTS[w]["account"] for w in "ABC")
        base = dict(name="invalid", description="d", creatorDisplayName="A", queryLogStatus="DISABLED",
                    creatorMemberAbilities=["CAN_QUERY"])
        # two payers for one cost type
        r = self.err("ValidationException", 400, self.c["A"].create_collaboration, **base,
                     creatorPaymentConfiguration={"queryCompute": {"isResponsible": True}},
                     members=[{"accountId": B, "memberAbilities": [], "displayName": "B",
                               "paymentConfiguration": {"queryCompute": {"isResponsible": True}}}])
        self.assertEqual(r.get("reason"), "INVALID_CONFIGURATION", r)
        self.assertTrue(r.get("fieldList"), r)
        # the querier refuses to pay while nobody else does
        r = self.err("ValidationException", 400, self.c["A"].create_collaboration, **base,
                     creatorPaymentConfiguration={"queryCompute": {"isResponsible": False}},
                     members=[{"accountId": B, "memberAbilities": [], "displayName": "B"}])
        self.assertIn("creatorPaymentConfiguration", [f["name"].split(".")[0] for f in r.get("fieldList", [])], r)
        # a second CAN_QUERY member
        self.err("ValidationException", 400, self.c["A"].create_collaboration, **base,
                 members=[{"accountId": B, "memberAbilities": ["CAN_QUERY"], "displayName": "B"}])
        self.assertEqual([x for x in self.list_all_collabs("A") if x["name"] == "invalid"], [])
        r = self.ok(self.c["A"].create_collaboration(
            name="story collaboration", description="boto3 story",
            creatorDisplayName="Creator A", creatorMemberAbilities=["CAN_QUERY", "CAN_RECEIVE_RESULTS"],
            creatorPaymentConfiguration={"queryCompute": {"isResponsible": False}},
            members=[
                {"accountId": B, "memberAbilities": ["CAN_RECEIVE_RESULTS"], "displayName": "Receiver B"},
                {"accountId": C, "memberAbilities": [], "displayName": "Payer C",
                 "paymentConfiguration": {"queryCompute": {"isResponsible": True}}},
            ],
            queryLogStatus="ENABLED",
            tags={"env": "test", "team": "story", "owner": "alice", "cost-center": "42"}))
        col = r["collaboration"]
        self.assertRegex(col["id"], UUID_RE)
        self.assertEqual(col["arn"], coll_arn(A, col["id"]))
        self.assertEqual(col["name"], "story collaboration")
        self.assertEqual(col["description"], "boto3 story")
        self.assertEqual(col["creatorAccountId"], A)
        self.assertEqual(col["creatorDisplayName"], "Creator A")
        self.assertEqual(col["memberStatus"], "INVITED")
        self.assertEqual(col["queryLogStatus"], "ENABLED")
        self.assertEqual(col.get("analyticsEngine"), "SPARK")
        self.assertNotIn("membershipId", col)
        self.assertNotIn("membershipArn", col)
        self.fresh_time(col["createTime"])
        self.assertGreaterEqual(col["updateTime"], col["createTime"])
        self.st["cid"], self.st["carn"] = col["id"], col["arn"]
        self.st["col_created"] = col

    def test_02_invitees_see_it_invited(self):
        cid = self.st["cid"]
        for w in "BC":
            col = self.ok(self.c[w].get_collaboration(collaborationIdentifier=cid))["collaboration"]
            self.assertEqual(col["memberStatus"], "INVITED", w)
            self.assertNotIn("membershipId", col, w)
            self.assertEqual(col["creatorAccountId"], ACCOUNTS["A"]["account"])
            self.assertEqual(col["arn"], self.st["carn"])
            invited = self.ok(self.c[w].list_collaborations(memberStatus="INVITED"))["collaborationList"]
            self.assertIn(cid, [x["id"] for x in invited], w)
            summary = [x for x in invited if x["id"] == cid][0]
            self.assertEqual(summary["memberStatus"], "INVITED")
            self.assertEqual(summary["arn"], self.st["carn"])
            active = self.ok(self.c[w].list_collaborations(memberStatus="ACTIVE"))["collaborationList"]
            self.assertNotIn(cid, [x["id"] for x in active], w)
        # the creator is also INVITED until it creates its membership, and sees it listed
        self.assertIn(cid, [x["id"] for x in self.c["A"].list_collaborations(memberStatus="INVITED")["collaborationList"]])

    def test_03_list_members_resolved_payment(self):
        A, B, C = (ACCOUNTS[w]["account"] for w in "ABC")
        for w in "ABC":
            rows = self.ok(self.c[w].list_members(collaborationIdentifier=self.st["cid"]))["memberSummaries"]
            self.assertEqual([m["accountId"] for m in rows], [A, B, C], w)
            by = {m["accountId"]: m for m in rows}
            self.assertEqual(by[A]["displayName"], "Creator A")
            self.assertEqual(by[A]["abilities"], ["CAN_QUERY", "CAN_RECEIVE_RESULTS"])
            self.assertEqual(by[B]["abilities"], ["CAN_RECEIVE_RESULTS"])
            self.assertEqual(by[C]["abilities"], [])
            self.assertEqual(by[C]["displayName"], "Payer C")
            for acct, pays in ((A, False), (B, False), (C, True)):
                self.assertEqual(by[acct]["status"], "INVITED")
                self.assertEqual(by[acct]["paymentConfiguration"],
                                 {"queryCompute": {"isResponsible": pays}}, acct)
                self.assertNotIn("membershipId", by[acct])
                self.fresh_time(by[acct]["createTime"])

    def test_04_payer_c_joins(self):
        cid, C = self.st["cid"], ACCOUNTS["C"]["account"]
        r = self.err("ValidationException", 400, self.c["C"].create_membership,
                     collaborationIdentifier=cid, queryLogStatus="ENABLED")
        self.assertIn("payment", r["Error"]["Message"].lower())
        self.err("ValidationException", 400, self.c["C"].create_membership,
                 collaborationIdentifier=cid, queryLogStatus="ENABLED",
                 paymentConfiguration={"queryCompute": {"isResponsible": False}})
        m = self.ok(self.c["C"].create_membership(
            collaborationIdentifier=cid, queryLogStatus="ENABLED",
            paymentConfiguration={"queryCompute": {"isResponsible": True}},
            tags={"member": "c", "tier": "gold", "k3": "v3"}))["membership"]
        self.assertRegex(m["id"], UUID_RE)
        self.assertEqual(m["arn"], mem_arn(C, m["id"]))
        self.assertEqual(m["collaborationArn"], self.st["carn"])
        self.assertEqual(m["collaborationId"], cid)
        self.assertEqual(m["collaborationCreatorAccountId"], ACCOUNTS["A"]["account"])
        self.assertEqual(m["collaborationCreatorDisplayName"], "Creator A")
        self.assertEqual(m["collaborationName"], "story collaboration")
        self.assertEqual(m["status"], "ACTIVE")
        self.assertEqual(m["memberAbilities"], [])
        self.assertEqual(m["queryLogStatus"], "ENABLED")
        self.assertEqual(m["paymentConfiguration"], {"queryCompute": {"isResponsible": True}})
        self.fresh_time(m["createTime"])
        self.st["mid_c"], self.st["marn_c"] = m["id"], m["arn"]

    def test_05_receiver_b_joins(self):
        cid, B = self.st["cid"], ACCOUNTS["B"]["account"]
        r = self.err("ValidationException", 400, self.c["B"].create_membership,
                     collaborationIdentifier=cid, queryLogStatus="DISABLED")
        self.assertIn("result", r["Error"]["Message"].lower())
        no_role = {"outputConfiguration": RESULT_CFG_B["outputConfiguration"]}
        self.err("ValidationException", 400, self.c["B"].create_membership,
                 collaborationIdentifier=cid, queryLogStatus="DISABLED", defaultResultConfiguration=no_role)
        m = self.ok(self.c["B"].create_membership(
            collaborationIdentifier=cid, queryLogStatus="DISABLED",
            defaultResultConfiguration=RESULT_CFG_B, tags={"member": "b"}))["membership"]
        self.assertEqual(m["arn"], mem_arn(B, m["id"]))
        self.assertEqual(m["status"], "ACTIVE")
        self.assertEqual(m["memberAbilities"], ["CAN_RECEIVE_RESULTS"])
        self.assertEqual(m["queryLogStatus"], "DISABLED")
        self.assertEqual(m["defaultResultConfiguration"], RESULT_CFG_B)
        self.assertEqual(m["paymentConfiguration"], {"queryCompute": {"isResponsible": False}})
        self.st["mid_b"], self.st["marn_b"] = m["id"], m["arn"]
        # a second membership in the same collaboration
        r = self.err("ConflictException", 409, self.c["B"].create_membership,
                     collaborationIdentifier=cid, queryLogStatus="DISABLED",
                     defaultResultConfiguration=RESULT_CFG_B)
        self.assertEqual(r.get("reason"), "ALREADY_EXISTS", r)

    def test_06_creator_joins(self):
        cid, A = self.st["cid"], ACCOUNTS["A"]["account"]
        # C pays, so the querier may not accept query costs
        self.err("ValidationException", 400, self.c["A"].create_membership, collaborationIdentifier=cid,
                 queryLogStatus="ENABLED", paymentConfiguration={"queryCompute": {"isResponsible": True}})
        m = self.ok(self.c["A"].create_membership(collaborationIdentifier=cid, queryLogStatus="ENABLED",
                                                  tags={"member": "a"}))["membership"]
        self.assertEqual(m["arn"], mem_arn(A, m["id"]))
        self.assertEqual(m["status"], "ACTIVE")
        self.assertEqual(m["memberAbilities"], ["CAN_QUERY", "CAN_RECEIVE_RESULTS"])
        # C is the designated payer, so the querying creator pays nothing
        self.assertEqual(m["paymentConfiguration"], {"queryCompute": {"isResponsible": False}})
        self.assertNotIn("defaultResultConfiguration", m)
        self.st["mid_a"], self.st["marn_a"] = m["id"], m["arn"]

    def test_07_caller_relative_fields(self):
        cid = self.st["cid"]
        for w in "ABC":
            col = self.ok(self.c[w].get_collaboration(collaborationIdentifier=cid))["collaboration"]
            self.assertEqual(col["memberStatus"], "ACTIVE", w)
            self.assertEqual(col["membershipId"], self.st["mid_" + w.lower()], w)
            self.assertEqual(col["membershipArn"], self.st["marn_" + w.lower()], w)
            self.assertEqual(col["creatorAccountId"], ACCOUNTS["A"]["account"])
            summ = [x for x in self.list_all_collabs(w, memberStatus="ACTIVE") if x["id"] == cid]
            self.assertEqual(len(summ), 1, w)
            self.assertEqual(summ[0]["membershipId"], self.st["mid_" + w.lower()], w)
            self.assertEqual(summ[0]["memberStatus"], "ACTIVE", w)
        rows = self.c["B"].list_members(collaborationIdentifier=cid)["memberSummaries"]
        for row, w in zip(rows, "ABC"):
            self.assertEqual(row["status"], "ACTIVE")
            self.assertEqual(row["membershipId"], self.st["mid_" + w.lower()])
            self.assertEqual(row["membershipArn"], self.st["marn_" + w.lower()])
        # each account lists only its own membership
        for w in "ABC":
            mine = [m for m in self.list_all_memberships(w) if m["collaborationId"] == cid]
            self.assertEqual([m["id"] for m in mine], [self.st["mid_" + w.lower()]], w)

    def test_08_outsider_denied(self):
        cid = self.st["cid"]
        r = self.err("AccessDeniedException", 403, self.c["D"].get_collaboration, collaborationIdentifier=cid)
        self.assertNotIn("story collaboration", r["Error"]["Message"])
        # an id that does not exist looks the same
        self.err("AccessDeniedException", 403, self.c["D"].get_collaboration,
                 collaborationIdentifier="00000000-0000-4000-8000-000000000000")
        self.err("AccessDeniedException", 403, self.c["D"].list_members, collaborationIdentifier=cid)
        self.err("AccessDeniedException", 403, self.c["D"].create_membership,
                 collaborationIdentifier=cid, queryLogStatus="DISABLED")
        self.err("AccessDeniedException", 403, self.c["D"].update_collaboration,
                 collaborationIdentifier=cid, name="hijack")
        self.assertNotIn(cid, [x["id"] for x in self.list_all_collabs("D")])
        # collaborations are regional: the creator's own credentials in another region see nothing
        other = _SESSION.client("cleanrooms", endpoint_url=SERVER.url, region_name="us-east-1",
                                aws_access_key_id=ACCOUNTS["A"]["key"],
                                aws_secret_access_key=ACCOUNTS["A"]["secret"])
        other.meta.events.register("after-call.cleanrooms", ResponseRecorder().after_call)
        self.err("AccessDeniedException", 403, other.get_collaboration, collaborationIdentifier=cid)
        self.assertNotIn(cid, [x["id"] for x in other.list_collaborations()["collaborationList"]])

    def test_09_other_accounts_membership_not_found(self):
        mid_b = self.st["mid_b"]
        r = self.err("ResourceNotFoundException", 404, self.c["A"].get_membership, membershipIdentifier=mid_b)
        self.assertEqual(r.get("resourceType"), "MEMBERSHIP", r)
        self.assertEqual(r.get("resourceId"), mid_b, r)
        self.err("ResourceNotFoundException", 404, self.c["D"].get_membership, membershipIdentifier=mid_b)
        self.err("ResourceNotFoundException", 404, self.c["A"].update_membership,
                 membershipIdentifier=mid_b, queryLogStatus="ENABLED")
        self.err("ResourceNotFoundException", 404, self.c["A"].delete_membership, membershipIdentifier=mid_b)
        # still there for its owner
        self.assertEqual(self.c["B"].get_membership(membershipIdentifier=mid_b)["membership"]["status"], "ACTIVE")

    def test_10_update_membership_and_collaboration(self):
        mid_b = self.st["mid_b"]
        before = self.c["B"].get_membership(membershipIdentifier=mid_b)["membership"]
        new_cfg = {"outputConfiguration": {"s3": {"resultFormat": "PARQUET", "bucket": "story-results-b2"}},
                   "roleArn": "arn:aws:iam::222222222222:role/cleanrooms-results-b2"}
        m = self.ok(self.c["B"].update_membership(membershipIdentifier=mid_b, queryLogStatus="ENABLED",
                                                  defaultResultConfiguration=new_cfg))["membership"]
        self.assertEqual(m["queryLogStatus"], "ENABLED")
        self.assertEqual(m["defaultResultConfiguration"], new_cfg)
        self.assertEqual(m["id"], mid_b)
        self.assertEqual(m["createTime"], before["createTime"])
        self.assertGreaterEqual(m["updateTime"], before["updateTime"])
        for k in ("arn", "collaborationId", "memberAbilities", "paymentConfiguration", "status"):
            self.assertEqual(m[k], before[k], k)
        # PATCH semantics: an update naming only queryLogStatus keeps the result config
        m2 = self.ok(self.c["B"].update_membership(membershipIdentifier=mid_b, queryLogStatus="DISABLED"))["membership"]
        self.assertEqual(m2["defaultResultConfiguration"], new_cfg)
        self.assertEqual(m2["queryLogStatus"], "DISABLED")
        got = self.c["B"].get_membership(membershipIdentifier=mid_b)["membership"]
        self.assertEqual(got, m2)
        # rename the collaboration: creator only; the membership follows the name
        self.err("AccessDeniedException", 403, self.c["B"].update_collaboration,
                 collaborationIdentifier=self.st["cid"], name="renamed by B")
        col = self.ok(self.c["A"].update_collaboration(collaborationIdentifier=self.st["cid"],
                                                       name="story collaboration v2"))["collaboration"]
        self.assertEqual(col["name"], "story collaboration v2")
        self.assertEqual(col["description"], "boto3 story")
        self.assertEqual(col["membershipId"], self.st["mid_a"])
        self.assertEqual(self.c["C"].get_membership(membershipIdentifier=self.st["mid_c"])
                         ["membership"]["collaborationName"], "story collaboration v2")

    def test_11_paginate_list_collaborations(self):
        # two more collaborations for A so that there are several pages
        for i in range(2):
            self.ok(self.c["A"].create_collaboration(
                name="page filler %d" % i, description="pagination", creatorDisplayName="Creator A",
                creatorMemberAbilities=[], members=[], queryLogStatus="DISABLED"))
        full = self.ok(self.c["A"].list_collaborations(maxResults=100))
        self.assertNotIn("nextToken", full)
        expected = [x["id"] for x in full["collaborationList"]]
        self.assertGreaterEqual(len(expected), 3)
        self.assertIn(self.st["cid"], expected)
        rec = self.c["A"].recorder
        rec.urls.clear()
        pages = list(self.c["A"].get_paginator("list_collaborations").paginate(PaginationConfig={"PageSize": 1}))
        for p in pages:
            self.ok(p)
        ids = [x["id"] for p in pages for x in p["collaborationList"]]
        self.assertEqual(ids, expected)
        self.assertTrue(all(len(p["collaborationList"]) == 1 for p in pages[:-1]))
        self.assertLessEqual(len(pages[-1]["collaborationList"]), 1)
        self.assertNotIn("nextToken", pages[-1])
        self.assertGreaterEqual(len(pages), len(expected))
        self.assertTrue(all("maxResults=1" in u for u in rec.urls), rec.urls)
        self.assertTrue(all("nextToken=" in u for u in rec.urls[1:]), rec.urls)
        # the filter holds across pages too; and a paged ListMembers
        active = [x["id"] for p in self.c["A"].get_paginator("list_collaborations").paginate(
            memberStatus="ACTIVE", PaginationConfig={"PageSize": 1}) for x in p["collaborationList"]]
        self.assertEqual(active, [self.st["cid"]])
        mpages = list(self.c["C"].get_paginator("list_members").paginate(
            collaborationIdentifier=self.st["cid"], PaginationConfig={"PageSize": 2}))
        self.assertEqual([m["accountId"] for p in mpages for m in p["memberSummaries"]],
                         [ACCOUNTS[w]["account"] for w in "ABC"])

    def test_12_tags(self):
        carn, marn_c = self.st["carn"], self.st["marn_c"]
        A = self.c["A"]
        A.recorder.urls.clear()
        self.assertEqual(self.ok(A.list_tags_for_resource(resourceArn=carn))["tags"],
                         {"env": "test", "team": "story", "owner": "alice", "cost-center": "42"})
        # the ARN travels percent-encoded in a single path segment
        url = A.recorder.urls[-1]
        self.assertIn("/tags/" + urllib.parse.quote(carn, safe=""), url)
        self.assertIn("%2F", url)
        self.assertIn("%3A", url)
        r = self.ok(A.tag_resource(resourceArn=carn, tags={"env": "prod", "k5": "v5", "empty": ""}))
        self.assertEqual(strip_md(r), {})
        A.recorder.urls.clear()
        r = self.ok(A.untag_resource(resourceArn=carn, tagKeys=["team", "owner", "cost-center", "absent"]))
        self.assertEqual(strip_md(r), {})
        self.assertEqual(A.recorder.urls[-1].count("tagKeys="), 4, A.recorder.urls[-1])
        self.assertEqual(A.list_tags_for_resource(resourceArn=carn)["tags"],
                         {"env": "prod", "k5": "v5", "empty": ""})
        # membership ARN, by its owner (C)
        Cc = self.c["C"]
        self.assertEqual(Cc.list_tags_for_resource(resourceArn=marn_c)["tags"],
                         {"member": "c", "tier": "gold", "k3": "v3"})
        self.ok(Cc.tag_resource(resourceArn=marn_c, tags={"k1": "v1", "k2": "v2"}))
        self.ok(Cc.untag_resource(resourceArn=marn_c, tagKeys=["k1", "k3", "tier"]))
        self.assertEqual(Cc.list_tags_for_resource(resourceArn=marn_c)["tags"], {"member": "c", "k2": "v2"})
        # other accounts cannot see or touch them
        self.err("ResourceNotFoundException", 404, self.c["B"].list_tags_for_resource, resourceArn=carn)
        self.err("ResourceNotFoundException", 404, self.c["A"].tag_resource, resourceArn=marn_c, tags={"x": "y"})
        self.err("ResourceNotFoundException", 404, self.c["D"].untag_resource, resourceArn=marn_c, tagKeys=["k2"])
        # reserved prefix; at most 200 tags per resource
        self.err("ValidationException", 400, A.tag_resource, resourceArn=carn, tags={"aws:x": "y"})
        self.err("ValidationException", 400, A.untag_resource, resourceArn=carn, tagKeys=["aws:x"])
        self.err("ValidationException", 400, A.tag_resource, resourceArn=carn,
                 tags={"bulk%03d" % i: "v" for i in range(198)})
        self.assertEqual(A.list_tags_for_resource(resourceArn=carn)["tags"],
                         {"env": "prod", "k5": "v5", "empty": ""})
        self.assertEqual(Cc.list_tags_for_resource(resourceArn=marn_c)["tags"], {"member": "c", "k2": "v2"})

    def test_13_b_leaves_and_cannot_rejoin(self):
        cid, mid_b = self.st["cid"], self.st["mid_b"]
        self.ok(self.c["B"].delete_membership(membershipIdentifier=mid_b), 204)
        self.assertEqual(self.c["B"].recorder.last_http.content, b"")
        self.err("ResourceNotFoundException", 404, self.c["B"].get_membership, membershipIdentifier=mid_b)
        self.assertNotIn(mid_b, [m["id"] for m in self.list_all_memberships("B")])
        rows = {m["accountId"]: m for m in
                self.c["A"].list_members(collaborationIdentifier=cid)["memberSummaries"]}
        self.assertEqual(rows[ACCOUNTS["B"]["account"]]["status"], "LEFT")
        self.assertEqual(rows[ACCOUNTS["C"]["account"]]["status"], "ACTIVE")
        self.err("AccessDeniedException", 403, self.c["B"].get_collaboration, collaborationIdentifier=cid)
        self.assertNotIn(cid, [x["id"] for x in self.list_all_collabs("B")])
        r = self.err("ConflictException", 409, self.c["B"].create_membership, collaborationIdentifier=cid,
                     queryLogStatus="DISABLED", defaultResultConfiguration=RESULT_CFG_B)
        self.assertEqual(r.get("reason"), "INVALID_STATE", r)
        # the membership's tags went with it
        self.err("ResourceNotFoundException", 404, self.c["B"].list_tags_for_resource,
                 resourceArn=self.st["marn_b"])
        # the creator cannot leave its own collaboration
        self.err("ConflictException", 409, self.c["A"].delete_membership, membershipIdentifier=self.st["mid_a"])

    def test_14_creator_removes_c(self):
        cid, C = self.st["cid"], ACCOUNTS["C"]["account"]
        self.err("AccessDeniedException", 403, self.c["D"].delete_member, collaborationIdentifier=cid, accountId=C)
        self.err("AccessDeniedException", 403, self.c["C"].delete_member, collaborationIdentifier=cid,
                 accountId=ACCOUNTS["A"]["account"])
        self.ok(self.c["A"].delete_member(collaborationIdentifier=cid, accountId=C), 204)
        self.assertEqual(self.c["A"].recorder.last_http.content, b"")
        rows = {m["accountId"]: m for m in
                self.c["A"].list_members(collaborationIdentifier=cid)["memberSummaries"]}
        self.assertEqual(rows[C]["status"], "REMOVED")
        m = self.c["C"].get_membership(membershipIdentifier=self.st["mid_c"])["membership"]
        self.assertEqual(m["status"], "REMOVED")
        self.assertIn(self.st["mid_c"], [x["id"] for x in self.list_all_memberships("C", status="REMOVED")])
        self.assertNotIn(self.st["mid_c"], [x["id"] for x in self.list_all_memberships("C", status="ACTIVE")])
        self.err("AccessDeniedException", 403, self.c["C"].get_collaboration, collaborationIdentifier=cid)
        self.err("ConflictException", 409, self.c["A"].delete_member, collaborationIdentifier=cid, accountId=C)
        r = self.err("ResourceNotFoundException", 404, self.c["A"].delete_member, collaborationIdentifier=cid,
                     accountId=ACCOUNTS["D"]["account"])
        self.assertEqual(r.get("resourceType"), "MEMBERSHIP", r)
        self.err("ValidationException", 400, self.c["A"].delete_member, collaborationIdentifier=cid,
                 accountId=ACCOUNTS["A"]["account"])
        self.err("ConflictException", 409, self.c["C"].update_membership,
                 membershipIdentifier=self.st["mid_c"], queryLogStatus="DISABLED")

    def test_15_delete_collaboration(self):
        cid = self.st["cid"]
        self.err("AccessDeniedException", 403, self.c["D"].delete_collaboration, collaborationIdentifier=cid)
        self.ok(self.c["A"].delete_collaboration(collaborationIdentifier=cid), 204)
        self.assertEqual(self.c["A"].recorder.last_http.content, b"")
        m = self.c["A"].get_membership(membershipIdentifier=self.st["mid_a"])["membership"]
        self.assertEqual(m["status"], "COLLABORATION_DELETED")
        self.assertIn(self.st["mid_a"],
                      [x["id"] for x in self.list_all_memberships("A", status="COLLABORATION_DELETED")])
        # C had been removed before: stays REMOVED
        self.assertEqual(self.c["C"].get_membership(membershipIdentifier=self.st["mid_c"])
                         ["membership"]["status"], "REMOVED")
        self.err("AccessDeniedException", 403, self.c["A"].get_collaboration, collaborationIdentifier=cid)
        self.err("AccessDeniedException", 403, self.c["A"].delete_collaboration, collaborationIdentifier=cid)
        self.err("AccessDeniedException", 403, self.c["A"].list_members, collaborationIdentifier=cid)
        self.assertNotIn(cid, [x["id"] for x in self.list_all_collabs("A")])
        self.err("ResourceNotFoundException", 404, self.c["A"].list_tags_for_resource, resourceArn=self.st["carn"])
        Test5Durability.leftovers.update(mid_a=self.st["mid_a"], mid_c=self.st["mid_c"], cid_deleted=cid)


# --------------------------------------------------------------------------- 2. quotas


class Test2Quotas(StoryCase):

    def test_members_per_collaboration(self):
        members = [{"accountId": "5555555555%02d" % i, "memberAbilities": [], "displayName": "m%d" % i}
                   for i in range(6)]
        r = self.err("ServiceQuotaExceededException", 402, self.c["A"].create_collaboration,
                     name="too many members", description="quota", creatorDisplayName="A",
                     creatorMemberAbilities=["CAN_QUERY"], members=members, queryLogStatus="DISABLED")
        self.assertEqual(r.get("quotaName"), "Members invited per collaboration", r)
        self.assertEqual(r.get("quotaValue"), 5.0, r)
        self.assertIsInstance(r.get("quotaValue"), float)
        # exactly five is fine
        col = self.ok(self.c["A"].create_collaboration(
            name="five members", description="quota", creatorDisplayName="A",
            creatorMemberAbilities=["CAN_QUERY"], members=members[:5], queryLogStatus="DISABLED"))["collaboration"]
        self.ok(self.c["A"].delete_collaboration(collaborationIdentifier=col["id"]), 204)

    def test_collaborations_per_account(self):
        D = self.c["D"]
        mine = [x for x in self.list_all_collabs("D") if x["creatorAccountId"] == ACCOUNTS["D"]["account"]]
        created = []
        for i in range(10 - len(mine)):
            created.append(self.ok(D.create_collaboration(
                name="quota %d" % i, description="quota", creatorDisplayName="D",
                creatorMemberAbilities=[], members=[], queryLogStatus="DISABLED"))["collaboration"]["id"])
        kw = dict(name="one too many", description="quota", creatorDisplayName="D",
                  creatorMemberAbilities=[], members=[], queryLogStatus="DISABLED")
        r = self.err("ServiceQuotaExceededException", 402, D.create_collaboration, **kw)
        self.assertEqual(r.get("quotaName"), "Collaborations created per account", r)
        self.assertEqual(r.get("quotaValue"), 10.0, r)
        # a deleted collaboration frees its slot
        self.ok(D.delete_collaboration(collaborationIdentifier=created[-1]), 204)
        cid = self.ok(D.create_collaboration(**kw))["collaboration"]["id"]
        for x in created[:-1] + [cid]:
            self.ok(D.delete_collaboration(collaborationIdentifier=x), 204)


    def test_concurrent_creates_respect_quota(self):
        # C has created nothing so far: of 13 simultaneous creates exactly 10 may succeed
        mine = [x for x in self.list_all_collabs("C") if x["creatorAccountId"] == ACCOUNTS["C"]["account"]]
        self.assertEqual(mine, [])
        codes, ids = run_parallel(13, "C", lambda cl, i: cl.create_collaboration(
            name="race %d" % i, description="race", creatorDisplayName="C", creatorMemberAbilities=[],
            members=[], queryLogStatus="DISABLED")["collaboration"]["id"])
        self.assertEqual(sorted(codes), ["ServiceQuotaExceededException"] * 3 + ["ok"] * 10, codes)
        for cid in ids:
            self.ok(self.c["C"].delete_collaboration(collaborationIdentifier=cid), 204)

    def test_concurrent_joins_single_winner(self):
        cid = self.ok(self.c["A"].create_collaboration(
            name="join race", description="race", creatorDisplayName="A", creatorMemberAbilities=["CAN_QUERY"],
            members=[{"accountId": ACCOUNTS["D"]["account"], "memberAbilities": [], "displayName": "D"}],
            queryLogStatus="DISABLED"))["collaboration"]["id"]
        codes, ids = run_parallel(8, "D", lambda cl, i: cl.create_membership(
            collaborationIdentifier=cid, queryLogStatus="DISABLED")["membership"]["id"])
        self.assertEqual(sorted(codes), ["ConflictException"] * 7 + ["ok"], codes)
        self.assertEqual([m["id"] for m in self.list_all_memberships("D") if m["collaborationId"] == cid], ids)
        self.ok(self.c["A"].delete_collaboration(collaborationIdentifier=cid), 204)
        self.ok(self.c["D"].delete_membership(membershipIdentifier=ids[0]), 204)


def run_parallel(n, who, fn):
    """Runs fn(client, i) for i in range(n) at the same moment on n threads sharing one
    (thread-safe) client. Returns (list of "ok" or error codes, results of the successful calls)."""
    client = make_client(who, pool=n + 2)
    barrier = threading.Barrier(n)
    codes, results = [None] * n, [None] * n

    def work(i):
        barrier.wait()
        try:
            results[i] = fn(client, i)
            codes[i] = "ok"
        except ClientError as e:
            codes[i] = e.response["Error"]["Code"]
        except Exception as e:  # noqa: BLE001 - reported through codes
            codes[i] = repr(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes, [r for c, r in zip(codes, results) if c == "ok"]


# --------------------------------------------------------------------------- 3. auth + wire


class Test3AuthAndWire(StoryCase):

    def test_wrong_secret(self):
        bad = make_client(key=ACCOUNTS["A"]["key"], secret="not-the-secret")
        r = self.err("InvalidSignatureException", 403, bad.list_collaborations)
        self.assertEqual(r["ResponseMetadata"]["RetryAttempts"], 0)

    def test_unknown_key(self):
        bad = make_client(key="AKIANOBODYKNOWSME000", secret="whatever")
        self.err("UnrecognizedClientException", 403, bad.list_collaborations)
        # a 12-digit key is an account id only when signatures are not verified
        bad12 = make_client(key="999999999999", secret="whatever")
        self.err("UnrecognizedClientException", 403, bad12.list_collaborations)

    def test_unsigned_request(self):
        req = urllib.request.Request(SERVER.url + "/collaborations", method="GET")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=5)
        e = cm.exception
        self.assertEqual(e.code, 403)
        self.assertTrue(e.headers.get("x-amzn-errortype"))
        self.assertTrue(e.headers.get("x-amzn-requestid"))
        json.loads(e.read())

    def test_not_implemented(self):
        r = self.err("NotImplementedException", 501, self.c["A"].list_id_namespace_associations,
                     membershipIdentifier="0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
        self.assertEqual(r["ResponseMetadata"]["RetryAttempts"], 0, "501 must not be retried")
        self.assertIn("ListIdNamespaceAssociations", r["Error"]["Message"])

    def test_bad_next_token(self):
        r = self.err("ValidationException", 400, self.c["A"].list_collaborations, nextToken="garbage-token")
        self.assertEqual(r.get("reason"), "FIELD_VALIDATION_FAILED", r)
        # a token issued to one account is not accepted from another
        for i in range(2):
            self.c["B"].create_collaboration(name="tok %d" % i, description="t", creatorDisplayName="B",
                                             creatorMemberAbilities=[], members=[], queryLogStatus="DISABLED")
        page = self.c["B"].list_collaborations(maxResults=1)
        self.assertIn("nextToken", page)
        self.err("ValidationException", 400, self.c["C"].list_collaborations, nextToken=page["nextToken"],
                 maxResults=1)
        self.err("ValidationException", 400, self.c["B"].list_memberships, nextToken=page["nextToken"])

    def test_client_validation_reaches_server(self):
        # max/pattern/enum checks are server-side (botocore only checks required/min)
        self.err("ValidationException", 400, self.c["A"].list_collaborations, maxResults=101)
        self.err("ValidationException", 400, self.c["A"].get_membership,
                 membershipIdentifier="ZZZZZZZZ-0000-4000-8000-000000000000")
        self.err("ValidationException", 400, self.c["A"].list_collaborations, memberStatus="LEFT")
        self.err("ValidationException", 400, self.c["A"].list_memberships, status="LEFT")


# --------------------------------------------------------------------------- 4. AWS CLI v1


class CliError(Exception):
    pass


def _find_aws_cli():
    """$AWS_CLI, else the `aws` installed next to this Python (skips a pyenv shim), else PATH."""
    if os.environ.get("AWS_CLI"):
        return os.environ["AWS_CLI"]
    beside = os.path.join(os.path.dirname(sys.executable), "aws")
    if os.access(beside, os.X_OK):
        return beside
    return shutil.which("aws") or "aws"


AWS_CLI = _find_aws_cli()


def aws(who, *args, expect_rc=0, secret=None):
    """Runs `aws cleanrooms ARGS --endpoint-url URL --output json` as account `who`.
    expect_rc=0: returns the parsed stdout (None when empty), raises CliError otherwise;
    expect_rc=None: returns the CompletedProcess."""
    env = dict(os.environ)
    env.update(AWS_ACCESS_KEY_ID=ACCOUNTS[who]["key"], AWS_SECRET_ACCESS_KEY=secret or ACCOUNTS[who]["secret"],
               AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
    cmd = [AWS_CLI, "cleanrooms"] + list(args) + ["--endpoint-url", SERVER.url, "--output", "json"]
    STATS["cli_calls"] += 1
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    if expect_rc is None:
        return p
    if p.returncode != 0:
        raise CliError("%s -> rc %d\nstdout: %s\nstderr: %s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return json.loads(p.stdout) if p.stdout.strip() else None


def aws_parallel(*calls):
    """Runs several independent `aws` calls ((who, args, kwargs) tuples) at once: the CLI's
    start-up time dominates, so this keeps the suite fast."""
    out = [None] * len(calls)

    def work(i):
        who, args, kw = calls[i]
        try:
            out[i] = aws(who, *args, **kw)
        except Exception as e:  # noqa: BLE001 - re-raised below
            out[i] = e

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    for o in out:
        if isinstance(o, Exception):
            raise o
    return out


class Test4CliStory(StoryCase):
    ordered = True

    def assert_cli_error(self, p, name, operation):
        self.assertIn(p.returncode, (254, 255), p)
        self.assertIn(name, p.stderr, p)
        self.assertIn(operation, p.stderr, p)
        self.assertEqual(p.stdout.strip(), "", p)

    def test_01_create_and_list(self):
        B = ACCOUNTS["B"]["account"]
        members = [{"accountId": B, "memberAbilities": [], "displayName": "cli member B"}]
        col = aws("A", "create-collaboration", "--name", "cli collaboration", "--description", "cli story",
                  "--creator-display-name", "CLI creator", "--creator-member-abilities", "CAN_QUERY",
                  "CAN_RECEIVE_RESULTS", "--members", json.dumps(members), "--query-log-status", "ENABLED",
                  "--tags", "env=cli,team=x")["collaboration"]
        self.assertRegex(col["id"], UUID_RE)
        self.assertEqual(col["arn"], coll_arn(ACCOUNTS["A"]["account"], col["id"]))
        self.assertEqual(col["memberStatus"], "INVITED")
        self.assertEqual(col["creatorAccountId"], ACCOUNTS["A"]["account"])
        self.assertIsInstance(col["createTime"], (int, float))  # epoch seconds on the wire
        self.st["cid"], self.st["carn"] = col["id"], col["arn"]
        self.assertEqual(self.c["A"].list_tags_for_resource(resourceArn=col["arn"])["tags"],
                         {"env": "cli", "team": "x"})
        # the CLI follows nextToken on its own; one item per page
        lst = aws("B", "list-collaborations", "--member-status", "INVITED", "--page-size", "1")
        self.assertEqual([x["id"] for x in lst["collaborationList"]],
                         [x["id"] for x in self.c["B"].list_collaborations(memberStatus="INVITED")["collaborationList"]])
        self.assertIn(col["id"], [x["id"] for x in lst["collaborationList"]])
        self.assertNotIn("nextToken", lst)

    def test_02_membership(self):
        cid = self.st["cid"]
        m = aws("B", "create-membership", "--collaboration-identifier", cid, "--query-log-status", "DISABLED",
                "--tags", "member=b")["membership"]
        self.assertEqual(m["status"], "ACTIVE")
        self.assertEqual(m["arn"], mem_arn(ACCOUNTS["B"]["account"], m["id"]))
        self.assertEqual(m["collaborationArn"], self.st["carn"])
        self.assertEqual(m["paymentConfiguration"], {"queryCompute": {"isResponsible": False}})
        self.st["mid_b"], self.st["marn_b"] = m["id"], m["arn"]
        got, members, tagged = aws_parallel(
            ("B", ("get-membership", "--membership-identifier", m["id"]), {}),
            ("A", ("list-members", "--collaboration-identifier", cid), {}),
            ("B", ("tag-resource", "--resource-arn", m["arn"], "--tags", "k1=v1,k2=v2,k3=v3"), {}))
        self.assertIn(tagged, (None, {}))
        got = got["membership"]
        self.assertEqual(got["collaborationId"], cid)
        self.assertEqual(got["collaborationName"], "cli collaboration")
        self.assertEqual(got["queryLogStatus"], "DISABLED")
        rows = members["memberSummaries"]
        self.assertEqual([(r["accountId"], r["status"], r["paymentConfiguration"]["queryCompute"]["isResponsible"])
                          for r in rows],
                         [(ACCOUNTS["A"]["account"], "INVITED", True), (ACCOUNTS["B"]["account"], "ACTIVE", False)])
        self.assertEqual(rows[1]["membershipId"], m["id"])

    def test_03_tags_and_errors(self):
        arn = self.st["marn_b"]
        self.assertEqual(self.c["B"].list_tags_for_resource(resourceArn=arn)["tags"],
                         {"member": "b", "k1": "v1", "k2": "v2", "k3": "v3"})
        self.assertIn(aws("B", "untag-resource", "--resource-arn", arn, "--tag-keys", "k1", "k2"), (None, {}))
        tags, rnf = aws_parallel(
            ("B", ("list-tags-for-resource", "--resource-arn", arn), {}),
            ("A", ("get-membership", "--membership-identifier", self.st["mid_b"]), {"expect_rc": None}))
        self.assertEqual(tags["tags"], {"member": "b", "k3": "v3"})
        self.assert_cli_error(rnf, "ResourceNotFoundException", "GetMembership")

    def test_04_leave_and_delete(self):
        cid = self.st["cid"]
        self.assertIsNone(aws("B", "delete-membership", "--membership-identifier", self.st["mid_b"]))
        self.err("ResourceNotFoundException", 404, self.c["B"].get_membership, membershipIdentifier=self.st["mid_b"])
        rows = self.c["A"].list_members(collaborationIdentifier=cid)["memberSummaries"]
        self.assertEqual([r["status"] for r in rows], ["INVITED", "LEFT"])
        self.assertIsNone(aws("A", "delete-collaboration", "--collaboration-identifier", cid))
        self.err("AccessDeniedException", 403, self.c["A"].get_collaboration, collaborationIdentifier=cid)
        self.assertNotIn(cid, [x["id"] for x in self.list_all_collabs("A")])


# --------------------------------------------------------------------------- 5. restart durability


class Test5Durability(StoryCase):
    leftovers = {}

    def snapshot(self):
        """Everything every account can read, with the caller-visible fields."""
        snap = {}
        for w in "ABCD":
            c = self.c[w]
            collabs = self.list_all_collabs(w)
            snap[w + ":collaborations"] = collabs
            for col in collabs:
                snap[w + ":collab:" + col["id"]] = strip_md(c.get_collaboration(collaborationIdentifier=col["id"]))
                snap[w + ":members:" + col["id"]] = strip_md(c.list_members(collaborationIdentifier=col["id"]))
                if col["creatorAccountId"] == ACCOUNTS[w]["account"]:
                    snap[w + ":tags:" + col["arn"]] = c.list_tags_for_resource(resourceArn=col["arn"])["tags"]
            mems = self.list_all_memberships(w)
            snap[w + ":memberships"] = mems
            for m in mems:
                snap[w + ":membership:" + m["id"]] = strip_md(c.get_membership(membershipIdentifier=m["id"]))
                snap[w + ":tags:" + m["arn"]] = c.list_tags_for_resource(resourceArn=m["arn"])["tags"]
        return snap

    def test_1_sigterm_restart_keeps_everything(self):
        A, B, C = (ACCOUNTS[w]["account"] for w in "ABC")
        col = self.c["A"].create_collaboration(
            name="keeper", description="survives restarts", creatorDisplayName="Keeper A",
            creatorMemberAbilities=["CAN_QUERY"],
            members=[{"accountId": B, "memberAbilities": ["CAN_RECEIVE_RESULTS"], "displayName": "B"},
                     {"accountId": C, "memberAbilities": [], "displayName": "C"}],
            queryLogStatus="ENABLED", tags={"keep": "yes", "n": "1"})["collaboration"]
        cid = col["id"]
        ma = self.c["A"].create_membership(collaborationIdentifier=cid, queryLogStatus="ENABLED",
                                           tags={"who": "a"})["membership"]
        mb = self.c["B"].create_membership(collaborationIdentifier=cid, queryLogStatus="DISABLED",
                                           defaultResultConfiguration=RESULT_CFG_B, tags={"who": "b"})["membership"]
        # C stays INVITED
        self.c["A"].tag_resource(resourceArn=col["arn"], tags={"n": "2", "extra": "x"})
        self.c["A"].untag_resource(resourceArn=col["arn"], tagKeys=["extra"])
        self.c["B"].update_membership(membershipIdentifier=mb["id"], queryLogStatus="ENABLED")
        self.c["A"].update_collaboration(collaborationIdentifier=cid, description="survives restarts v2")

        before = self.snapshot()
        self.assertIn("A:collab:" + cid, before)
        code = SERVER.stop()
        self.assertEqual(code, 0, "exit code on SIGTERM; log:\n" + SERVER.log_tail())
        SERVER.start()
        after = self.snapshot()
        self.assertEqual(sorted(after), sorted(before))
        for k in before:
            self.assertEqual(after[k], before[k], k)

        # and explicitly:
        got = self.c["A"].get_collaboration(collaborationIdentifier=cid)["collaboration"]
        self.assertEqual((got["name"], got["description"], got["memberStatus"], got["membershipId"]),
                         ("keeper", "survives restarts v2", "ACTIVE", ma["id"]))
        self.assertEqual(self.c["A"].list_tags_for_resource(resourceArn=col["arn"])["tags"], {"keep": "yes", "n": "2"})
        self.assertEqual(self.c["A"].list_tags_for_resource(resourceArn=ma["arn"])["tags"], {"who": "a"})
        self.assertEqual(self.c["B"].list_tags_for_resource(resourceArn=mb["arn"])["tags"], {"who": "b"})
        gb = self.c["B"].get_membership(membershipIdentifier=mb["id"])["membership"]
        self.assertEqual((gb["status"], gb["queryLogStatus"], gb["defaultResultConfiguration"]),
                         ("ACTIVE", "ENABLED", RESULT_CFG_B))
        rows = self.c["C"].list_members(collaborationIdentifier=cid)["memberSummaries"]
        self.assertEqual([(r["accountId"], r["status"]) for r in rows],
                         [(A, "ACTIVE"), (B, "ACTIVE"), (C, "INVITED")])
        self.assertEqual([r["paymentConfiguration"]["queryCompute"]["isResponsible"] for r in rows],
                         [True, False, False])
        lo = self.leftovers
        if lo:  # state left by the boto3 story
            self.assertEqual(self.c["A"].get_membership(membershipIdentifier=lo["mid_a"])["membership"]["status"],
                             "COLLABORATION_DELETED")
            self.assertEqual(self.c["C"].get_membership(membershipIdentifier=lo["mid_c"])["membership"]["status"],
                             "REMOVED")
            self.err("AccessDeniedException", 403, self.c["A"].get_collaboration,
                     collaborationIdentifier=lo["cid_deleted"])
        # the restarted server still takes writes and enforces the story rules
        self.ok(self.c["C"].create_membership(collaborationIdentifier=cid, queryLogStatus="DISABLED"))
        self.err("ConflictException", 409, self.c["B"].create_membership, collaborationIdentifier=cid,
                 queryLogStatus="DISABLED", defaultResultConfiguration=RESULT_CFG_B)


    def test_2_sigkill_loses_no_acknowledged_write(self):
        B = ACCOUNTS["B"]["account"]
        col = self.c["A"].create_collaboration(
            name="crash", description="kill -9", creatorDisplayName="A", creatorMemberAbilities=["CAN_QUERY"],
            members=[{"accountId": B, "memberAbilities": [], "displayName": "B"}],
            queryLogStatus="DISABLED", tags={"crash": "1"})["collaboration"]
        m = self.c["B"].create_membership(collaborationIdentifier=col["id"], queryLogStatus="DISABLED",
                                          tags={"crash": "b"})["membership"]
        self.c["A"].tag_resource(resourceArn=col["arn"], tags={"last": "write"})
        before = self.snapshot()
        SERVER.proc.send_signal(signal.SIGKILL)
        SERVER.proc.wait(10)
        SERVER.proc = None
        SERVER.start()
        after = self.snapshot()
        self.assertEqual(sorted(after), sorted(before))
        for k in before:
            self.assertEqual(after[k], before[k], k)
        self.assertEqual(self.c["A"].list_tags_for_resource(resourceArn=col["arn"])["tags"],
                         {"crash": "1", "last": "write"})
        self.assertEqual(self.c["B"].get_membership(membershipIdentifier=m["id"])["membership"]["status"], "ACTIVE")


# --------------------------------------------------------------------------- main


class TimedResult(unittest.TextTestResult):
    """Records how long each test took (Python 3.11 has no --durations)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timings = []

    def startTest(self, test):
        self._t0 = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        self.timings.append((time.monotonic() - self._t0, test.id().split(".", 1)[-1]))
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
    slow = sorted(result.timings, reverse=True)[:5]
    print("slowest: " + ", ".join("%s %.1fs" % (name, d) for d, name in slow))
    if not ok and SERVER is not None:
        sys.stderr.write("\n---- server log (tail) %s%s ----\n%s\n" % (
            SERVER.log_path, "" if os.environ.get("CLEANROOMSD_KEEP") else "; CLEANROOMSD_KEEP=1 keeps it",
            SERVER.log_tail(40)))
    print("story_test: %s in %.1fs (%d tests, %d failures, %d errors, %d skipped; %d boto3 responses checked, "
          "%d aws CLI calls)" % ("OK" if ok else "FAILED", time.monotonic() - started, result.testsRun,
                                len(result.failures), len(result.errors), len(result.skipped),
                                STATS["responses_checked"], STATS["cli_calls"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
