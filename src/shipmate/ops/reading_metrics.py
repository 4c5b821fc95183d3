"""`/metrics`: deployments, rollbacks, restarts, releases, uptime and SLOs, approvals and locks of every home
`serve` watches, read from their stores on each scrape (no face keeps figures)."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from shipmate.errors import ShipmateError
from shipmate.ops.common.uptime_reading import slo_window_length, slo_window_start
from shipmate.ops.results.metrics import DEPLOYMENT_BUCKETS_S, LabeledHistogram, LabeledValue, MetricsSnapshot

if TYPE_CHECKING:
    from shipmate.spec.uptime_spec import SloSpec
    from shipmate.store.store import Store

log = logging.getLogger("shipmate.serve")
LATENCY_WINDOW_S = 3600.0
_slo_cache: dict[tuple[str, str], tuple[float, str, SloSpec | None]] = {}   # parsed specs, by file mtime


def metrics(homes: list[str], *, now: float | None = None) -> MetricsSnapshot:
    from shipmate.store.store import Store

    now = time.time() if now is None else now
    snap = MetricsSnapshot()
    unreadable = 0
    for home in homes:
        try:
            store = Store.open_readonly(Path(home))
            if store is None:
                continue
            with store:
                _read_home(store, Path(home), snap, now)
        except ShipmateError as exc:
            log.warning("/metrics: %s unreadable: %s", home, exc.message)
            unreadable += 1
    return dataclasses.replace(snap, unreadable_homes=unreadable)


def _labels(service: str, environment: str, **more: str) -> dict[str, str]:
    return {"service": service, "environment": environment, **more}


def _read_home(store: Store, home: Path, snap: MetricsSnapshot, now: float) -> None:
    reads = store.metric_reads
    outcomes: Counter[tuple[str, str, str]] = Counter()
    reasons: Counter[tuple[str, str, str]] = Counter()
    durations: dict[tuple[str, str], list[float]] = {}
    for d in reads.finished_deployments():
        if d.kind == "rollback":
            reasons[(d.service, d.environment, "crash_loop" if d.actor == "shipmate-serve" else "manual")] += 1
        elif d.kind != "down":
            outcomes[(d.service, d.environment, d.state)] += 1
            durations.setdefault((d.service, d.environment), []).append(d.seconds)
            if d.state == "rolled_back":
                reasons[(d.service, d.environment, "failed_deploy")] += 1
    snap.deployments.extend(LabeledValue(_labels(s, e, outcome=o), n) for (s, e, o), n in sorted(outcomes.items()))
    snap.rollbacks.extend(LabeledValue(_labels(s, e, reason=r), n) for (s, e, r), n in sorted(reasons.items()))
    for (s, e), values in sorted(durations.items()):
        buckets = [(b, sum(1 for v in values if v <= b)) for b in DEPLOYMENT_BUCKETS_S] + [(float("inf"), len(values))]
        snap.deployment_seconds.append(LabeledHistogram(_labels(s, e), buckets, len(values), sum(values)))
    snap.restarts.extend(LabeledValue(_labels(s, e), n) for (s, e), n in
                         sorted(reads.event_counts("instance.restarted").items()))
    snap.approvals_pending.extend(LabeledValue(_labels(s, e), n) for (s, e), n in
                                  sorted(reads.pending_approvals().items()))
    for lock in store.locks():
        if lock.held:
            snap.locks_held.append(LabeledValue({"lock": lock.key, "holder": str(lock.owner.get("actor", "?"))}, 1))
    for cur in store.all_current():
        rel = store.get_release(cur.release_id)
        s, e = cur.service, cur.environment
        if rel is not None:
            snap.releases.append(LabeledValue(_labels(s, e, version=rel.version, artifact=rel.digest[:12]), 1))
        _uptime(store, home, s, e, snap, now)


def _uptime(store: Store, home: Path, service: str, environment: str, snap: MetricsSnapshot, now: float) -> None:
    from shipmate.analysis.uptime_math import LATENCY_BUCKETS_MS, error_budget

    labels = _labels(service, environment)
    month = store.uptime.counts(service, environment, now - 30 * 86400, now)
    if month.ratio is not None:
        snap.uptime_30d.append(LabeledValue(labels, month.ratio))
    snap.service_up.append(LabeledValue(labels, 0 if store.uptime.open_incident_of(service, environment) else 1))
    hour = store.uptime.counts(service, environment, now - LATENCY_WINDOW_S, now)
    timed = sum(hour.latency_buckets)
    if timed:
        running, buckets = 0, []
        for bound, count in zip((*LATENCY_BUCKETS_MS, float("inf")), hour.latency_buckets, strict=True):
            running += count
            buckets.append((bound / 1000, running))
        snap.probe_latency.append(LabeledHistogram(labels, buckets, timed, hour.latency_sum_ms / 1000))
    slo = _slo(home, service, environment)
    if slo is not None:
        since = slo_window_start(slo.window, now)
        window = store.uptime.counts(service, environment, since, now)
        budget = error_budget(slo.target, slo_window_length(slo.window, now), window.bad_seconds)
        snap.slo_target.append(LabeledValue(labels, round(slo.target / 100, 9)))
        snap.error_budget_left_seconds.append(LabeledValue(labels, budget.left_minutes * 60))


def _slo(home: Path, service: str, environment: str) -> SloSpec | None:
    """The service's `slo:` from its spec (the host registry's entry, else the spec beside the home)."""
    from shipmate.spec.loader import load_spec
    from shipmate.spec.service_names import read_service_names
    from shipmate.supervise import registry

    entries, _ = registry.entries()
    candidates = [e.spec for e in entries if e.home == home.absolute()] + [home.parent / "shipmate.yaml"]
    for spec in candidates:
        try:
            mtime = spec.stat().st_mtime
            key = (str(spec), environment)
            cached = _slo_cache.get(key)
            if cached is None or cached[0] != mtime:
                name = read_service_names(spec)[0]
                slo = load_spec(spec, environment=environment).spec.slo if name == service else None
                cached = _slo_cache[key] = (mtime, name, slo)
            if cached[1] == service:
                return cached[2]
        except (OSError, ShipmateError):
            continue
    return None
