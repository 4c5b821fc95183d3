"""The DORA figures over any history: counts add up, rates stay in range, no band below the minimum count,
and a later rollback is judged by its time, never by its place in the list."""

from __future__ import annotations

from datetime import UTC

from hypothesis import given, settings
from hypothesis import strategies as st

from shipmate.analysis import dora, report_figures
from shipmate.analysis.report_facts import AutoRollback, DeployFact, Period

DAY = 86_400.0
PERIOD = Period("week", 0.0, 7 * DAY, "UTC")


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[DeployFact], list[AutoRollback]]:
    facts: list[DeployFact] = []
    t = -2 * DAY
    for i in range(draw(st.integers(0, 40))):
        t += draw(st.floats(60, DAY / 2))
        kind = draw(st.sampled_from(["deploy", "deploy", "deploy", "rollback"]))
        state = draw(st.sampled_from(["succeeded", "succeeded", "rolled_back", "failed", "running"]))
        took = draw(st.floats(1, 600))
        facts.append(DeployFact(
            id=f"d{i}", service=draw(st.sampled_from(["a", "b"])), environment="production", kind=kind, state=state,
            version=f"v{i}", started_at=t, finished_at=None if state == "running" else t + took, actor="x",
            error=None if state == "succeeded" else draw(st.sampled_from(["monitor window fail", "health check"])),
            confidence=draw(st.none() | st.floats(0, 1)), rolling_back_at=None if state == "succeeded" else t + 1,
            monitor_failed=False))
    autos = [AutoRollback(f.service, "production", f.started_at + 30, f.version)
             for f in facts if draw(st.booleans()) and f.state == "succeeded"]
    return facts, autos


@settings(max_examples=60, deadline=None)
@given(histories())
def test_figures_add_up_and_stay_in_range(history: tuple[list[DeployFact], list[AutoRollback]]) -> None:
    facts, autos = history
    outcomes = dora.judge_changes(facts, autos, "production", PERIOD, 3600.0)
    ended = [f for f in facts if f.kind == "deploy" and f.state != "running" and PERIOD.contains(f.started_at)]
    assert len(outcomes) == len(ended)          # the denominator: every production deployment that ended
    cfr = dora.change_failure_rate(outcomes)
    assert cfr.counts["deployments"] == len(ended) and 0 <= cfr.counts["failed"] <= len(ended)
    assert cfr.value is None or 0.0 <= cfr.value <= 100.0
    assert (cfr.band is None) == (len(ended) < dora.MIN_COUNT)
    rec = dora.recovery_time(outcomes)
    assert rec.counts["recovered"] + rec.counts["not_recovered"] == rec.counts["failures"] == cfr.counts["failed"]
    assert rec.value is None or rec.value >= 0
    assert (rec.band is None) == (rec.counts["recovered"] < dora.MIN_COUNT)
    freq = dora.deployment_frequency(facts, "production", PERIOD, UTC)
    assert 0.0 <= (freq.value or 0.0) <= 7.0
    assert freq.counts["deployment_days"] <= 7
    success = report_figures.success_rate(outcomes)
    by_reason = report_figures.rollbacks_by_reason(outcomes)
    # A success rolled back later counts in both: the success rate is how deployments ended.
    assert sum(r.numerator for r in by_reason.values()) <= len(outcomes)
    assert success.numerator == sum(1 for o in outcomes if o.deploy.state == "succeeded")
    cal = report_figures.calibration(outcomes)
    assert cal.brier is None or 0.0 <= cal.brier <= 1.0
    assert sum(b.count for b in cal.buckets) == cal.scored
    # Shuffling the input never changes the judgement.
    again = dora.judge_changes(list(reversed(facts)), list(reversed(autos)), "production", PERIOD, 3600.0)
    assert sorted((o.deploy.id, o.failed, o.reason) for o in again) == sorted(
        (o.deploy.id, o.failed, o.reason) for o in outcomes)
