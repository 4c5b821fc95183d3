"""report: DORA keys and the other figures of a period, computed from the store (never from a face's cache).

ops composes: the store reads rows (store/report_reading.py), analysis/ computes (dora.py, report_figures.py),
git_repo.py answers commit times for the lead time. The renderers (shipmate/reports/) turn the result into
Markdown or HTML; `serve` sends the scheduled ones (ops/sending_reports.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from shipmate.errors import InvalidInputError
from shipmate.ops.common.workspace import Workspace, resolve_environment
from shipmate.ops.results.reports import PeriodFigures, ReportResult

if TYPE_CHECKING:
    from pathlib import Path

    from shipmate.analysis.dora import ChangeOutcome
    from shipmate.analysis.report_facts import Period
    from shipmate.spec.models import Spec
    from shipmate.store.store import Store

FORMATS = ("md", "html", "json")
DEFAULT_ROLLBACK_WITHIN = 3600.0


def report(spec_file: str | None, *, period: str = "week", since: str | None = None,
           environment: str | None = None, compare: bool = False, fmt: str = "json",
           now: float | None = None) -> ReportResult:
    """The report of one period: ``since`` (a date or ISO time) starts it, else it ends now. ``fmt``: the format
    it will be rendered in, checked first so a bad one fails before any work."""
    from shipmate.analysis.report_facts import PERIODS, period_ending, period_from

    _check_format(fmt)
    if period not in PERIODS:
        raise InvalidInputError(f"unknown period {period!r}", hint="use --period day, week or month")
    ws = Workspace.locate(spec_file)
    spec, env = _spec_and_env(ws, environment)
    tz_name = spec.reports.timezone if spec.reports is not None else "UTC"
    tz = ZoneInfo(tz_name)
    now = time.time() if now is None else now
    span = (period_from(period, parse_since(since, tz)) if since is not None
            else period_ending(period, datetime.fromtimestamp(now, tz)))
    span = type(span)(span.kind, span.start, span.end, tz_name)
    store = ws.open_store_readonly()
    rollback_within = float(spec.supervise.rollback_within)
    versions_from_git = spec.version == "git"
    tag_format = spec.release.tag_format if spec.release is not None else "v{version}"
    # `slo:` (the uptime part of issue 20) gives the error budget's target when the spec has one.
    slo_target = getattr(getattr(spec, "slo", None), "target", None)
    try:
        current = figures(store, ws, env, span, rollback_within=rollback_within, git=versions_from_git, now=now,
                          slo_target=slo_target, tag_format=tag_format)
        previous = (figures(store, ws, env, span.previous(), rollback_within=rollback_within,
                            git=versions_from_git, now=now, slo_target=slo_target, tag_format=tag_format)
                    if compare else None)
        services = store.reports.services(env) if store is not None else []
    finally:
        if store is not None:
            store.close()
    from shipmate.analysis.dora import BANDS_TEXT, DEFINITIONS, MIN_COUNT

    return ReportResult(period=period, environment=env, timezone=tz_name, services=services,
                        generated_at=_iso(now), minimum_count=MIN_COUNT, definitions=dict(DEFINITIONS),
                        bands=dict(BANDS_TEXT), current=current, previous=previous)


def parse_since(text: str, tz: ZoneInfo) -> datetime:
    """YYYY-MM-DD (midnight in the report's timezone) or an ISO time; InvalidInputError (exit 2) otherwise."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tz)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"--since: {text!r} is not a date",
                                hint="use YYYY-MM-DD (e.g. 2026-12-01) or an ISO time (2026-12-01T08:00)") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def figures(store: Store | None, ws: Workspace, env: str, span: Period, *, rollback_within: float, git: bool,
            now: float, slo_target: float | None = None, tag_format: str = "v{version}") -> PeriodFigures:
    """One period's figures; an absent store (never deployed) gives the same shape with nothing in it."""
    from shipmate.analysis import dora, report_figures
    from shipmate.analysis.dora import WEEK_S
    from shipmate.analysis.report_figures import Rate
    from shipmate.ops.common.report_uptime import uptime_lines

    tz = ZoneInfo(span.tz_name)
    since = min(span.start, span.end - WEEK_S)
    facts = store.reports.deploy_facts(env, since) if store is not None else []
    autos = store.reports.auto_rollbacks(env, since) if store is not None else []
    approvals = store.reports.approvals(env, span.start, span.end) if store is not None else []
    signatures = store.reports.failure_signatures(env, span.start, span.end) if store is not None else []
    outcomes = dora.judge_changes(facts, autos, env, span, rollback_within)
    commit_times, not_measurable = _commit_times(ws, outcomes, git, tag_format)
    by_reason = report_figures.rollbacks_by_reason(outcomes)
    rolled_back = sum(r.numerator for r in by_reason.values())
    services = store.reports.services(env) if store is not None else []
    uptime, uptime_note, mttr, incident_count = uptime_lines(store, services, env, span, now=now,
                                                             slo_target=slo_target)
    appr = report_figures.approvals(approvals, env, span)
    empty = not outcomes and appr.requested == 0 and not any(u.checks for u in uptime)
    return PeriodFigures(
        start=_iso(span.start), end=_iso(span.end), empty=empty,
        dora={"deployment_frequency": dora.deployment_frequency(facts, env, span, tz),
              "lead_time": dora.lead_time(outcomes, commit_times, not_measurable),
              "change_failure_rate": dora.change_failure_rate(outcomes),
              "recovery_time": dora.recovery_time(outcomes)},
        success_rate=report_figures.success_rate(outcomes), rollback_rate=Rate(rolled_back, len(outcomes)),
        rollbacks_by_reason=by_reason, calibration=report_figures.calibration(outcomes), approvals=appr,
        uptime=uptime, uptime_note=uptime_note, incident_mttr_seconds=mttr, incidents=incident_count,
        failure_signatures=signatures, daily=report_figures.daily_series(outcomes, span, tz))


