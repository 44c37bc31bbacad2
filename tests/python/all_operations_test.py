"""Every operation of the model, called with boto3, gets an AWS-shaped answer.

For each of the 88 operations botocore knows, build the smallest valid request
(only required members, values satisfying the model's constraints), send it
to a running cleanroomsd, and check that botocore parsed the answer: either a
success with the HTTP status the model declares, or an error whose code is one
the operation declares (or a documented protocol error such as
NotImplementedException), with a message, a request id, and the modeled
members of that error. Run by `make test` (CLEANROOMSD_URL or
CLEANROOMSD_BIN).
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import boto3
import botocore
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

UUID = "5ac65a10-dde7-4916-890e-3abc51e07839"
ACCOUNT = "111122223333"
SAMPLES = {
    "AccountId": ACCOUNT,
    "AnalysisTemplateArn": "arn:aws:cleanrooms:us-east-1:111122223333:membership/%s/analysistemplate/%s" % (UUID, UUID),
    "BudgetedResourceArn": "arn:aws:cleanrooms:us-east-1:111122223333:membership/%s/configuredtableassociation/%s" % (UUID, UUID),
    "CleanroomsArn": "arn:aws:cleanrooms:us-east-1:111122223333:collaboration/" + UUID,
    "ConfiguredAudienceModelArn": "arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/m1",
    "IdMappingTableInputReferenceArn": "arn:aws:entityresolution:us-east-1:111122223333:idmappingworkflow/w1",
    "IdNamespaceAssociationInputReferenceArn": "arn:aws:entityresolution:us-east-1:111122223333:idnamespace/n1",
    "RoleArn": "arn:aws:iam::111122223333:role/cleanrooms-role",
    "S3LocationBucketString": "my-bucket",
    "S3LocationKeyString": "results/out",
}
# Errors outside the model that any operation may answer.
PROTOCOL_ERRORS = {"NotImplementedException"}


def sample(shape, depth=0):
    if shape.name in SAMPLES:
        return SAMPLES[shape.name]
    t = shape.type_name
    m = shape.metadata
    if t == "structure":
        if m.get("union") or getattr(shape, "is_tagged_union", False):
            name = sorted(shape.members)[0]
            return {name: sample(shape.members[name], depth + 1)}
        return {k: sample(shape.members[k], depth + 1) for k in shape.required_members}
    if t == "list":
        return [sample(shape.member, depth + 1) for _ in range(max(1, m.get("min", 1)))]
    if t == "map":
        return {sample(shape.key, depth + 1): sample(shape.value, depth + 1) for _ in range(max(1, m.get("min", 1)))}
    if t == "string":
        if shape.enum:
            return shape.enum[0]
        pattern = m.get("pattern", "")
        if "0-9a-f]{8}" in pattern:
            return UUID
        n = max(m.get("min", 1), 1)
        return ("x" * n) if "x" not in pattern else "a" * n
    if t in ("integer", "long"):
        return int(m.get("min", 1))
    if t in ("double", "float"):
        return float(m.get("min", 1))
    if t == "boolean":
        return True
    if t == "timestamp":
        return 1732000000
    raise AssertionError("no sample for %s (%s)" % (shape.name, t))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AllOperations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc = None
        url = os.environ.get("CLEANROOMSD_URL")
        if not url:
            binary = os.environ.get("CLEANROOMSD_BIN")
            if not binary:
                raise unittest.SkipTest("set CLEANROOMSD_URL or CLEANROOMSD_BIN")
            port = free_port()
            cls.tmp = tempfile.TemporaryDirectory()
            cls.proc = subprocess.Popen([binary, "--addr", "127.0.0.1:%d" % port, "--data-dir", cls.tmp.name,
                                         "--log-level", "warn"])
            url = "http://127.0.0.1:%d" % port
            deadline = time.time() + 10
            while True:
                try:
                    urllib.request.urlopen(url + "/_cleanroomsd/health", timeout=1)
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.02)
        cls.client = boto3.client(
            "cleanrooms", endpoint_url=url, region_name="us-east-1",
            aws_access_key_id=ACCOUNT, aws_secret_access_key="secret",
            config=Config(retries={"max_attempts": 1}))
        cls.model = botocore.session.get_session().get_service_model("cleanrooms")

    @classmethod
    def tearDownClass(cls):
        if cls.proc:
            cls.proc.terminate()
            cls.proc.wait(10)
            cls.tmp.cleanup()

    def test_every_operation(self):
        names = self.model.operation_names
        self.assertEqual(len(names), 88)
        outcomes = {}
        for name in names:
            op = self.model.operation_model(name)
            params = sample(op.input_shape) if op.input_shape else {}
            method = getattr(self.client, botocore.xform_name(name))
            with self.subTest(operation=name):
                try:
                    resp = method(**params)
                    meta = resp["ResponseMetadata"]
                    self.assertEqual(meta["HTTPStatusCode"], op.http.get("responseCode", 200))
                    outcomes[name] = "ok"
                except ClientError as e:
                    err, meta = e.response["Error"], e.response["ResponseMetadata"]
                    declared = {s.name for s in op.error_shapes}
                    self.assertIn(err["Code"], declared | PROTOCOL_ERRORS, "undeclared error code")
                    self.assertTrue(err.get("Message"), "error without message")
                    if err["Code"] in declared:
                        shape = self.model.shape_for(err["Code"])
                        self.assertEqual(meta["HTTPStatusCode"], shape.metadata["error"]["httpStatusCode"])
                        for member in shape.required_members:
                            if member != "message":
                                self.assertIn(member, e.response, "modeled member %s missing" % member)
                    else:
                        self.assertEqual(meta["HTTPStatusCode"], 501)
                    outcomes[name] = err["Code"]
                self.assertTrue(meta.get("RequestId"), "no request id")
        print(json.dumps(outcomes, indent=1, sort_keys=True), file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=1)
