"""The four DORA keys over one environment's deployments in a period, with DORA 2023 bands (pure).

Definitions (they are printed in every report, see DEFINITIONS):
- deployment frequency: days with a successful deployment per week, the median over the period's weeks;
- lead time for changes: commit time of the release -> its production deployment succeeded (median);
- change failure rate: production deployments that failed, were rolled back, or were rolled back (by `serve`
  or by hand) within ``supervise.rollback_within`` after they finished / ALL production deployments that ended.
  The denominator is every deployment, not only the failed ones (fourkeys #351, devlake PR #8890);
- failed deployment recovery time: failure detected -> the previous release serving and healthy (median).
Below MIN_COUNT samples a figure is "insufficient data" and never gets a band.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from shipmate.analysis.report_facts import DAY_S, AutoRollback, DeployFact, Period

MIN_COUNT = 5
SERVE_ACTOR = "shipmate-serve"
TERMINAL = frozenset({"succeeded", "rolled_back", "failed"})
HOUR_S, WEEK_S = 3600.0, 7 * DAY_S

DEFINITIONS: dict[str, str] = {
    "deployment_frequency": "days with a successful production deployment per week, median over the period's "
                            "weeks (a period shorter than a week is measured over the 7 days ending with it)",
    "lead_time": "commit time of the release -> its production deployment succeeded, median",
    "change_failure_rate": "production deployments that failed, were rolled back, or were rolled back (by serve "
                           "or by hand) within supervise.rollback_within after they finished / all production "
                           "deployments that ended",
    "recovery_time": "failure detected -> the previous release serving and healthy again, median",
}
# DORA 2023 (Accelerate State of DevOps) performance levels; the cut-offs between them are ours where the report
# gives a range (stated here and in the report).
BANDS_TEXT: dict[str, str] = {
    "deployment_frequency": "elite: on demand (>= 5 days/week); high: >= 1 day/week; medium: >= 1 per month; "
                            "low: less",
    "lead_time": "elite: < 1 day; high: < 1 week; medium: < 1 month; low: longer",
    "change_failure_rate": "elite: <= 5 %; high: <= 10 %; medium: <= 15 %; low: more",
    "recovery_time": "elite: < 1 hour; high: < 1 day; medium: < 1 week; low: longer",
}


@dataclass(frozen=True)
class Metric:
    key: str
    value: float | None                 # None: not computable (no data / not measurable)
    unit: str                           # "days/week", "s", "%"
    band: str | None                    # elite | high | medium | low; None when below MIN_COUNT
    counts: Mapping[str, int] = field(default_factory=dict)
    note: str = ""                      # why it is insufficient / not measurable

    @property
    def status(self) -> str:
        return self.band if self.band is not None else ("not measurable" if self.note.startswith("not measurable")
                                                         else "insufficient data")

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "unit": self.unit, "band": self.band, "status": self.status,
                "counts": dict(self.counts), "note": self.note, "definition": DEFINITIONS.get(self.key, ""),
                "bands": BANDS_TEXT.get(self.key, "")}


@dataclass(frozen=True)
class ChangeOutcome:
    """One production deployment judged: a change failure or not, why, and how recovery went."""

    deploy: DeployFact
    failed: bool
    reason: str | None      # monitor window | health checks | interrupted | other | crash loop (serve) |
    #                         manual rollback | failed (the rollback itself failed)
    detected_at: float | None
    recovered_at: float | None


def production_deploys(facts: Sequence[DeployFact], environment: str, period: Period) -> list[DeployFact]:
    return [d for d in facts if d.kind == "deploy" and d.environment == environment and d.state in TERMINAL
            and period.contains(d.started_at)]


def judge_changes(facts: Sequence[DeployFact], autos: Sequence[AutoRollback], environment: str,
                  period: Period, rollback_within: float) -> list[ChangeOutcome]:
    """Each ended production deployment of the period, judged (facts: every deployment of the environment,
    including those after the period, so a late rollback or recovery is seen)."""
    by_target: dict[str, _Timeline] = {}
    for d in sorted(facts, key=lambda f: f.started_at):
        if d.environment == environment:
            by_target.setdefault(d.service, _Timeline()).add(d)
    autos_of: dict[str, list[AutoRollback]] = {}
    for a in sorted(autos, key=lambda a: a.at):
        if a.environment == environment:
            autos_of.setdefault(a.service, []).append(a)
    times = {service: [a.at for a in rows] for service, rows in autos_of.items()}
    return [_judge(d, by_target[d.service], autos_of.get(d.service, []), times.get(d.service, []), rollback_within)
            for d in production_deploys(facts, environment, period)]


class _Timeline:
    """One service's deployments in start order; lookups walk forward from a point (no quadratic scans)."""

    def __init__(self) -> None:
        self.rows: list[DeployFact] = []
        self.starts: list[float] = []

    def add(self, d: DeployFact) -> None:
        self.rows.append(d)
        self.starts.append(d.started_at)

    def after(self, t: float) -> Iterator[DeployFact]:
        """Deployments that started after ``t``, in order."""
        for i in range(bisect_right(self.starts, t), len(self.rows)):
            yield self.rows[i]


