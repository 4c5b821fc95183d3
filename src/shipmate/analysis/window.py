"""The monitor window: every source's observations in, one verdict with its evidence out. Pure.

Order of decision: a decisive fail ends the window at once (early); at the end any failed rule
fails it; then a window that was not really watched (too few ticks, or a long gap) is inconclusive;
then one with no source that saw enough (Flagger's "no values found") is inconclusive; else it passes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from math import ceil

from shipmate.analysis import histogram
from shipmate.analysis.mcp_rules import mcp_evidence, mcp_findings
from shipmate.analysis.observations import (
    McpSample,
    MetricSample,
    ProbeSample,
    ProcessSample,
    SmokeSample,
    Traffic,
    TrafficSample,
)
from shipmate.analysis.rules import Finding, Rules
from shipmate.analysis.sample_rules import metric_findings, probe_findings, process_findings
from shipmate.analysis.smoke_rules import smoke_evidence, smoke_findings
from shipmate.analysis.stats import percentile
from shipmate.analysis.tick_series import tick_series
from shipmate.analysis.traffic_delta import total
from shipmate.analysis.traffic_rules import canary_findings, router_findings
from shipmate.model import Phase, Verdict

# A release that turns bad mid-window is judged on its latest ticks too, not only on a total its
# good start dilutes: with a 5 % limit, 40 % errors in the last tick fail it at once.
RECENT_TICKS = (1, 3)


@dataclass
class Window:
    """What has been observed so far; ``ticks`` are the times the monitoring loop actually ran."""

    start: float
    sources: frozenset[str] = frozenset({"probes"})
    ticks: list[float] = field(default_factory=list)
    probes: list[ProbeSample] = field(default_factory=list)
    traffic: list[TrafficSample] = field(default_factory=list)
    process: list[ProcessSample] = field(default_factory=list)
    metrics: list[MetricSample] = field(default_factory=list)
    mcp: list[McpSample] = field(default_factory=list)
    smoke: list[SmokeSample] = field(default_factory=list)

    _new_sum: Traffic = field(default_factory=Traffic, init=False, repr=False)
    _stable_sum: Traffic | None = field(default=None, init=False, repr=False)
    _folded: int = field(default=0, init=False, repr=False)

    def _fold(self) -> None:
        """Running totals, so each tick's judgement costs the same however long the window is."""
        for sample in self.traffic[self._folded:]:
            self._new_sum = self._new_sum.plus(sample.new)
            if sample.stable is not None:
                self._stable_sum = (self._stable_sum or Traffic()).plus(sample.stable)
        self._folded = len(self.traffic)

    def new_traffic(self) -> Traffic:
        self._fold()
        return self._new_sum

    def recent_traffic(self) -> list[tuple[str, Traffic]]:
        """Trailing spans of the last 1 and 3 ticks, when shorter than the window so far."""
        spans: list[tuple[str, Traffic]] = []
        for ticks in RECENT_TICKS:
            if len(self.traffic) > ticks:
                tail = self.traffic[-ticks:]
                spans.append((f"last {ticks} tick{'s' if ticks > 1 else ''}", total(t.new for t in tail)))
        return spans

    def stable_traffic(self) -> Traffic | None:
        self._fold()
        return self._stable_sum


# A loop whose own ticks take longer than the interval (probes and stats under load) is still
# watching; up to this many intervals per tick, the expected count follows its measured cadence.
MAX_CADENCE_INTERVALS = 2.0


