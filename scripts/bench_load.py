#!/usr/bin/env python3
"""bench_load: cleanroomsd against a static stub, side by side (issue 10).

`make bench-load` runs this after building bin/cleanroomsd.  It builds the
static stub (gostub) into a temporary directory, then runs crbench against
both servers, round after round (cleanroomsd, then the stub), and prints one
table of medians with the cleanroomsd/stub ratios.

Environment:
  CRBENCH            crbench.py (default /work/shared/bench/crbench.py)
  GOSTUB_DIR         the gostub Go module (default /work/shared/bench/gostub)
  BENCH_LOAD_PROFILE standard (default: 8 closed-loop workers in 4 client
                     processes, 10 s per workload after 1 s warm-up, 3
                     interleaved rounds, medians) or short (2 s, 0.5 s
                     warm-up, 1 round: a check that the harness works)
  BENCH_LOAD_OUT     directory for the crbench JSON lines and server logs
                     (default: a new temporary directory, printed)
  GO                 the go command (default go)

The stub answers every POST with a fixed membership and GET /memberships
with an empty page, so crbench's Clean Rooms workloads cannot run against
it: their setup (bulk_create, counted in requests) never finishes when
CreateCollaboration's answer has no "collaboration" key.  The stub is
driven with crbench's raw_get and raw_post workloads instead, which check
only status and JSON: the GET and POST ceilings of this machine and client.

Every crbench call runs under a timeout, and every server this script
starts (and anything crbench spawned) is stopped when it ends.
"""

import json
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROFILES = {
    "standard": {"duration": 10.0, "warmup": 1.0, "rounds": 3, "startup_runs": 5, "list_n": "10000,100000"},
    "short": {"duration": 2.0, "warmup": 0.5, "rounds": 1, "startup_runs": 3, "list_n": "1000"},
}

QUOTAS = "collaborations=1000000,memberships=1000000"

# Table rows: (label, cleanroomsd workload key, stub workload key).  A key is
# (crbench workload, concurrency); c=1 runs in one client process.
ROWS = [
    ("GetMembership", ("get_membership", 8), ("raw_get", 8)),
    ("GetMembership, 1 client", ("get_membership", 1), ("raw_get", 1)),
    ("CreateCollaboration", ("create_collaboration", 8), ("raw_post", 8)),
    ("CreateMembership", ("create_membership", 8), ("raw_post", 8)),
    ("UpdateMembership", ("update_membership", 8), ("raw_post", 8)),
]


def die(msg):
    sys.exit("bench-load: " + msg)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            die(f"server exited with {proc.returncode} before listening (see its log)")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.01)
    die(f"server did not listen on port {port} within {timeout:.0f}s")


