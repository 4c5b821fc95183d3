"""The watch after the switch: read every source once per tick, judge, and stop as soon as it is decided.

Kamal stops checking once the new container is up; we keep watching for `monitor.duration` — the
router's real traffic per version first (one control-socket round trip), then probes, process stats
and the app's metrics — and end the window the moment the evidence is decisive, so a bad release is
rolled back within about one interval of its first bad response.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from shipmate.analysis.rules import MetricRule, Rules
from shipmate.analysis.traffic_delta import Side
from shipmate.analysis.window import Window, judge
from shipmate.engine import probe_set
from shipmate.engine.context import Runtime, ref_of
from shipmate.engine.monitor_sources import (
    McpSource,
    ProbeSource,
    ProcessSource,
    PrometheusSource,
    RouterSource,
    SmokeSource,
    Source,
)
from shipmate.model import Verdict
from shipmate.release_config import MonitorConfig, ReleaseConfig
from shipmate.store.rows import InstanceRow

if TYPE_CHECKING:
    pass

PROGRESS_EVERY_S = 2.0
CANARY_MAX_INCREASE = 0.05  # canary error rate minus stable's, when rollback_if leaves it unset


@dataclass(frozen=True)
class Clock:
    """Monotonic time and sleep, injectable so a frozen loop can be replayed in tests."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def rules_of(mon: MonitorConfig, duration_s: float) -> Rules:
    return Rules(
        duration_s=duration_s, interval_s=mon.interval_s, error_rate=mon.error_rate, p95_ms=mon.p95_ms,
        p99_ms=mon.p99_ms, cpu_percent=mon.cpu_percent, memory_mb=mon.memory_mb,
        consecutive_failures=mon.consecutive_failures, max_error_rate_increase=mon.max_error_rate_increase,
        min_samples=mon.min_samples, min_requests=mon.min_requests, min_coverage=mon.min_coverage,
        metric_rules=metric_rules_of(mon), mcp_error_rate=mon.mcp_error_rate, mcp_p95_ms=mon.mcp_p95_ms,
    )


def metric_rules_of(mon: MonitorConfig) -> tuple[MetricRule, ...]:
    return tuple(MetricRule(r.metric, tuple(sorted(r.labels.items())), r.max, r.increase_max)
                 for r in mon.metric_rules)


def sources_for(rt: Runtime, config: ReleaseConfig, rows: Sequence[InstanceRow],
                stable_version: str | None) -> list[Source]:
    """The sources this release asked for, cheapest and most telling first (real traffic)."""
    mon = config.monitor
    refs = [ref_of(row) for row in rows]
    sources: list[Source] = []
    if mon.router_traffic and config.router_mode == "http":
        new = Side(config.version, frozenset(row.id for row in rows))
        stable = Side(stable_version) if stable_version else None
        router = RouterSource(rt.router.stats, config.port, new, stable)
        if router.open():
            sources.append(router)
    if mon.probes:
        per_instance = [probe_set.instance_probes(config, rt.target, ref) for ref in refs]
        sources.append(ProbeSource(per_instance, probe_set.public_probe(config, config.health.timeout_s),
                                   probe_set.run_all))
    # A psutil walk of the process tree each tick only pays off when a process rule is set (or when
    # no probe watches liveness); the prometheus source likewise only runs with rules to check.
    wanted = mon.cpu_percent is not None or mon.memory_mb is not None or not mon.probes
    if mon.process_stats and wanted and rt.target.capabilities.process_stats:
        sources.append(ProcessSource(rt.target, refs))
    if mon.prometheus_path and mon.metric_rules:
        sources.append(PrometheusSource(refs, mon.prometheus_path, metric_rules_of(mon),
                                        config.health.timeout_s))
    mcp = config.health.levels.get("mcp")
    if mcp and (mon.mcp_error_rate is not None or mon.mcp_p95_ms is not None):
        sources.append(McpSource(refs, mcp, config.version))
    smoke = config.health.levels.get("smoke")
    if smoke and smoke.get("gate"):
        # the same run as `shipmate check --level 5`, through the public port the router now serves
        sources.append(SmokeSource(smoke, mcp or {}, config.port, config.cwd, config.env))
    return sources


def watch(rt: Runtime, config: ReleaseConfig, rows: Sequence[InstanceRow], duration_s: float, *,
          stable_version: str | None = None, clock: Clock | None = None,
          checkpoint: Callable[[], None] | None = None) -> Verdict:
    """Judge every given new instance over ``duration_s``; ``stable_version`` adds the canary comparison.

    ``checkpoint`` runs before every tick (the lease's check: a holder that was taken over stops at once).
    """
    sources = sources_for(rt, config, list(rows), stable_version)
    return run_window(sources, compared_rules(config.monitor, duration_s, stable_version), clock or Clock(),
                      rt.progress, checkpoint)


def compared_rules(mon: MonitorConfig, duration_s: float, stable_version: str | None) -> Rules:
    """The window's rules; a canary step is always compared with stable (the spec's limit, else a default
    that leaves a quiet service to its probes), and a window with no stable side compares nothing."""
    rules = rules_of(mon, duration_s)
    if stable_version is None:
        return replace(rules, max_error_rate_increase=None)
    if rules.max_error_rate_increase is None:
        return replace(rules, max_error_rate_increase=CANARY_MAX_INCREASE, compare_required=False)
    return rules


def run_window(sources: Sequence[Source], rules: Rules, clock: Clock,
               progress: Callable[[str, dict[str, Any]], None],
               checkpoint: Callable[[], None] | None = None) -> Verdict:
    """Tick every interval until the window ends or a decisive fail; progress at least every 2 s."""
    window = Window(start=clock.now(), sources=frozenset(s.name for s in sources))
    end = window.start + rules.duration_s
    while True:
        if checkpoint is not None:
            checkpoint()
        tick = clock.now()
        window.ticks.append(tick)
        for source in sources:
            source.observe(window, tick)
            early = judge(window, rules, now=clock.now(), final=False)
            if early is not None:
                return early
        _report(window, end, clock, progress)
        if clock.now() + rules.interval_s > end + 1e-3:
            break
        _wait_until(tick + rules.interval_s, window, end, clock, progress)
    final = judge(window, rules, now=clock.now(), final=True)
    assert final is not None  # final=True always decides
    return final


def _wait_until(deadline: float, window: Window, end: float, clock: Clock,
                progress: Callable[[str, dict[str, Any]], None]) -> None:
    """Sleep to the next tick in slices of at most 2 s, so a long interval still shows it is alive."""
    while (left := deadline - clock.now()) > 0:
        clock.sleep(min(left, PROGRESS_EVERY_S))
        if deadline - clock.now() > 0:
            _report(window, end, clock, progress)


def _report(window: Window, end: float, clock: Clock, progress: Callable[[str, dict[str, Any]], None]) -> None:
    traffic = window.new_traffic()
    progress("monitoring", {
        "samples": len(window.probes), "errors": sum(1 for s in window.probes if not s.ok),
        "requests": traffic.requests, "failed_requests": traffic.failures, "ticks": len(window.ticks),
        "remaining_s": round(max(0.0, end - clock.now()), 1)})
