"""Rules on the monitor's own samples: probe ticks, process stats and the app's Prometheus metrics."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from shipmate.analysis.observations import MetricSample, ProbeSample, ProcessSample
from shipmate.analysis.rules import Finding, MetricRule, Rules
from shipmate.analysis.stats import percentile
from shipmate.model import Phase


def probe_findings(samples: Sequence[ProbeSample], rules: Rules, *, final: bool) -> list[Finding]:
    n = len(samples)
    errors = sum(1 for s in samples if not s.ok)
    last = next((s.detail for s in reversed(samples) if not s.ok), "")
    out: list[Finding] = []
    fatal = next((s for s in samples if s.fatal), None)
    if fatal is not None:
        out.append(Finding("probes", "alive", Phase.FAIL, 0.0, None, n, f"instance gone: {fatal.detail}",
                           decisive=True))
    enough = n >= min(rules.min_samples, rules.expected_ticks)
    if rules.error_rate is not None:
        rate = errors / n if n else 0.0
        # Errors so far already exceed what the whole window may hold: waiting cannot help.
        certain = enough and errors > rules.error_rate * max(rules.expected_ticks, n)
        if not final and not certain:
            phase = Phase.PASS
        elif not enough:
            phase = Phase.INCONCLUSIVE
        else:
            phase = Phase.FAIL if certain or rate > rules.error_rate else Phase.PASS
        out.append(Finding("probes", "error_rate", phase, rate if n else None, rules.error_rate, n,
                           f"{errors} of {n} probe ticks failed" + (f" ({last})" if last else ""), decisive=certain))
    if rules.consecutive_failures is not None:
        run = longest = 0
        for sample in samples:
            run = 0 if sample.ok else run + 1
            longest = max(longest, run)
        hit = longest >= rules.consecutive_failures
        out.append(Finding("probes", "consecutive_failures", Phase.FAIL if hit else Phase.PASS, float(longest),
                           float(rules.consecutive_failures), n, last, decisive=hit))
    latencies = [s.latency_ms for s in samples if s.ok]
    for rule, q, limit in (("p95_ms", 95, rules.p95_ms), ("p99_ms", 99, rules.p99_ms)):
        if limit is None:
            continue
        observed = percentile(latencies, q) if latencies else None
        if not final:
            continue  # a latency percentile of a few probe ticks is only judged over the whole window
        if len(latencies) < min(rules.min_samples, rules.expected_ticks):
            out.append(Finding("probes", rule, Phase.INCONCLUSIVE, observed, limit, len(latencies)))
            continue
        over = observed is not None and observed > limit
        out.append(Finding("probes", rule, Phase.FAIL if over else Phase.PASS, observed, limit, len(latencies)))
    return out


def process_findings(samples: Sequence[ProcessSample], rules: Rules, *, final: bool) -> list[Finding]:
    """Per instance: peak RSS (decisive as soon as it is over) and mean CPU % (judged at the end)."""
    out: list[Finding] = []
    by_instance: dict[str, list[ProcessSample]] = {}
    for sample in samples:
        if sample.alive:
            by_instance.setdefault(sample.instance_id, []).append(sample)
    gone = next((s for s in samples if not s.alive), None)
    if gone is not None:
        out.append(Finding("process", "alive", Phase.FAIL, 0.0, None, len(samples),
                           f"instance {gone.instance_id}: its process is gone", decisive=True))
    if rules.memory_mb is not None:
        peaks = {iid: max(s.rss_mb for s in seen) for iid, seen in by_instance.items()}
        worst = max(peaks, key=lambda iid: peaks[iid], default=None)
        if worst is None:
            out.append(Finding("process", "memory_mb", Phase.INCONCLUSIVE, None, rules.memory_mb, 0,
                               "no process stats"))
        else:
            over = peaks[worst] > rules.memory_mb
            out.append(Finding("process", "memory_mb", Phase.FAIL if over else Phase.PASS, peaks[worst],
                               rules.memory_mb, len(by_instance[worst]), f"instance {worst}", decisive=over))
    if rules.cpu_percent is not None and final:
        means: dict[str, float] = {}
        for iid, seen in by_instance.items():
            span = seen[-1].at - seen[0].at
            if len(seen) >= 2 and span > 0:
                means[iid] = 100.0 * sum(s.cpu_s for s in seen[1:]) / span
        worst = max(means, key=lambda iid: means[iid], default=None)
        if worst is None:
            out.append(Finding("process", "cpu_percent", Phase.INCONCLUSIVE, None, rules.cpu_percent, 0,
                               "fewer than 2 process samples"))
        else:
            over = means[worst] > rules.cpu_percent
            out.append(Finding("process", "cpu_percent", Phase.FAIL if over else Phase.PASS, means[worst],
                               rules.cpu_percent, len(by_instance[worst]), f"instance {worst}, mean over the window"))
    return out


def _increase(values: Sequence[float]) -> float:
    """A counter's increase across scrapes; a drop means the app restarted and counts from zero."""
    grown = 0.0
    for before, now in itertools.pairwise(values):
        grown += now - before if now >= before else now
    return grown


def metric_findings(samples: Sequence[MetricSample], rules: Rules) -> list[Finding]:
    """Per rule, the worst instance: a fail on any instance fails the rule."""
    by_instance: dict[str, list[MetricSample]] = {}
    for sample in samples:
        by_instance.setdefault(sample.instance_id, []).append(sample)
    out: list[Finding] = []
    for index, rule in enumerate(rules.metric_rules):
        per_instance = [_metric_finding(rule, [v for s in seen if index < len(s.values)
                                               and (v := s.values[index]) is not None], seen)
                        for seen in by_instance.values()] or [_metric_finding(rule, [], [])]
        for position in range(len(per_instance[0])):
            out.append(_worst([found[position] for found in per_instance]))
    return out


def _worst(found: Sequence[Finding]) -> Finding:
    order = {Phase.FAIL: 0, Phase.INCONCLUSIVE: 1, Phase.PASS: 2}
    return min(found, key=lambda f: (order[f.phase], -(f.observed or 0.0)))


def _metric_finding(rule: MetricRule, values: list[float], samples: Sequence[MetricSample]) -> list[Finding]:
    out: list[Finding] = []
    scrapes = len(samples)
    why = next((s.detail for s in reversed(samples) if s.detail), "")
    if rule.max is not None:
        if not values:
            out.append(Finding("prometheus", f"{rule.name} max", Phase.INCONCLUSIVE, None, rule.max, scrapes,
                               why or "metric not found"))
        else:
            peak = max(values)
            over = peak > rule.max
            out.append(Finding("prometheus", f"{rule.name} max", Phase.FAIL if over else Phase.PASS, peak, rule.max,
                               len(values), "peak over the window", decisive=over))
    if rule.increase_max is not None:
        if len(values) < 2:
            out.append(Finding("prometheus", f"{rule.name} increase_max", Phase.INCONCLUSIVE, None,
                               rule.increase_max, len(values), why or "fewer than 2 scrapes with the metric"))
        else:
            grown = _increase(values)
            over = grown > rule.increase_max
            out.append(Finding("prometheus", f"{rule.name} increase_max", Phase.FAIL if over else Phase.PASS, grown,
                               rule.increase_max, len(values), "increase over the window", decisive=over))
    return out