def expected_ticks(window: Window, rules: Rules, gaps: Sequence[float]) -> int:
    """Ticks the window should hold: its span, less one allowed gap, over the loop's typical cadence
    (median gap), which may run slower than ``interval`` by at most MAX_CADENCE_INTERVALS. A freeze is
    one long gap and leaves the median alone, so it still shows as missing ticks."""
    cadence = rules.interval_s
    if len(gaps) >= 3:
        ordered = sorted(gaps)
        cadence = min(max(rules.interval_s, ordered[len(ordered) // 2]), MAX_CADENCE_INTERVALS * rules.interval_s)
    # One allowed gap's worth of ticks may be missing anywhere (a busy machine's hiccup); more is a freeze.
    span = max(0.0, rules.duration_s - rules.max_gap_s)
    return max(1, min(rules.expected_ticks, ceil(span / cadence - 1e-9)))


def coverage_finding(window: Window, rules: Rules, now: float) -> Finding:
    """Inconclusive when the loop ran on too few of its expected ticks, or stalled for > 3 intervals."""
    moments = [window.start, *window.ticks, max(now, window.ticks[-1] if window.ticks else window.start)]
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    gap = max(gaps, default=0.0)
    expected = expected_ticks(window, rules, gaps[1:-1])  # between ticks: the loop's own cadence
    share = min(len(window.ticks) / expected, 1.0)
    detail = f"{len(window.ticks)} of {expected} ticks, longest gap {gap:.1f} s"
    if share < rules.min_coverage:
        return Finding("coverage", "min_coverage", Phase.INCONCLUSIVE, share, rules.min_coverage, len(window.ticks),
                       f"{detail}: the window was not really watched")
    if gap > rules.max_gap_s:
        return Finding("coverage", "max_gap_s", Phase.INCONCLUSIVE, gap, rules.max_gap_s, len(window.ticks),
                       f"{detail}: monitoring stalled")
    return Finding("coverage", "min_coverage", Phase.PASS, share, rules.min_coverage, len(window.ticks), detail)


def findings_of(window: Window, rules: Rules, *, final: bool) -> list[Finding]:
    found: list[Finding] = []
    if "router" in window.sources:
        found += router_findings(window.new_traffic(), rules, final=final, recent=window.recent_traffic())
        found += canary_findings(window.new_traffic(), window.stable_traffic(), rules, final=final)
    elif rules.max_error_rate_increase is not None:
        found += canary_findings(Traffic(), None, rules, final=final)
    if "probes" in window.sources:
        found += probe_findings(window.probes, rules, final=final)
    if "process" in window.sources:
        found += process_findings(window.process, rules, final=final)
    if "prometheus" in window.sources:
        found += metric_findings(window.metrics, rules)
    if "mcp" in window.sources:
        found += mcp_findings(window.mcp, rules, final=final)
    if "smoke" in window.sources:
        found += smoke_findings(window.smoke, final=final)
    return found


def judge(window: Window, rules: Rules, *, now: float, final: bool) -> Verdict | None:
    """The verdict; mid-window (final=False) only a decisive fail, else None."""
    found = findings_of(window, rules, final=final)
    decisive = [f for f in found if f.phase is Phase.FAIL and f.decisive]
    if decisive:
        return _verdict(window, rules, Phase.FAIL, decisive, found, None)
    if not final:
        return None
    coverage = coverage_finding(window, rules, now)
    failed = [f for f in found if f.phase is Phase.FAIL]
    if failed:
        return _verdict(window, rules, Phase.FAIL, failed, found, coverage)
    if coverage.phase is Phase.INCONCLUSIVE:
        return _verdict(window, rules, Phase.INCONCLUSIVE, [coverage], found, coverage)
    if not _watched(window, rules, found):
        unseen = [f for f in found if f.source in ("router", "probes") and f.phase is Phase.INCONCLUSIVE] or [
            Finding("window", "sources", Phase.INCONCLUSIVE, None, None, 0, "no source saw enough to judge")]
        return _verdict(window, rules, Phase.INCONCLUSIVE, unseen, found, coverage)
    # A rule the spec asked for explicitly that never got data is not a pass either.
    explicit = ("process", "prometheus", "mcp", "smoke", "canary") if rules.compare_required else (
        "process", "prometheus", "mcp", "smoke")
    unjudged = [f for f in found if f.phase is Phase.INCONCLUSIVE and f.source in explicit]
    if unjudged:
        return _verdict(window, rules, Phase.INCONCLUSIVE, unjudged, found, coverage)
    return _verdict(window, rules, Phase.PASS, [], found, coverage)


def _watched(window: Window, rules: Rules, found: Sequence[Finding]) -> bool:
    """Some source saw enough: real requests, probe ticks, or a process/metric rule that could be judged."""
    if "router" in window.sources and window.new_traffic().requests >= rules.min_requests:
        return True
    if "probes" in window.sources and len(window.probes) >= min(rules.min_samples, rules.expected_ticks):
        return True
    return any(f.phase is Phase.PASS for f in found if f.source in ("process", "prometheus", "mcp"))


def _verdict(window: Window, rules: Rules, phase: Phase, deciding: Sequence[Finding], found: Sequence[Finding],
             coverage: Finding | None) -> Verdict:
    new = window.new_traffic()
    router_counts = "router" in window.sources and new.requests >= rules.min_requests
    if router_counts:
        samples, rate = new.requests, new.error_rate
        p95 = histogram.percentile_ms(new.latency_counts, 95)
    else:
        probes = window.probes
        samples = len(probes)
        rate = sum(1 for s in probes if not s.ok) / samples if samples else 0.0
        latencies = [s.latency_ms for s in probes if s.ok]
        p95 = percentile(latencies, 95) if latencies else None
    evidence: dict[str, object] = {
        "rules": [f.as_dict() for f in found],
        "sources": _sources(window),
        "coverage": coverage.as_dict() if coverage else None,
        "series": tick_series(window.start, window.traffic, window.probes),   # the dashboard's window chart
    }
    return Verdict(phase, tuple(_reason(f) for f in deciding), samples, rate, p95,
                   evidence=evidence, decided_by=deciding[0].key if deciding else None)


def _sources(window: Window) -> dict[str, object]:
    out: dict[str, object] = {"watched": sorted(window.sources), "ticks": len(window.ticks)}
    if "router" in window.sources:
        out["router"] = {**window.new_traffic().as_dict(), "ticks": len(window.traffic)}
        stable = window.stable_traffic()
        if stable is not None:
            out["stable"] = stable.as_dict()
    if "probes" in window.sources:
        out["probes"] = {"samples": len(window.probes), "errors": sum(1 for s in window.probes if not s.ok)}
    if "process" in window.sources:
        out["process"] = {"samples": len(window.process),
                          "instances": len({s.instance_id for s in window.process})}
    if "prometheus" in window.sources:
        out["prometheus"] = {"scrapes": len(window.metrics),
                             "failed": sum(1 for s in window.metrics if s.detail)}
    if "mcp" in window.sources:
        out["mcp"] = mcp_evidence(window.mcp)
    if "smoke" in window.sources:
        out["smoke"] = smoke_evidence(window.smoke)
    return out


def _shown(rule: str, value: float | None) -> str:
    if value is None:
        return "no data"
    if "rate" in rule or rule == "min_coverage":
        return f"{value:.1%}"
    return f"{value:g}"


def _reason(f: Finding) -> str:
    if f.phase is Phase.FAIL and f.threshold is not None:
        text = f"{f.key} {_shown(f.rule, f.observed)} > {_shown(f.rule, f.threshold)}"
    elif f.phase is Phase.FAIL:
        text = f.key
    else:
        text = f"{f.key} inconclusive"
    return f"{text} ({f.detail})" if f.detail else text
