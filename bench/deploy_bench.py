"""Deploy wall time vs a bare shell script, and zero downtime under load across 20 deploys.

Run: .venv/bin/python bench/deploy_bench.py   (prints markdown; bench/run_all.py collects it)
"""

from __future__ import annotations

import http.client
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_project import BenchProject, free_port

BASELINE = r"""
# start + poll + switch, as people script it: start the new app, curl until healthy,
# point traffic at it (here: write the port to a file, like an upstream swap), stop the old one.
set -e
port=$1; old=$2; dir=$3
cd "$dir"
PORT=$port SHIPMATE_VERSION=x nohup "$4" app.py >/dev/null 2>&1 &
new=$!
until curl -fs "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.05; done
echo "$port" > upstream.tmp && mv upstream.tmp upstream
if [ -n "$old" ]; then kill "$old"; while kill -0 "$old" 2>/dev/null; do sleep 0.05; done; fi
echo $new
"""


def bench_wall_time(rounds: int = 7) -> str:
    proj = BenchProject(monitor="0s")
    script = proj.tmp / "baseline.sh"
    script.write_text(BASELINE)
    ours, base = [], []
    old_pid = ""
    try:
        proj.spec("0")
        proj.run("deploy")
        for i in range(1, rounds + 1):
            proj.spec(str(i))
            t0 = time.perf_counter()
            proj.run("deploy")
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            out = subprocess.run(["bash", str(script), str(free_port()), old_pid, str(proj.root), sys.executable],
                                 capture_output=True, text=True, timeout=60, check=True)
            base.append(time.perf_counter() - t0)
            old_pid = out.stdout.strip().splitlines()[-1]
    finally:
        if old_pid:
            subprocess.run(["kill", old_pid], check=False)
        proj.close()
    m_ours, m_base = statistics.median(ours), statistics.median(base)
    return (f"| deploy wall time, instantly healthy app, blue-green, monitor off (median of {rounds}) | "
            f"{m_ours:.3f} s | {m_base:.3f} s (bash: start + curl poll + switch + stop old) | "
            f"{m_ours / m_base:.2f}x | <= 1.5x |")


def bench_zero_downtime(deploys: int = 20, clients: int = 4) -> str:
    proj = BenchProject(monitor="500ms")
    ok = [0] * clients
    failed: list[str] = []
    stop = threading.Event()

    def client(n: int) -> None:
        conn: http.client.HTTPConnection | None = None
        while not stop.is_set():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", proj.port, timeout=10)
                conn.request("GET", "/")
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    failed.append(f"status {resp.status}")
                else:
                    ok[n] += 1
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None   # the draining instance asked us to go: reconnect through the router
            except (OSError, http.client.HTTPException) as exc:
                failed.append(repr(exc))
                conn = None

    try:
        proj.spec("0")
        proj.run("deploy")
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for i in range(1, deploys + 1):
            proj.spec(str(i))
            proj.run("deploy")
        stop.set()
        for t in threads:
            t.join(timeout=30)
        elapsed = time.perf_counter() - t0
    finally:
        stop.set()
        proj.close()
    total = sum(ok)
    for failure in failed[:5]:
        print(f"  failure: {failure}", file=sys.stderr)
    return (f"| zero downtime: {deploys} blue-green deploys under {clients} keep-alive clients | "
            f"{len(failed)} failed of {total + len(failed)} requests | {total / elapsed:.0f} req/s for "
            f"{elapsed:.1f} s | - | 0 failed |")


if __name__ == "__main__":
    print(bench_wall_time())
    print(bench_zero_downtime())