def descendants(pid):
    """PIDs of every live descendant of pid (from /proc)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def kill_tree(proc):
    """Stop proc and everything it started (crbench spawns servers in
    process groups of their own, which a signal to crbench would miss)."""
    if proc.poll() is not None:
        return
    kids = descendants(proc.pid)
    for pid in [proc.pid] + kids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass
    for pid in [proc.pid] + kids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


class Server:
    """A server started by this script (same session as the client: see
    crbench's spawn_and_wait on autogroups), stopped on exit."""

    def __init__(self, argv, port, log_path):
        self.port = port
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        wait_port(port, self.proc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        kill_tree(self.proc)
        self.log.close()


def crbench(crbench_py, args, json_out, log_path, timeout):
    """Run crbench under a timeout; return its JSON result lines."""
    if os.path.exists(json_out):
        os.remove(json_out)
    argv = [sys.executable, crbench_py] + args + ["--json-out", json_out]
    print("  $ crbench " + " ".join(shlex.quote(a) for a in args), flush=True)
    with open(log_path, "ab") as log:
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_tree(p)
            die(f"crbench did not finish within {timeout:.0f}s (log: {log_path})")
    if rc != 0:
        die(f"crbench exited with {rc} (log: {log_path})")
    with open(json_out) as f:
        results = [json.loads(l) for l in f if l.strip()]
    for r in results:
        if r.get("errors"):
            die(f"{r['workload']} had {r['errors']} errors: {r.get('error_samples')} (log: {log_path})")
        if "rps" in r:
            print(f"    {r['workload']:22s} c={r['concurrency']} {r['rps']:9.1f} req/s "
                  f"p50={r['lat_ms']['p50']:.3f} ms server={r.get('server_cpu_us_per_req')} us/req "
                  f"busy={r['machine_busy_cores']} cores", flush=True)
    return results


def run_args(port, pid, workloads, c, prof):
    return ["--endpoint", f"http://127.0.0.1:{port}", "--server-pid", str(pid),
            "-w", ",".join(workloads), "-c", str(c), "-p", str(min(4, c)),
            "--duration", str(prof["duration"]), "--warmup", str(prof["warmup"])]


def call_timeout(n_workloads, prof):
    # each workload is warm-up + duration; creates' setup adds some; the
    # margin is wide because the machine may be busy, but finite
    return 120 + 4 * n_workloads * (prof["duration"] + prof["warmup"])


def round_cleanroomsd(crb, binary, out, r, prof, samples):
    port = free_port()
    data = tempfile.mkdtemp(prefix=f"data-{r}-", dir=out)
    argv = [binary, "--addr", f"127.0.0.1:{port}", "--data-dir", data, "--quotas", QUOTAS]
    print(f"round {r}: cleanroomsd (fresh --data-dir {data})", flush=True)
    log = os.path.join(out, f"crbench-cleanroomsd-{r}.log")
    with Server(argv, port, os.path.join(out, f"cleanroomsd-{r}.log")) as s:
        # create_membership consumes the collaborations create_collaboration
        # made; get/update then pick from the memberships made so far
        wl = ["create_collaboration", "create_membership", "get_membership", "update_membership"]
        res = crbench(crb, run_args(port, s.proc.pid, wl, 8, prof),
                      os.path.join(out, f"cleanroomsd-{r}-c8.jsonl"), log, call_timeout(len(wl), prof))
        res += crbench(crb, run_args(port, s.proc.pid, ["get_membership"], 1, prof),
                       os.path.join(out, f"cleanroomsd-{r}-c1.jsonl"), log, call_timeout(1, prof))
    for x in res:
        if "rps" in x:
            samples.setdefault(("cleanroomsd", x["workload"], x["concurrency"]), []).append(x)


def round_list(crb, binary, out, r, prof, samples):
    """ListMemberships pages of 100, one client paging through all of them,
    on a fresh store grown to each of prof["list_n"] memberships (crbench
    creates them first; that setup is not measured)."""
    port = free_port()
    data = tempfile.mkdtemp(prefix=f"data-list-{r}-", dir=out)
    argv = [binary, "--addr", f"127.0.0.1:{port}", "--data-dir", data, "--quotas", QUOTAS]
    print(f"round {r}: cleanroomsd, lists (fresh --data-dir {data})", flush=True)
    log = os.path.join(out, f"crbench-list-{r}.log")
    sizes = [n for n in prof["list_n"].split(",") if n]
    with Server(argv, port, os.path.join(out, f"cleanroomsd-list-{r}.log")) as s:
        args = run_args(port, s.proc.pid, ["list_memberships"], 1, prof) + ["--list-n", prof["list_n"]]
        # the setup creates up to 100k memberships at a few thousand a second
        res = crbench(crb, args, os.path.join(out, f"cleanroomsd-list-{r}.jsonl"), log,
                      call_timeout(len(sizes), prof) + 120)
    for x in res:
        if "rps" in x and x.get("target_n"):
            samples.setdefault(("cleanroomsd", "list_memberships", x["target_n"]), []).append(x)


def round_stub(crb, stub, out, r, prof, samples):
    port = free_port()
    print(f"round {r}: stub", flush=True)
    log = os.path.join(out, f"crbench-stub-{r}.log")
    with Server([stub, f"127.0.0.1:{port}"], port, os.path.join(out, f"stub-{r}.log")) as s:
        res = crbench(crb, run_args(port, s.proc.pid, ["raw_get", "raw_post"], 8, prof),
                      os.path.join(out, f"stub-{r}-c8.jsonl"), log, call_timeout(2, prof))
        res += crbench(crb, run_args(port, s.proc.pid, ["raw_get"], 1, prof),
                       os.path.join(out, f"stub-{r}-c1.jsonl"), log, call_timeout(1, prof))
    for x in res:
        if "rps" in x:
            samples.setdefault(("stub", x["workload"], x["concurrency"]), []).append(x)


def startup(crb, argv_of_port, label, out, prof):
    """Median spawn -> first ListMemberships answer (crbench --mode startup)."""
    port = free_port()
    cmd = " ".join(shlex.quote(a) for a in argv_of_port(port))
    res = crbench(crb, ["--mode", "startup", "--endpoint", f"http://127.0.0.1:{port}",
                        "--startup-cmd", cmd, "--runs", str(prof["startup_runs"]), "--label", label],
                  os.path.join(out, f"startup-{label}.jsonl"), os.path.join(out, f"crbench-startup-{label}.log"),
                  60 + 30 * prof["startup_runs"])
    return res[0]["ready_ms"]["median"], res[0]["rss_kb_at_ready_median"]


def med(xs, f):
    vals = [f(x) for x in xs if f(x) is not None]
    return statistics.median(vals) if vals else None


def fmt(v, unit="", nd=0):
    if v is None:
        return "—"
    return f"{v:,.{nd}f}{unit}"


def table(samples, start, load):
    def get(server, key):
        xs = samples.get((server, key[0], key[1]), [])
        return (med(xs, lambda x: x["rps"]), med(xs, lambda x: x["lat_ms"].get("p50")),
                med(xs, lambda x: x.get("server_cpu_us_per_req")), med(xs, lambda x: x["machine_busy_cores"]))

    lines = ["| workload | cleanroomsd | static stub | cleanroomsd / stub | p50 cleanroomsd | p50 stub "
             "| server CPU per request (stub) |",
             "|---|---|---|---|---|---|---|"]
    for label, ck, sk in ROWS:
        c_rps, c_p50, c_cpu, _ = get("cleanroomsd", ck)
        s_rps, s_p50, s_cpu, _ = get("stub", sk)
        stub_what = "GET" if sk[0] == "raw_get" else "POST"
        if ck[1] == 1:  # one client: latency is the figure
            ratio = f"p50 {c_p50 / s_p50:.1f}× the stub's" if c_p50 and s_p50 else "—"
        else:
            ratio = f"**{c_rps / s_rps:.2f}**" if c_rps and s_rps else "—"
        lines.append(f"| {label} | {fmt(c_rps, ' req/s')} | {fmt(s_rps)} ({stub_what}) | {ratio} "
                     f"| {fmt(c_p50, ' ms', 3)} | {fmt(s_p50, ' ms', 3)} "
                     f"| {fmt(c_cpu, ' µs')} ({fmt(s_cpu, ' µs')}) |")
    for (server, wl, n), _ in sorted(samples.items(), key=lambda kv: str(kv[0])):
        if wl != "list_memberships":
            continue
        c_rps, c_p50, c_cpu, _ = get(server, (wl, n))
        lines.append(f"| ListMemberships, a page of 100 of {n:,}, 1 client | {fmt(c_rps, ' pages/s')} | | "
                     f"target ≤ 1,000 µs of server CPU | {fmt(c_p50, ' ms', 3)} | | {fmt(c_cpu, ' µs')} |")
    if start:
        (c_ms, c_rss), (s_ms, s_rss) = start
        lines.append(f"| start → first answer | {c_ms:.1f} ms | {s_ms:.1f} ms | | | "
                     f"| RSS at ready {c_rss / 1024:.1f} MiB ({s_rss / 1024:.1f} MiB) |")
    busy = [x["machine_busy_cores"] for xs in samples.values() for x in xs]
    lines.append("")
    lines.append(f"Load average before: {load[0]}; after: {load[1]}; machine busy during the "
                 f"measured windows: median {statistics.median(busy):.2f} cores of {os.cpu_count()}.")
    return "\n".join(lines)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    name = os.environ.get("BENCH_LOAD_PROFILE", "standard")
    if name not in PROFILES:
        die(f"BENCH_LOAD_PROFILE={name!r}: want one of {', '.join(PROFILES)}")
    prof = PROFILES[name]
    crb = os.environ.get("CRBENCH", "/work/shared/bench/crbench.py")
    stub_dir = os.environ.get("GOSTUB_DIR", "/work/shared/bench/gostub")
    if not os.path.isfile(crb):
        die(f"crbench not found at {crb}: set CRBENCH to the path of crbench.py")
    if not os.path.isfile(os.path.join(stub_dir, "main.go")):
        die(f"gostub not found at {stub_dir}: set GOSTUB_DIR to the gostub module's directory")
    binary = os.path.join(ROOT, "bin", "cleanroomsd")
    if not os.access(binary, os.X_OK):
        die(f"{binary} is missing: run `make build` first (make bench-load does)")
    out = os.environ.get("BENCH_LOAD_OUT") or tempfile.mkdtemp(prefix="bench-load-")
    os.makedirs(out, exist_ok=True)
    stub = os.path.join(out, "gostub")
    go = os.environ.get("GO", "go")
    b = subprocess.run([go, "build", "-o", stub, "."], cwd=stub_dir)
    if b.returncode != 0:
        die(f"building the stub in {stub_dir} failed")

    print(f"bench-load: profile {name} ({prof}), output in {out}, load average {loadavg()}", flush=True)
    load0 = loadavg()
    samples = {}
    for r in range(1, prof["rounds"] + 1):
        round_cleanroomsd(crb, binary, out, r, prof, samples)
        round_stub(crb, stub, out, r, prof, samples)
        round_list(crb, binary, out, r, prof, samples)
    print("start-up", flush=True)
    sd = tempfile.mkdtemp(prefix="data-startup-", dir=out)
    start = (startup(crb, lambda p: [binary, "--addr", f"127.0.0.1:{p}", "--data-dir", sd], "cleanroomsd", out, prof),
             startup(crb, lambda p: [stub, f"127.0.0.1:{p}"], "stub", out, prof))
    load1 = loadavg()
    print()
    print(f"Medians of {prof['rounds']} interleaved round(s), {prof['duration']:g} s per workload "
          f"after {prof['warmup']:g} s warm-up, 8 closed-loop workers in 4 processes unless noted "
          f"(SQLite --data-dir store; stub rows are raw_get/raw_post):")
    print()
    print(table(samples, start, (load0, load1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
