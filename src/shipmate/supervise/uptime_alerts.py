"""Down/up incidents and burn-rate alerts of one service/environment, sent through its `notify:` URLs.

Alert state lives in the store (uptime_alerts), written BEFORE the message is sent and stamped notified_at
after: a restarted serve sees a firing alert and does not page again, and sends one that was recorded but
never sent. Durations are monotonic when this serve saw both ends; wall time is only the label.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.analysis import burn_rate
from shipmate.analysis.down_up import DownUpState, step
from shipmate.errors import ShipmateError
from shipmate.store.uptime_rows import AlertRow, UptimeSample

if TYPE_CHECKING:
    from shipmate.store.store import Store
    from shipmate.supervise.uptime_settings import UptimeSettings

log = logging.getLogger("shipmate.serve")
RAW_WINDOW_MAX_S = 6 * 3600
Send = Callable[[str, str, str, dict[str, Any], "UptimeSettings"], None]   # (service, env, event, fields, settings)
HomeSend = Callable[[Path, str, str, str, dict[str, Any], "UptimeSettings"], None]   # the same, for one home


@dataclass
class TargetState:
    service: str
    environment: str
    state: DownUpState
    streak_start: tuple[float, float] | None = None   # (wall, monotonic) of the first sample of the current streak
    incident_id: str | None = None
    incident_mono: float | None = None                 # monotonic start, when this serve saw it begin
    last_detail: str = ""


def restore(store: Store, service: str, environment: str) -> TargetState:
    """What the store says: an open incident means down (a restarted serve neither re-opens nor re-pages)."""
    found = store.uptime.open_incident_of(service, environment)
    if found is None:
        return TargetState(service, environment, DownUpState())
    return TargetState(service, environment, DownUpState(down=True), incident_id=found.id)


def observe(store: Store, t: TargetState, sample: UptimeSample, mono: float, settings: UptimeSettings,
            send: Send) -> str | None:
    """Feed one outside check; opens/closes the incident and sends down/up on a transition (returned)."""
    new, change = step(t.state, sample.ok, failure_threshold=settings.uptime.failure_threshold,
                       success_threshold=settings.uptime.success_threshold)
    if sample.ok != t.state.down:   # a sample that agrees with the state ends any streak against it
        t.streak_start = None
    elif t.streak_start is None:     # the first of a streak against the state: the incident's start or end
        t.streak_start = (sample.at, mono)
    if not sample.ok:
        t.last_detail = sample.detail or "check failed"
    try:
        if change == "down":
            start_wall, start_mono = t.streak_start or (sample.at, mono)
            row = store.uptime.open_incident(t.service, t.environment, started_at=start_wall, cause=t.last_detail)
            t.incident_id, t.incident_mono = row.id, start_mono
            _fire(store, t, "down", True, t.last_detail, settings, send, "uptime.down",
                  {"cause": t.last_detail, "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start_wall))})
        elif change == "up":
            end_wall, end_mono = t.streak_start or (sample.at, mono)
            found = store.uptime.open_incident_of(t.service, t.environment)
            if found is not None:
                duration = (end_mono - t.incident_mono if t.incident_mono is not None and found.id == t.incident_id
                            else end_wall - found.started_at)
                store.uptime.close_incident(found.id, ended_at=end_wall, duration_seconds=duration)
                _fire(store, t, "down", False, "up again", settings, send, "uptime.up",
                      {"down_for_seconds": round(max(0.0, duration), 1), "cause": found.cause})
            t.incident_id = t.incident_mono = None
    except ShipmateError as exc:   # the store is away: the transition is tried again with the next check
        log.warning("%s/%s: uptime %s not recorded: %s", t.service, t.environment, change, exc.message)
        t.state = replace(t.state, failures=min(t.state.failures, settings.uptime.failure_threshold - 1),
                          successes=min(t.state.successes, settings.uptime.success_threshold - 1))
        return None
    if change is not None:
        t.streak_start = None
    t.state = new
    return change


def evaluate_burn(store: Store, t: TargetState, now: float, settings: UptimeSettings, send: Send) -> bool:
    """The SRE workbook's multiwindow burn-rate alerts; fires page/ticket once, clears when the burn stops.
    True when no window holds a failure (so until a new failure arrives, evaluating again cannot change
    anything: windows only slide forward)."""
    if settings.slo is None:
        return False
    ratios: dict[int, float | None] = {}
    for window in burn_rate.WINDOWS:
        # Up to 6 h: exact, from the raw checks (a few thousand rows); the 3-day window from the hourly rollups
        # (+ the raw part not rolled up yet): scanning 3 days of raw checks every minute would cost more CPU.
        counts = (store.uptime.raw_counts(t.service, t.environment, now - window, now)
                  if window <= RAW_WINDOW_MAX_S
                  else store.uptime.counts(t.service, t.environment, now - window, now))
        ratios[window] = None if counts.checks == 0 else counts.failures / counts.checks
    verdict = burn_rate.evaluate(settings.slo.target, ratios)
    for severity in ("page", "ticket"):
        firing = verdict.severity == severity
        rule = verdict.rule
        detail = "" if rule is None else (f"burn rate >= {rule.factor}x over {rule.long_seconds // 3600 or 1}h and "
                                          f"{_short(rule.short_seconds)} (SLO {settings.slo.target}% over "
                                          f"{settings.slo.window})")
        rates = {f"burn_{_short(w)}": None if r is None else round(r, 2) for w, r in verdict.rates.items()}
        _fire(store, t, severity, firing, detail, settings, send, f"slo.{severity}", {"rule": detail, **rates})
    return all(not ratio for ratio in ratios.values())


def resend_unsent(store: Store, t: TargetState, settings: UptimeSettings, send: Send) -> None:
    """An alert recorded as firing but never stamped as sent (serve died in between) is sent now, once."""
    for row in store.uptime.alerts(t.service, t.environment).values():
        if row.firing and row.notified_at is None:
            event = "uptime.down" if row.alert == "down" else f"slo.{row.alert}"
            send(t.service, t.environment, event, {"cause": row.detail, "resent_after_restart": True}, settings)
            store.uptime.set_alert(replace(row, notified_at=time.time()))


def _fire(store: Store, t: TargetState, alert: str, firing: bool, detail: str, settings: UptimeSettings,
          send: Send, event: str, fields: dict[str, Any]) -> None:
    known = store.uptime.alerts(t.service, t.environment).get(alert)
    if (known is not None and known.firing) == firing:
        return   # no change: nothing to say (this is what keeps a restarted serve from paging twice)
    now = time.time()
    if not firing:
        store.uptime.set_alert(AlertRow(t.service, t.environment, alert, False, now, now, detail))
        if alert == "down":
            send(t.service, t.environment, event, fields, settings)
        return
    row = AlertRow(t.service, t.environment, alert, True, now, None, detail)
    store.uptime.set_alert(row)   # firing first: a serve killed now does not page again after its restart
    send(t.service, t.environment, event, fields, settings)
    store.uptime.set_alert(replace(row, notified_at=time.time()))


def _short(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m"