def _judge(d: DeployFact, same: _Timeline, autos: list[AutoRollback], auto_times: list[float],
           rollback_within: float) -> ChangeOutcome:
    if d.state in ("rolled_back", "failed"):
        reason = "failed" if d.state == "failed" else _rollback_reason(d)
        detected = d.rolling_back_at or d.finished_at
        recovered = d.finished_at if d.state == "rolled_back" else _next_success(same, detected)
        return ChangeOutcome(d, True, reason, detected, recovered)
    end = d.finished_at or d.started_at
    limit = end + rollback_within
    later: list[DeployFact] = []
    for x in same.after(d.started_at):
        if x.started_at > limit:
            break
        if x.kind == "deploy":
            limit = min(limit, x.started_at)   # the next change ends this one's window
            break
        later.append(x)
    first_auto = bisect_left(auto_times, end)
    auto = next((a for a in autos[first_auto:first_auto + 1] if a.at <= limit), None)
    rollback = next((x for x in later if x.kind == "rollback" and end <= x.started_at <= limit
                     and (auto is None or x.started_at >= auto.at)), None)
    if auto is None and rollback is None:
        return ChangeOutcome(d, False, None, None, None)
    if auto is not None:
        reason, detected = "crash loop (serve)", auto.at
    else:
        assert rollback is not None
        reason = "crash loop (serve)" if rollback.actor == SERVE_ACTOR else "manual rollback"
        detected = rollback.started_at
    if rollback is not None and rollback.state == "succeeded":
        recovered = rollback.finished_at
    else:
        recovered = _next_success(same, detected)
    return ChangeOutcome(d, True, reason, detected, recovered)


def _rollback_reason(d: DeployFact) -> str:
    """Why the engine rolled it back, from its recorded reason (engine/actions.py words them)."""
    error = (d.error or "").lower()
    if d.monitor_failed:
        return "monitor window"
    if "health check" in error or "level " in error:
        return "health checks"
    if "interrupt" in error or "sigint" in error or "sigterm" in error:
        return "interrupted"
    return "other"


def _next_success(same: _Timeline, after: float | None) -> float | None:
    """When a deployment or rollback next succeeded after ``after`` (the deployment lock serialises them, so the
    one that recovers starts after the failure was detected)."""
    if after is None:
        return None
    for x in same.after(after):
        if x.state == "succeeded" and x.kind in ("deploy", "rollback") and x.finished_at is not None:
            return x.finished_at
    return None


