"""The MCP face: an agent asking `status` through `shipmate mcp` (stdio and streamable HTTP) against asking
`shipmate status --json` as a process, on one deployed service, in the same run (interleaved rounds).

Run: .venv/bin/python bench/mcp_face_bench.py        (writes its section of BENCHMARKS.md)
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

SHIPMATE = str(Path(sys.executable).parent / "shipmate")
TITLE = "## MCP face: the status tool vs `shipmate status --json`"
CALLS, PROCESS_CALLS, ROUNDS = 60, 12, 3
TOKEN = "bench-token-" + "x" * 24
SPEC = """service: mcpbench
version: "1"
port: {port}
target:
  kind: process
  command: ["{python}", "app.py"]
health:
  interval: 100ms
  checks:
    - http: {{path: /health, status: 200}}
monitor: {{duration: 0s}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def _tool_calls(client_server: object, calls: int) -> list[float]:
    import anyio
    from mcp import Client

    async def main() -> list[float]:
        samples: list[float] = []
        with anyio.fail_after(120 + calls):
            async with Client(client_server, mode="legacy", cache=None) as client:  # type: ignore[arg-type]
                await client.call_tool("status", {})
                for _ in range(calls):
                    started = time.perf_counter()
                    result = await client.call_tool("status", {})
                    samples.append((time.perf_counter() - started) * 1000)
                    assert not result.is_error, result
        return samples

    return anyio.run(main)


def over_stdio(project: Path, env: dict[str, str], calls: int) -> list[float]:
    from mcp import StdioServerParameters

    return _tool_calls(StdioServerParameters(command=SHIPMATE, args=["mcp"], cwd=str(project), env=env), calls)


def over_http(project: Path, env: dict[str, str], calls: int) -> list[float]:
    from mcp.client.streamable_http import streamable_http_client

    port = _free_port()
    server = subprocess.Popen([SHIPMATE, "mcp", "--http", "--port", str(port)], cwd=project,
                              env={**env, "SHIPMATE_MCP_TOKEN": TOKEN}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("shipmate mcp --http did not start") from None
                time.sleep(0.1)
        return _tool_calls(streamable_http_client(f"http://127.0.0.1:{port}/mcp"), calls)
    finally:
        server.terminate()
        server.wait(timeout=15)


def as_process(project: Path, env: dict[str, str], calls: int) -> list[float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        subprocess.run([SHIPMATE, "status", "--json"], cwd=project, env=env, capture_output=True, check=True,
                       timeout=60)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def section() -> str:
    work = Path(tempfile.mkdtemp(prefix="shipmate-mcpface-"))
    project = work / "proj"
    project.mkdir()
    shutil.copy(REPO / "examples" / "hello" / "app.py", project / "app.py")
    (project / "shipmate.yaml").write_text(SPEC.format(port=_free_port(), python=sys.executable))
    env = {**os.environ, "SHIPMATE_RUNTIME_DIR": str(work / "run"), "SHIPMATE_ACTOR": "bench"}
    env.pop("SHIPMATE_HOME", None)
    stdio: list[float] = []
    http: list[float] = []
    process: list[float] = []
    try:
        subprocess.run([SHIPMATE, "deploy"], cwd=project, env=env, capture_output=True, check=True, timeout=120)
        for _ in range(ROUNDS):
            stdio += over_stdio(project, env, CALLS)
            http += over_http(project, env, CALLS)
            process += as_process(project, env, PROCESS_CALLS)
    finally:
        subprocess.run([SHIPMATE, "down"], cwd=project, env=env, capture_output=True, timeout=120)
        shutil.rmtree(work, ignore_errors=True)
    p50p, p95p = statistics.median(process), _pct(process, 0.95)
    rows = []
    for what, samples in (("status tool over stdio (`shipmate mcp`)", stdio),
                          ("status tool over streamable HTTP (`shipmate mcp --http`)", http)):
        p95 = _pct(samples, 0.95)
        rows.append(f"| {what} | p95 {p95:.1f} ms (p50 {statistics.median(samples):.1f}) | p95 {p95p:.0f} ms "
                    f"(p50 {p50p:.0f}), `shipmate status --json` as a process | {p95 / p95p:.2f}x | - |")
    return "\n".join([
        TITLE, "",
        f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: `.venv/bin/python bench/mcp_face_bench.py` "
        f"({ROUNDS} interleaved rounds: {CALLS} `status` calls on one MCP session per transport, then "
        f"{PROCESS_CALLS} `shipmate status --json` processes; one deployed process-target service; every MCP call "
        "also writes its audit event).", "",
        "| Measure | shipmate MCP | Baseline | Ratio | Goal |", "|---|---|---|---|---|", *rows, "",
    ])


if __name__ == "__main__":
    from run_all import BENCHMARKS, splice

    text = section()
    print(text)
    BENCHMARKS.write_text(splice(BENCHMARKS.read_text(), text))
