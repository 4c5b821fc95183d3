"""Replays a window described as data (rule_cases.yaml) through the pure rules."""

from __future__ import annotations

from typing import Any

from shipmate.analysis.histogram import LatencyHistogram
from shipmate.analysis.observations import MetricSample, ProbeSample, ProcessSample, Traffic, TrafficSample
from shipmate.analysis.rules import MetricRule, Rules
from shipmate.analysis.window import Window


def rules_from(raw: dict[str, Any]) -> Rules:
    fields = dict(raw)
    fields["metric_rules"] = tuple(
        MetricRule(r["metric"], tuple(sorted((r.get("labels") or {}).items())), r.get("max"), r.get("increase_max"))
        for r in fields.get("metric_rules", ()))
    return Rules(**fields)


def traffic_from(row: list[Any]) -> Traffic:
    requests, s5xx, errors, ms = int(row[0]), int(row[1]), int(row[2]), float(row[3])
    slow_n, slow_ms = (int(row[4]), float(row[5])) if len(row) > 4 else (0, 0.0)
    hist = LatencyHistogram()
    for _ in range(requests - slow_n):
        hist.record(ms)
    for _ in range(slow_n):
        hist.record(slow_ms)
    return Traffic(requests, s5xx, errors, hist.snapshot())


def tick_count(case: dict[str, Any]) -> int:
    lists = [case.get(k) or [] for k in ("probes", "traffic", "process", "metrics", "times")]
    return max(len(items) for items in lists)


def window_after(case: dict[str, Any], rules: Rules, ticks: int) -> tuple[Window, float]:
    """The window as it stood after its first ``ticks`` ticks, and the time of the last one."""
    times = case.get("times") or [i * rules.interval_s for i in range(tick_count(case))]
    window = Window(start=0.0, sources=frozenset(case.get("sources", ["probes"])))
    stable = case.get("stable")
    for i in range(ticks):
        at = float(times[i])
        window.ticks.append(at)
        if i < len(case.get("probes") or []):
            raw = case["probes"][i]
            window.probes.append(ProbeSample(at, bool(raw[0]), float(raw[1]), "probe failed" if not raw[0] else "",
                                             bool(raw[2]) if len(raw) > 2 else False))
        if i < len(case.get("traffic") or []):
            window.traffic.append(TrafficSample(at, traffic_from(case["traffic"][i]),
                                                traffic_from(stable[i]) if stable else None))
        if i < len(case.get("process") or []):
            iid, alive, cpu_s, rss = case["process"][i]
            window.process.append(ProcessSample(at, str(iid), bool(alive), float(cpu_s), float(rss)))
        if i < len(case.get("metrics") or []):
            values = tuple(None if v is None else float(v) for v in case["metrics"][i])
            window.metrics.append(MetricSample(at, values, "" if all(v is not None for v in values) else "missing"))
    return window, float(times[ticks - 1]) if ticks else 0.0
