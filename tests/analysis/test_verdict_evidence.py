"""A verdict carries its evidence: each rule's observed value vs threshold, samples per source, who decided."""

from __future__ import annotations

import json

from shipmate.analysis.observations import MetricSample, ProbeSample, ProcessSample, Traffic, TrafficSample
from shipmate.analysis.rules import MetricRule, Rules
from shipmate.analysis.window import Window, judge
from shipmate.model import Phase, Verdict

RULES = Rules(duration_s=3, interval_s=1, error_rate=0.05, p95_ms=1000, p99_ms=2000, memory_mb=500,
              cpu_percent=80, min_samples=3, metric_rules=(MetricRule("queue_depth", (("q", "a"),), max=10),))


def _window(bad: int) -> Window:
    window = Window(start=0.0, sources=frozenset({"router", "probes", "process", "prometheus"}))
    for i in range(3):
        at = float(i)
        window.ticks.append(at)
        window.traffic.append(TrafficSample(at, Traffic(100, bad if i == 2 else 0)))
        window.probes.append(ProbeSample(at, True, 12.0))
        window.process.append(ProcessSample(at, "i-1", True, 0.1 * i, 120.0))
        window.metrics.append(MetricSample(at, (3.0,), "", "i-1"))
    return window


def test_a_passing_verdict_lists_every_rule_and_every_source() -> None:
    verdict = judge(_window(bad=0), RULES, now=2.0, final=True)
    assert verdict is not None and verdict.phase is Phase.PASS and verdict.decided_by is None
    data = json.loads(json.dumps(verdict.as_dict()))
    assert {"phase", "reasons", "samples", "error_rate", "p95_ms", "decided_by", "evidence"} <= set(data)
    assert data["samples"] == 300 and data["error_rate"] == 0.0  # real traffic is the primary source
    rules = {f"{r['source']}.{r['rule']}": r for r in data["evidence"]["rules"]}
    assert set(rules) >= {"router.error_rate", "router.p95_ms", "router.p99_ms", "probes.error_rate",
                          "probes.p95_ms", "process.memory_mb", "process.cpu_percent",
                          'prometheus.queue_depth{q="a"} max'}
    assert rules["router.error_rate"] == {"source": "router", "rule": "error_rate", "status": "pass",
                                          "observed": 0.0, "threshold": 0.05, "samples": 300,
                                          "detail": "0 5xx + 0 errors in 300 requests"}
    assert rules["process.memory_mb"]["observed"] == 120.0 and rules["process.memory_mb"]["threshold"] == 500
    sources = data["evidence"]["sources"]
    assert sources["router"]["requests"] == 300 and sources["probes"] == {"samples": 3, "errors": 0}
    assert sources["process"] == {"samples": 3, "instances": 1} and sources["prometheus"]["scrapes"] == 3
    assert data["evidence"]["coverage"]["status"] == "pass"


def test_a_failing_verdict_names_the_source_and_rule_that_decided_with_its_numbers() -> None:
    verdict = judge(_window(bad=60), RULES, now=2.0, final=False)
    assert verdict is not None and verdict.phase is Phase.FAIL
    assert verdict.decided_by == "router.error_rate"
    assert verdict.reasons == ("router.error_rate 20.0% > 5.0% (60 5xx + 0 errors in 300 requests)",)
    assert verdict.error_rate == 0.2 and verdict.samples == 300


def test_old_verdicts_keep_their_shape() -> None:
    old = Verdict(Phase.PASS, (), 16, 0.0, 12.5)
    assert old.as_dict() == {"phase": "pass", "reasons": [], "samples": 16, "error_rate": 0.0, "p95_ms": 12.5,
                             "decided_by": None, "evidence": {}}
