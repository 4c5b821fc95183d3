"""The monitor's sources: each looks once per tick and appends plain observations to the window.

They do the I/O (a control-socket round trip, probe requests, /proc reads, an HTTP scrape) so the
rules in ``analysis/`` stay pure. A source that cannot look this tick records nothing or a failed
observation; it never raises, so one broken source cannot stop the watch.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from shipmate.analysis.observations import (
    McpSample,
    MetricSample,
    ProbeSample,
    ProcessSample,
    SmokeSample,
    TrafficSample,
)
from shipmate.analysis.prometheus_text import rule_values
from shipmate.analysis.rules import MetricRule
from shipmate.analysis.traffic_delta import TrafficDeltas
from shipmate.analysis.window import Window
from shipmate.errors import ShipmateError
from shipmate.model import InstanceRef, Phase, ProbeResult
from shipmate.traffic import RouteStats

if TYPE_CHECKING:
    from shipmate.analysis.traffic_delta import Side
    from shipmate.probes.base import Probe
    from shipmate.targets.base import Target

HOST = "127.0.0.1"
MB = 1024 * 1024
MAX_METRICS_BYTES = 8 * 1024 * 1024


class Source(Protocol):
    name: str

    def observe(self, window: Window, at: float) -> None:
        ...


class RouterSource:
    """Real requests per side, from the router's cumulative counters (one control-socket round trip)."""

    name = "router"

    def __init__(self, stats: Callable[[int], RouteStats | None], port: int, new: Side,
                 stable: Side | None = None) -> None:
        self.stats = stats                      # TrafficRouter.stats
        self.port = port
        self.deltas = TrafficDeltas(new, stable)

    def _read(self) -> RouteStats | None:
        try:
            return self.stats(self.port)
        except (ShipmateError, OSError):
            return None  # a router that does not answer is missing data for this tick, not a verdict

    def open(self) -> bool:
        """Take the window's baseline; False when the route is not http (tcp counts no requests)."""
        stats = self._read()
        if stats is None or stats.mode != "http":
            return False
        self.deltas.prime(stats)
        return True

    def observe(self, window: Window, at: float) -> None:
        new, stable = self.deltas.advance(self._read())
        window.traffic.append(TrafficSample(at, new, stable))


class ProbeSource:
    """Every new instance probed directly (liveness first, then its health checks), plus one request
    through the public port: what a user would see, even when no user is there."""

    name = "probes"

    def __init__(self, per_instance: Sequence[Sequence[Probe]], public: Probe | None,
                 run_all: Callable[[list[Probe]], list[ProbeResult]]) -> None:
        self.per_instance = [list(p) for p in per_instance]
        self.public = public
        self.run_all = run_all

    def observe(self, window: Window, at: float) -> None:
        failing: list[str] = []
        fatal = False
        for probes in self.per_instance:
            results = self.run_all(probes)
            fatal = fatal or (bool(results) and results[0].phase is not Phase.PASS)  # liveness comes first
            failing += [f"{r.probe}: {r.detail}" for r in results if r.phase is not Phase.PASS]
        latency = 0.0
        if self.public is not None:
            seen = self.public.run()
            latency = seen.latency_ms
            if seen.phase is not Phase.PASS:
                failing.append(f"{seen.probe}: {seen.detail}")
        window.probes.append(ProbeSample(at, ok=not failing, latency_ms=latency, detail="; ".join(failing),
                                         fatal=fatal))


class McpSource:
    """The MCP endpoint of every new instance, listed each tick: latency and errors of its version."""

    name = "mcp"

    def __init__(self, refs: Sequence[InstanceRef], config: Mapping[str, Any], version: str) -> None:
        self.refs = list(refs)
        self.config = dict(config)
        self.version = version

    def observe(self, window: Window, at: float) -> None:
        for ref in self.refs:
            window.mcp.append(self.look(ref, at))

    def look(self, ref: InstanceRef, at: float) -> McpSample:
        from shipmate.probes.mcp_level import McpListProbe

        probe = McpListProbe(self.config, ref.host, ref.port)
        level = probe.look()
        ok = level.phase is Phase.PASS
        return McpSample(at, ref.instance_id, self.version, ok, probe.list_ms if ok else 0.0,
                         "" if ok else level.evidence.excerpt)


