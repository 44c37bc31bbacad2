"""Adversarial cases of issue 11 against the real binary, with raw sockets and boto3.

Starts two cleanroomsd processes (env CLEANROOMSD_BIN, else ``go build``): one strict
(--credentials) and one permissive, both with a 1 s body-read timeout so that the stall case is
quick. Standard library + boto3 only; runs in a few seconds.
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import boto3
import botocore.config
import botocore.exceptions

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CREATOR = {"accessKeyId": "AKIAHOSTILE000001", "secretAccessKey": "secret-1", "accountId": "111122223333"}
TEMP = {"accessKeyId": "ASIAHOSTILE000002", "secretAccessKey": "secret-2", "accountId": "444455556666",
        "sessionToken": "the-real-token"}
FAKE_AUTH = ("X-Amz-Date: 20261121T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 "
             "Credential=111122223333/20261121/us-east-1/cleanrooms/aws4_request, "
             "SignedHeaders=host;x-amz-date, Signature=00\r\n")
WORKDIR = tempfile.mkdtemp(prefix="cleanroomsd-hostile-")
PROCS = {}


def start(name, *args):
    binary = os.environ.get("CLEANROOMSD_BIN")
    if not binary:
        binary = os.path.join(WORKDIR, "cleanroomsd")
        if not os.path.exists(binary):
            subprocess.run(["go", "build", "-o", os.path.dirname(binary) + "/", "./cmd/cleanroomsd", "./cmd/cleanroomsd-engine"], cwd=REPO_ROOT, check=True)
    proc = subprocess.Popen([binary, "--addr", "127.0.0.1:0", "--log-level", "error",
                             "--body-read-timeout", "1s", *args],
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    line = proc.stderr.readline()
    PROCS[name] = proc
    host, port = json.loads(line)["addr"].rsplit(":", 1)
    return host, int(port)


def setUpModule():
    creds = os.path.join(WORKDIR, "creds.json")
    with open(creds, "w") as f:
        json.dump({"credentials": [CREATOR, TEMP]}, f)
    global STRICT, LAX
    STRICT = start("strict", "--credentials", creds)
    LAX = start("lax")


def tearDownModule():
    for p in PROCS.values():
        p.terminate()
        p.wait(timeout=15)
    shutil.rmtree(WORKDIR, ignore_errors=True)


def raw(addr, data, timeout=10):
    """Sends bytes, returns (status, headers as raw bytes, body) of the answer."""
    with socket.create_connection(addr, timeout=timeout) as s:
        s.sendall(data)
        got = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            got += chunk
    head, _, body = got.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head else 0
    return status, head, body


def client(addr, key, token=None):
    return boto3.client("cleanrooms", endpoint_url="http://%s:%d" % addr, region_name="us-east-1",
                        aws_access_key_id=key["accessKeyId"], aws_secret_access_key=key["secretAccessKey"],
                        aws_session_token=token, config=botocore.config.Config(retries={"max_attempts": 1}))


def error_of(fn, **kw):
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, 200


class HostileTest(unittest.TestCase):
    def test_request_id_spelling(self):
        _, head, _ = raw(LAX, b"GET /collaborations HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertIn(b"\r\nx-amzn-RequestId: ", head)

    def test_bad_path_escapes(self):
        for path in ["/memberships/%zz", "/memberships/%", "/memberships/%2", "/memberships/%G0", "/memberships/%ff"]:
            status, head, body = raw(LAX, ("GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n"
                                           % (path, FAKE_AUTH)).encode())
            self.assertEqual(status, 400, path)
            self.assertIn(b"SerializationException", head, path)
            self.assertIn("membershipIdentifier", json.loads(body)["message"], path)

    def test_bad_query_escapes(self):
        for query, name in [("maxResults=%zz", "maxResults"), ("nextToken=%", "nextToken")]:
            status, head, body = raw(LAX, ("GET /memberships?%s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n"
                                           % (query, FAKE_AUTH)).encode())
            self.assertEqual(status, 400, query)
            self.assertIn(name, json.loads(body)["message"], query)

    def test_invalid_utf8_body_writes_nothing(self):
        body = (b'{"name":"UTF8\xffMARK","description":"d","creatorDisplayName":"c","queryLogStatus":"DISABLED",'
                b'"creatorMemberAbilities":[],"members":[]}')
        status, head, _ = raw(LAX, b"POST /collaborations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              + FAKE_AUTH.encode() + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        self.assertEqual(status, 400)
        self.assertIn(b"SerializationException", head)
        _, _, listed = raw(LAX, ("GET /collaborations?memberStatus=ACTIVE HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n"
                                 % FAKE_AUTH).encode())
        self.assertEqual(json.loads(listed)["collaborationList"], [])

    def test_stalled_body_is_cut(self):
        start = time.monotonic()
        status, head, _ = raw(STRICT, b"POST /collaborations HTTP/1.1\r\nHost: x\r\n" + FAKE_AUTH.replace(
            "111122223333", CREATOR["accessKeyId"]).replace("20261121T000000Z", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())).replace(
            "20261121/", time.strftime("%Y%m%d/", time.gmtime())).encode() + b"Content-Length: 100000\r\n\r\n{\"name\":\"x")
        self.assertEqual(status, 408, head)
        self.assertLess(time.monotonic() - start, 5)

    def test_session_tokens(self):
        ok = client(STRICT, TEMP, TEMP["sessionToken"])
        ok.list_collaborations(memberStatus="ACTIVE")
        for key, token in [(TEMP, None), (TEMP, "made-up"), (CREATOR, "made-up")]:
            self.assertEqual(error_of(client(STRICT, key, token).list_collaborations, memberStatus="ACTIVE"),
                             ("UnrecognizedClientException", 403), (key["accessKeyId"], token))

    def test_signed_header_not_sent(self):
        c = client(STRICT, CREATOR)

        def add(request, **_):
            auth = request.headers["Authorization"]
            if isinstance(auth, bytes):
                auth = auth.decode()
            request.headers["Authorization"] = auth.replace("SignedHeaders=", "SignedHeaders=a-missing-header;")
        c.meta.events.register("before-send.cleanrooms", add)
        self.assertEqual(error_of(c.list_collaborations, memberStatus="ACTIVE"), ("InvalidSignatureException", 403))

    def test_oversized_body_strict_is_413(self):
        code = error_of(client(STRICT, CREATOR).create_collaboration, name="n", description="d" * (5 << 20),
                        creatorDisplayName="c", queryLogStatus="DISABLED", creatorMemberAbilities=[], members=[])
        self.assertEqual(code[1], 413, code)


if __name__ == "__main__":
    unittest.main()
