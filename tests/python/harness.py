"""What the boto3 / AWS CLI test files share: a cleanroomsd process on a free port with a fresh
--data-dir and a credentials file (strict SigV4), and where the AWS CLI is. Standard library only;
each *_test.py imports it (unittest discover and `python3 tests/python/x_test.py` both put this
directory on sys.path)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_binary(workdir):
    """$CLEANROOMSD_BIN, else cleanroomsd and cleanroomsd-engine built into workdir."""
    binary = os.environ.get("CLEANROOMSD_BIN")
    if not binary:
        binary = os.path.join(workdir, "cleanroomsd")
        subprocess.run(["go", "build", "-o", workdir + "/", "./cmd/cleanroomsd", "./cmd/cleanroomsd-engine"],
                       cwd=REPO_ROOT, check=True)
    return os.path.abspath(binary)


def find_aws_cli():
    if os.environ.get("AWS_CLI"):
        return os.environ["AWS_CLI"]
    beside = os.path.join(os.path.dirname(sys.executable), "aws")
    return beside if os.access(beside, os.X_OK) else (shutil.which("aws") or "aws")


class Server:
    """cleanroomsd on 127.0.0.1:<free port>, data in workdir/data, accounts ({name: {key, secret,
    account}}) in a credentials file; its output goes to workdir/server.log."""

    def __init__(self, binary, workdir, accounts):
        self.binary = binary
        self.data_dir = os.path.join(workdir, "data")
        self.creds = os.path.join(workdir, "credentials.json")
        self.log_path = os.path.join(workdir, "server.log")
        self.port = free_port()
        self.proc = None
        with open(self.creds, "w") as f:
            json.dump({"credentials": [{"accessKeyId": a["key"], "secretAccessKey": a["secret"],
                                        "accountId": a["account"]} for a in accounts.values()]}, f)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [self.binary, "--addr", "127.0.0.1:%d" % self.port, "--data-dir", self.data_dir,
                 "--credentials", self.creds], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("cleanroomsd exited with %s; log:\n%s" % (self.proc.returncode, self.log_tail()))
            try:
                with urllib.request.urlopen(self.url + "/_cleanroomsd/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass
            time.sleep(0.05)
        raise RuntimeError("cleanroomsd did not become healthy in 20 s; log:\n" + self.log_tail())

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self):
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return "killed"

    def log_tail(self, n=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"
