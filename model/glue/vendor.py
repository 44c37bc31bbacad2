#!/usr/bin/env python3
"""Vendors Glue's service model from the installed botocore.

Writes glue-2017-03-31.json: botocore's data/glue/2017-03-31/service-2.json.gz,
decompressed, with every documentation string removed, keys sorted. Nothing
else is changed: the generator (internal/codegen) keeps only the operations
listed in overlay.json and the shapes they reach.

Usage: python3 model/glue/vendor.py   (then update PROVENANCE.md's hashes)
"""
import gzip
import hashlib
import json
import os

import botocore

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(botocore.__file__), "data", "glue", "2017-03-31", "service-2.json.gz")
DST = os.path.join(HERE, "glue-2017-03-31.json")


def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in ("documentation", "documentationUrl")}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def main():
    raw = gzip.open(SRC).read()
    model = strip(json.loads(raw))
    with open(DST, "w") as f:
        json.dump(model, f, indent=1, sort_keys=True)
        f.write("\n")
    print("botocore", botocore.__version__)
    print("source sha256", hashlib.sha256(raw).hexdigest())
    print("vendored sha256", hashlib.sha256(open(DST, "rb").read()).hexdigest())


if __name__ == "__main__":
    main()