def change_failure_rate(outcomes: Sequence[ChangeOutcome]) -> Metric:
    total, failed = len(outcomes), sum(1 for o in outcomes if o.failed)
    counts = {"failed": failed, "deployments": total}
    if total == 0:
        return Metric("change_failure_rate", None, "%", None, counts, f"insufficient data: no production "
                                                                      f"deployments (minimum {MIN_COUNT})")
    rate = 100.0 * failed / total
    if total < MIN_COUNT:
        return Metric("change_failure_rate", rate, "%", None, counts,
                      f"insufficient data: {total} production deployments (minimum {MIN_COUNT})")
    band = "elite" if rate <= 5 else "high" if rate <= 10 else "medium" if rate <= 15 else "low"
    return Metric("change_failure_rate", rate, "%", band, counts)


def recovery_time(outcomes: Sequence[ChangeOutcome]) -> Metric:
    failures = [o for o in outcomes if o.failed]
    times = [o.recovered_at - o.detected_at for o in failures
             if o.recovered_at is not None and o.detected_at is not None]
    counts = {"recovered": len(times), "failures": len(failures), "not_recovered": len(failures) - len(times)}
    value = statistics.median(times) if times else None
    if len(times) < MIN_COUNT:
        return Metric("recovery_time", value, "s", None, counts,
                      f"insufficient data: {len(times)} recoveries (minimum {MIN_COUNT})")
    assert value is not None
    return Metric("recovery_time", value, "s", _duration_band(value, (HOUR_S, DAY_S, WEEK_S)), counts)


def lead_time(outcomes: Sequence[ChangeOutcome], commit_times: Mapping[str, float | None],
              not_measurable: str | None) -> Metric:
    succeeded = [o.deploy for o in outcomes if o.deploy.state == "succeeded" and o.deploy.finished_at is not None]
    if not_measurable is not None:
        return Metric("lead_time", None, "s", None, {"deployments": len(succeeded)},
                      f"not measurable: {not_measurable}")
    times = [d.finished_at - t for d in succeeded if d.finished_at is not None
             and (t := commit_times.get(d.version)) is not None]
    counts = {"measured": len(times), "deployments": len(succeeded), "unknown_commit": len(succeeded) - len(times)}
    value = statistics.median(times) if times else None
    if len(times) < MIN_COUNT:
        return Metric("lead_time", value, "s", None, counts,
                      f"insufficient data: {len(times)} deployments with a known commit time (minimum {MIN_COUNT})")
    assert value is not None
    return Metric("lead_time", value, "s", _duration_band(value, (DAY_S, WEEK_S, 30 * DAY_S)), counts)


def deployment_frequency(facts: Sequence[DeployFact], environment: str, period: Period, tz: tzinfo) -> Metric:
    """Median over 7-day slices of the window of the days with a successful production deployment (a last,
    shorter slice is scaled to 7 days)."""
    start = min(period.start, period.end - WEEK_S)
    ok = [d for d in facts if d.kind == "deploy" and d.environment == environment and d.state == "succeeded"
          and start <= d.started_at < period.end]
    days = {datetime.fromtimestamp(d.started_at, tz).date() for d in ok}
    rates: list[float] = []
    slice_start = start
    while slice_start < period.end - 1:
        slice_end = min(slice_start + WEEK_S, period.end)
        in_slice = {datetime.fromtimestamp(d.started_at, tz).date() for d in ok
                    if slice_start <= d.started_at < slice_end}
        rates.append(len(in_slice) * WEEK_S / (slice_end - slice_start))
        slice_start = slice_end
    value = statistics.median(rates) if rates else 0.0
    counts = {"deployment_days": len(days), "deployments": len(ok), "weeks": len(rates)}
    if len(ok) < MIN_COUNT:
        return Metric("deployment_frequency", value, "days/week", None, counts,
                      f"insufficient data: {len(ok)} successful production deployments (minimum {MIN_COUNT})")
    band = "elite" if value >= 5 else "high" if value >= 1 else "medium" if value >= 7 / 30 else "low"
    return Metric("deployment_frequency", value, "days/week", band, counts)


def _duration_band(seconds: float, limits: tuple[float, float, float]) -> str:
    elite, high, medium = limits
    return "elite" if seconds < elite else "high" if seconds < high else "medium" if seconds < medium else "low"
