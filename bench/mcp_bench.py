"""`probe mcp`: p95 of tools/list over local streamable HTTP and through stdio-to-HTTP bridges (mcp-proxy,
supergateway) to mcp-server-time, each against the bare SDK client doing the same calls in the same run.

Run: .venv/bin/python bench/mcp_bench.py        (writes its section of BENCHMARKS.md)
The first run installs mcp-server-time and mcp-proxy (pip) and supergateway (npm) into .venv-tools/.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from shipmate.analysis.stats import percentile  # noqa: E402
from shipmate.probes.mcp import parse_target  # noqa: E402
from shipmate.probes.mcp_calls import measure  # noqa: E402

CALLS = 200
ROUNDS = 3
TITLE = "## MCP probe: tools/list latency"


def sdk_direct(url: str, calls: int) -> list[float]:
    """The baseline: the SDK client alone (legacy initialize, cache off), the same tools/list loop."""
    import anyio
    from mcp import Client
    from mcp.client.sse import sse_client

    async def main() -> list[float]:
        samples: list[float] = []
        server = sse_client(url) if url.endswith("/sse") else url
        with anyio.fail_after(60 + calls):
            async with Client(server, mode="legacy", cache=None) as client:
                await client.list_tools()
                for _ in range(calls):
                    started = time.perf_counter()
                    await client.list_tools()
                    samples.append((time.perf_counter() - started) * 1000.0)
        return samples

    return anyio.run(main)


def via_probe(url: str, calls: int, legacy: bool = True) -> tuple[list[float], float]:
    latency = measure(parse_target(url), calls=calls, timeout_s=10, legacy_init=legacy)
    assert latency.errors == 0, latency.first_error
    return list(latency.samples_ms), latency.connect_ms


def compare(url: str) -> dict[str, float]:
    """Interleaved rounds (probe, SDK, probe with the auto handshake), so load on the machine hits all alike."""
    probe: list[float] = []
    sdk: list[float] = []
    auto: list[float] = []
    connects: list[float] = []
    auto_connects: list[float] = []
    for _ in range(ROUNDS):
        samples, connect = via_probe(url, CALLS)
        probe += samples
        connects.append(connect)
        sdk += sdk_direct(url, CALLS)
        samples, connect = via_probe(url, CALLS, legacy=False)
        auto += samples
        auto_connects.append(connect)
    return {"probe_p50": percentile(probe, 50), "probe_p95": percentile(probe, 95),
            "sdk_p50": percentile(sdk, 50), "sdk_p95": percentile(sdk, 95), "auto_p95": percentile(auto, 95),
            "connect": percentile(connects, 50), "auto_connect": percentile(auto_connects, 50)}


def _rows(what: str, figures: dict[str, float], goal_ms: float) -> list[str]:
    overhead = figures["probe_p95"] - figures["sdk_p95"]
    met = "met" if figures["probe_p95"] <= goal_ms else "MISSED"
    return [
        f"| {what}: p95 of tools/list via `probe mcp` | {figures['probe_p95']:.2f} ms (p50 "
        f"{figures['probe_p50']:.2f}) | {figures['sdk_p95']:.2f} ms (p50 {figures['sdk_p50']:.2f}), bare SDK client | "
        f"{overhead:+.2f} ms ({figures['probe_p95'] / figures['sdk_p95']:.2f}x) | <= {goal_ms:g} ms: {met} |",
        f"| {what}: connect + initialize (median of {ROUNDS}) | {figures['connect']:.1f} ms legacy | "
        f"{figures['auto_connect']:.1f} ms with `--auto-handshake` (server/discover first); its p95 of tools/list "
        f"{figures['auto_p95']:.2f} ms | | |",
    ]


def section() -> str:
    from tests.mcp_servers import bridge, gateway_bridge, npm_tool, serving, tool_venv

    rows: list[str] = []
    with contextmanager(serving)("http") as server:
        rows += _rows("SDK test server, streamable HTTP on 127.0.0.1", compare(server.url("/mcp")), 10)
    try:
        time_argv = [str(tool_venv("mcp-server-time", "mcp-server-time") / "bin" / "mcp-server-time"),
                     "--local-timezone", "UTC"]
        proxy = tool_venv("mcp-proxy", "mcp-proxy") / "bin" / "mcp-proxy"
    except RuntimeError as exc:
        rows.append(f"| mcp-server-time through mcp-proxy | skipped: {exc} | | | |")
    else:
        with contextmanager(bridge)(proxy, time_argv) as base:
            rows += _rows("mcp-server-time (PyPI, stdio) through mcp-proxy (streamable HTTP)",
                          compare(base + "/mcp"), 50)
        try:
            gateway = npm_tool("supergateway", "supergateway@4") / "node_modules" / ".bin" / "supergateway"
        except (RuntimeError, OSError) as exc:
            rows.append(f"| mcp-server-time through supergateway | skipped: {exc} | | | |")
        else:
            with contextmanager(gateway_bridge)(gateway, time_argv) as base:
                rows += _rows("mcp-server-time through supergateway (npm, SSE)", compare(base + "/sse"), 50)
    return "\n".join([
        TITLE, "",
        f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: `.venv/bin/python bench/mcp_bench.py` "
        f"({ROUNDS} interleaved rounds of {CALLS} tools/list on one session each; the baseline is "
        "`mcp.Client(url, mode='legacy', cache=None)` doing the same loop in the same process).", "",
        "| Measure | shipmate | Baseline | Overhead | Goal |", "|---|---|---|---|---|", *rows, "",
    ])


if __name__ == "__main__":
    from run_all import BENCHMARKS, splice

    text = section()
    print(text)
    BENCHMARKS.write_text(splice(BENCHMARKS.read_text(), text))
