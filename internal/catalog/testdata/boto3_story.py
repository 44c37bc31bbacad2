"""Drives the Glue catalog at $GLUE_ENDPOINT with boto3, as account
111111111111 and 222222222222. Run by TestBoto3 (boto3_test.go); prints OK."""
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(account):
    return boto3.client(
        "glue",
        endpoint_url=os.environ["GLUE_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id=account,
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )


def expect_error(code, fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, (got, code, e.response["Error"])
        return e.response["Error"]["Message"]
    raise AssertionError("no error, want " + code)


a, b = client("111111111111"), client("222222222222")
a.create_database(DatabaseInput={"Name": "Acme", "Description": "boto3"}, Tags={"k": "v"})
a.create_table(
    DatabaseName="acme",
    TableInput={
        "Name": "users",
        "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "email", "Type": "string"}],
            "Location": "s3://acme-data/users/",
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "SerdeInfo": {
                "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                "Parameters": {"field.delim": ","},
            },
        },
    },
)
t = a.get_table(DatabaseName="acme", Name="USERS")["Table"]
assert t["Name"] == "users" and t["DatabaseName"] == "acme", t
assert t["StorageDescriptor"]["SerdeInfo"]["Parameters"] == {"field.delim": ","}, t
assert t["CreateTime"].year >= 2026, t["CreateTime"]  # epoch seconds parsed as a datetime
assert t["PartitionKeys"] == [] and t["StorageDescriptor"]["BucketColumns"] == [], t
for i in range(5):
    a.create_table(DatabaseName="acme", TableInput={"Name": "t%d" % i})
names = []
for page in a.get_paginator("get_tables").paginate(DatabaseName="acme", PaginationConfig={"PageSize": 2}):
    names += [x["Name"] for x in page["TableList"]]
assert names == ["t0", "t1", "t2", "t3", "t4", "users"], names
dbs = [d["Name"] for d in a.get_databases()["DatabaseList"]]
assert dbs == ["acme"], dbs
assert a.get_tags(ResourceArn="arn:aws:glue:us-east-1:111111111111:database/acme")["Tags"] == {"k": "v"}

msg = expect_error("EntityNotFoundException", b.get_table, DatabaseName="acme", Name="users")
assert msg == "Database acme not found.", msg
expect_error("AlreadyExistsException", a.create_database, DatabaseInput={"Name": "acme"})
msg = expect_error("ValidationException", a.create_database, DatabaseInput={"Name": "x" * 256})
assert "databaseInput.name" in msg, msg
a.delete_database(Name="acme")
expect_error("EntityNotFoundException", a.get_table, DatabaseName="acme", Name="users")
print("OK")