class SmokeSource:
    """The level-5 smoke test through the public port, once, on the window's first tick (the smoke gate):
    real users' path, after the switch. Once, because a smoke may change data (it creates an order...)."""

    name = "smoke"

    def __init__(self, smoke: Mapping[str, Any], mcp: Mapping[str, Any], port: int, cwd: str,
                 env: Mapping[str, str]) -> None:
        self.smoke, self.mcp, self.port, self.cwd, self.env = dict(smoke), dict(mcp), port, cwd, dict(env)

    def observe(self, window: Window, at: float) -> None:
        if window.smoke:
            return
        from shipmate.probes.smoke import run_smoke

        try:
            result = run_smoke(self.smoke, self.mcp, HOST, self.port, cwd=self.cwd, env=self.env)
        except (ShipmateError, OSError) as exc:
            window.smoke.append(SmokeSample(at, False, "smoke", f"{type(exc).__name__}: {exc}"))
            return
        what = str(result.checks[0]["probe"]) if result.checks else "smoke"
        if result.phase is Phase.PASS:
            window.smoke.append(SmokeSample(at, True, what))
            return
        ev = result.evidence
        said = [ev.excerpt, f"status {ev.status}" if ev.status and ev.status not in ev.excerpt else "",
                f"cause {ev.cause}" if ev.cause and ev.cause not in ev.excerpt else ""]
        window.smoke.append(SmokeSample(at, False, what, "; ".join(part for part in said if part)))


class ProcessSource:
    """CPU and RSS of each instance's app, as its target measures them (Target.usage)."""

    name = "process"

    def __init__(self, target: Target, refs: Sequence[InstanceRef]) -> None:
        self.target = target
        self.refs = list(refs)
        self._cpu: dict[str, dict[str, float]] = {}     # instance -> process -> CPU seconds at last look

    def observe(self, window: Window, at: float) -> None:
        for ref in self.refs:
            window.process.append(self.look(ref, at))

    def look(self, ref: InstanceRef, at: float) -> ProcessSample:
        try:
            usage = self.target.usage(ref.handle)
        except ShipmateError:
            return ProcessSample(at, ref.instance_id, alive=True)  # cannot look: no data, not a death
        if usage is None:
            return ProcessSample(at, ref.instance_id, alive=False)
        first = ref.instance_id not in self._cpu
        before = self._cpu.get(ref.instance_id, {})
        # Per process, so a worker that ends or forks between looks neither loses nor doubles CPU time.
        used = sum(max(0.0, seconds - before.get(key, 0.0)) for key, seconds in usage.cpu_s_by_process.items())
        self._cpu[ref.instance_id] = dict(usage.cpu_s_by_process)
        return ProcessSample(at, ref.instance_id, alive=True, cpu_s=0.0 if first else used,
                             rss_mb=usage.rss_bytes / MB)


def scrape(host: str, port: int, path: str, timeout: float) -> str:
    """The body of GET path on the instance's own port; OSError / HTTPException / ValueError on failure."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "text/plain", "User-Agent": "shipmate-monitor"})
        response = conn.getresponse()
        body = response.read(MAX_METRICS_BYTES)
    finally:
        conn.close()
    if response.status != 200:
        raise ValueError(f"GET {path} -> {response.status}")
    return body.decode("utf-8", errors="replace")


class PrometheusSource:
    """The app's own metrics, scraped from each new instance and matched against the spec's rules."""

    name = "prometheus"

    def __init__(self, refs: Sequence[InstanceRef], path: str, rules: Sequence[MetricRule], timeout: float) -> None:
        self.refs = list(refs)
        self.path = path
        self.rules = tuple(rules)
        self.timeout = timeout

    def observe(self, window: Window, at: float) -> None:
        for ref in self.refs:
            window.metrics.append(self.look(ref, at))

    def look(self, ref: InstanceRef, at: float) -> MetricSample:
        empty: tuple[float | None, ...] = (None,) * len(self.rules)
        try:
            text = scrape(ref.host, ref.port, self.path, self.timeout)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            reason = str(exc) or type(exc).__name__
            return MetricSample(at, empty, f"scrape :{ref.port}{self.path}: {reason}", ref.instance_id)
        try:
            values = rule_values(text, self.rules)
        except (ValueError, IndexError, TypeError) as exc:  # the parser's errors for malformed text
            return MetricSample(at, empty, f"{self.path}: not Prometheus text ({exc})"[:200], ref.instance_id)
        return MetricSample(at, values, "", ref.instance_id)