def _commit_times(ws: Workspace, outcomes: list[ChangeOutcome], git: bool,
                  tag_format: str) -> tuple[dict[str, float | None], str | None]:
    if not git:
        return {}, "versions are not from git (the spec's `version:` is not \"git\"), so no commit time is known"
    from shipmate import git_repo

    versions = sorted({o.deploy.version for o in outcomes})
    return git_repo.commit_times(ws.spec_path.parent, versions, tag_format=tag_format)


def _spec_and_env(ws: Workspace, environment: str | None) -> tuple[Spec, str]:
    """Today's spec (rollback_within, timezone, whether versions come from git) and the environment: -e, else
    production when declared, else the first one."""
    spec = today_spec(ws.spec_path)
    if environment is not None and not spec.environments:
        # A spec without environments has only "default": another name is an error, as for every command.
        return spec, resolve_environment([], environment)
    return spec, choose_environment(spec, environment)


def choose_environment(spec: Spec, environment: str | None) -> str:
    """The one asked for (checked), else production when declared, else the first declared one."""
    declared = list(spec.environments) or ["default"]
    if environment is None:
        return "production" if "production" in declared else declared[0]
    return resolve_environment(declared, environment) if spec.environments else environment


def today_spec(path: Path) -> Spec:
    """The spec file as it is now (rollback_within, reports:, notify:, whether versions come from git)."""
    from shipmate.spec.loader import load_spec

    # The version is not needed (the releases in the store have theirs), so `version: git` runs no git here.
    return load_spec(path, environment=None, describe=lambda *_: "unused").spec


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInputError(f"unknown format {fmt!r}", hint="use --format md, html or json")


def render_report(result: ReportResult | Mapping[str, Any], fmt: str) -> str:
    """The report (or its JSON object) as text in ``fmt`` (md | html | json); InvalidInputError (exit 2) for
    another format."""
    import json

    _check_format(fmt)
    data = result.to_json() if isinstance(result, ReportResult) else dict(result)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False)
    if fmt == "md":
        from shipmate.reports.markdown import render_markdown

        return render_markdown(data)
    from shipmate.reports.html import render_html

    return render_html(data)
