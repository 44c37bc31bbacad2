#!/usr/bin/env python3
"""bench_profile: CPU and allocation profiles of the binary under crbench load.

`make bench-profile` runs this.  It builds cleanroomsd with -tags pprof
(cmd/cleanroomsd/pprof.go: a second listener at CLEANROOMSD_PPROF_ADDR),
starts it on a fresh --data-dir SQLite store, and for each workload
(GetMembership, CreateCollaboration; 8 workers in 4 processes) runs crbench
and, during its measured window, takes a CPU profile and a delta allocation
profile (/debug/pprof/allocs?seconds=N) and reads runtime.MemStats.Mallocs
before and after (/debug/vars).  It prints go tool pprof -top of each, and
the allocations and CPU per request.

Environment: CRBENCH, GOSTUB_DIR, BENCH_LOAD_OUT and GO as for bench_load.py;
BENCH_PROFILE_SECONDS (default 8) is the length of each profile.
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_load as bl  # noqa: E402

WORKLOADS = ["get_membership", "create_collaboration"]


def fetch(url, path, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as r, open(path, "wb") as f:
        f.write(r.read())


def mallocs(pport):
    with urllib.request.urlopen(f"http://127.0.0.1:{pport}/debug/vars", timeout=10) as r:
        return json.load(r)["memstats"]["Mallocs"]


def top(go, binary, prof, sample_index=None, n=20):
    argv = [go, "tool", "pprof", "-top", f"-nodecount={n}"]
    if sample_index:
        argv.append(f"-sample_index={sample_index}")
    argv += [binary, prof]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120).stdout


def main():
    crb = os.environ.get("CRBENCH", "/work/shared/bench/crbench.py")
    if not os.path.isfile(crb):
        bl.die(f"crbench not found at {crb}: set CRBENCH to the path of crbench.py")
    secs = int(os.environ.get("BENCH_PROFILE_SECONDS", "8"))
    go = os.environ.get("GO", "go")
    out = os.environ.get("BENCH_LOAD_OUT") or tempfile.mkdtemp(prefix="bench-profile-")
    os.makedirs(out, exist_ok=True)
    binary = os.path.join(out, "cleanroomsd-pprof")
    if subprocess.run([go, "build", "-tags", "pprof", "-o", binary, "./cmd/cleanroomsd"], cwd=bl.ROOT).returncode:
        bl.die("building cleanroomsd -tags pprof failed")
    port, pport = bl.free_port(), bl.free_port()
    data = tempfile.mkdtemp(prefix="data-", dir=out)
    os.environ["CLEANROOMSD_PPROF_ADDR"] = f"127.0.0.1:{pport}"
    print(f"bench-profile: output in {out}, load average {bl.loadavg()}", flush=True)
    argv = [binary, "--addr", f"127.0.0.1:{port}", "--data-dir", data, "--quotas", bl.QUOTAS]
    prof = {"duration": secs + 4, "warmup": 1.0}
    log = os.path.join(out, "crbench.log")
    with bl.Server(argv, port, os.path.join(out, "cleanroomsd.log")) as s:
        bl.wait_port(pport, s.proc)
        # a pool of memberships first, so that get_membership has no setup
        bl.crbench(crb, bl.run_args(port, s.proc.pid, ["create_collaboration", "create_membership"], 8,
                                    {"duration": 2.0, "warmup": 0.5}),
                   os.path.join(out, "setup.jsonl"), log, bl.call_timeout(2, prof))
        for w in WORKLOADS:
            res = {}
            t = threading.Thread(target=lambda: res.update(r=bl.crbench(
                crb, bl.run_args(port, s.proc.pid, [w], 8, prof), os.path.join(out, f"{w}.jsonl"), log,
                bl.call_timeout(1, prof))))
            t.start()
            time.sleep(2.5)  # crbench start-up and warm-up
            cpu, allocs = os.path.join(out, f"{w}.cpu.pprof"), os.path.join(out, f"{w}.allocs.pprof")
            m0 = mallocs(pport)
            ts = [threading.Thread(target=fetch, args=(f"http://127.0.0.1:{pport}/debug/pprof/profile?seconds={secs}",
                                                       cpu, secs + 30)),
                  threading.Thread(target=fetch, args=(f"http://127.0.0.1:{pport}/debug/pprof/allocs?seconds={secs}",
                                                       allocs, secs + 30))]
            for x in ts:
                x.start()
            for x in ts:
                x.join()
            m1 = mallocs(pport)
            t.join()
            r = [x for x in res.get("r", []) if x.get("workload") == w]
            if not r:
                bl.die(f"crbench {w} gave no result")
            r = r[0]
            nreq = r["rps"] * secs  # requests in the profile's window, at the run's rate
            print(f"\n=== {w}: {r['rps']} req/s, server {r.get('server_cpu_us_per_req')} µs CPU/request, "
                  f"≈{(m1 - m0) / nreq:.0f} allocations/request (MemStats.Mallocs over {secs} s "
                  f"÷ {nreq:.0f} requests) ===")
            print(f"--- CPU ({cpu}) ---")
            print(top(go, binary, cpu))
            print(f"--- allocations, objects ({allocs}) ---")
            print(top(go, binary, allocs, "alloc_objects"))
            print("--- allocations, bytes ---")
            print(top(go, binary, allocs, "alloc_space", 12))
    print(f"load average after: {bl.loadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
