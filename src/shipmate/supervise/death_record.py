"""A release's recent deaths as serve recorded them (`instance.died` audit events): a new `serve`, the old one
killed, continues the crash-loop count and the backoff streak from here instead of starting over."""

from __future__ import annotations

import logging

from shipmate.store.store import Store
from shipmate.supervise.watch_state import ServiceWatch

log = logging.getLogger("shipmate.serve")
LOOKBACK = 500   # events read back per service (a crash loop is a handful of them)


def deaths_on_record(store: Store, svc: ServiceWatch, now: float, crash_within_s: float) -> tuple[list[float], int]:
    """(when the current release's counted deaths happened inside the window, the streak after the last one)."""
    assert svc.config is not None
    deaths: list[float] = []
    streak = 0
    for event in store.events(service=svc.service, environment=svc.environment, limit=LOOKBACK):
        data = event.data or {}
        at = float(data.get("at") or 0.0)
        if (event.event_type != "instance.died" or event.version != svc.config.version or not data.get("counted")
                or at < svc.current_since or now - at > crash_within_s):
            continue
        deaths.append(at)
        streak = int((data.get("decision") or {}).get("streak") or streak)
    if deaths:
        log.info("%s: %d death(s) of %s on record within the crash-loop window (streak %d)",
                 svc.key, len(deaths), svc.config.version, streak)
    return sorted(deaths), streak
