"""Sends botocore-signed Clean Rooms requests to the sigv4 test server.

Run by TestBotocore (botocore_test.go), which passes the server URL and the
credentials in SIGV4_TEST_* variables and checks what the server saw. Every
request is made even if an earlier one fails; outcomes are printed for the
test log only, the Go side decides pass or fail.
"""

import os
import time
import urllib.error
import urllib.request

import boto3
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ENDPOINT = os.environ["SIGV4_TEST_ENDPOINT"]
AKID = os.environ["SIGV4_TEST_AKID"]
SECRET = os.environ["SIGV4_TEST_SECRET"]
MEMBERSHIP_ID = "5f4e3d2c-1b0a-4c9d-8e7f-6a5b4c3d2e1f"
MEMBERSHIP_PATH = "/memberships/" + MEMBERSHIP_ID
ARN = "arn:aws:cleanrooms:us-east-1:111122223333:membership/abc-123"
ENCODED_ARN_PATH = "/tags/arn%3Aaws%3Acleanrooms%3Aus-east-1%3A111122223333%3Amembership%2Fabc-123"


def client(secret):
    return boto3.session.Session().client(
        "cleanrooms",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=AKID,
        aws_secret_access_key=secret,
        config=Config(retries={"total_max_attempts": 1}),
    )


def run(name, fn):
    try:
        fn()
        print(f"{name}: ok")
    except Exception as e:  # the server's verdict is what matters
        print(f"{name}: {type(e).__name__}: {e}")


def presigned_get(path, secret, expires):
    req = AWSRequest(method="GET", url=ENDPOINT + path)
    SigV4QueryAuth(Credentials(AKID, secret), "cleanrooms", "us-east-1", expires=expires).add_auth(req)
    try:
        urllib.request.urlopen(req.url, timeout=30).read()
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"HTTP {e.code}: {e.read()!r}")


c = client(SECRET)
run("CreateCollaboration", lambda: c.create_collaboration(
    members=[], name="collab one", description="d", creatorMemberAbilities=["CAN_QUERY"],
    creatorDisplayName="me", queryLogStatus="ENABLED"))
run("ListTagsForResource", lambda: c.list_tags_for_resource(resourceArn=ARN))
run("TagResource", lambda: c.tag_resource(resourceArn=ARN, tags={"team name": "a/b", "ünï": "x"}))
run("UntagResource", lambda: c.untag_resource(resourceArn=ARN, tagKeys=["z", "team name", "a/b", "ünï"]))
run("GetMembership", lambda: c.get_membership(membershipIdentifier=MEMBERSHIP_ID))
run("GetMembership wrong secret", lambda: client("wrong").get_membership(membershipIdentifier=MEMBERSHIP_ID))

run("presigned GetMembership", lambda: presigned_get(MEMBERSHIP_PATH, SECRET, 300))
run("presigned ListTagsForResource", lambda: presigned_get(ENCODED_ARN_PATH, SECRET, 300))
run("presigned wrong secret", lambda: presigned_get(MEMBERSHIP_PATH, "wrong", 300))


def expired():
    req = AWSRequest(method="GET", url=ENDPOINT + MEMBERSHIP_PATH)
    SigV4QueryAuth(Credentials(AKID, SECRET), "cleanrooms", "us-east-1", expires=1).add_auth(req)
    time.sleep(2.1)  # X-Amz-Date has whole seconds, so it is now > 1 s old
    try:
        urllib.request.urlopen(req.url, timeout=30).read()
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"HTTP {e.code}: {e.read()!r}")


run("presigned expired", expired)
