"""What a death of a supervised instance leads to: counted into the crash-loop window and the backoff streak,
decided by restart_policy.py (restart now or later, degraded, roll back), recorded through restarting.py, and the
restart queued on the service's watch (the loop in home_watch.py runs it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from shipmate.engine.context import Runtime
from shipmate.store.rows import InstanceRow
from shipmate.supervise import restarting
from shipmate.supervise.restart_policy import Action, PolicySettings, decide, next_streak
from shipmate.supervise.watch_state import Pending, ServiceWatch

log = logging.getLogger("shipmate.serve")


def judge_death(rt: Runtime, svc: ServiceWatch, row: InstanceRow, now: float, settings: PolicySettings,
                fact: Callable[[str, str], None], *, counted: bool, ended: dict[str, Any] | None,
                restarted_by_engine: bool) -> None:
    """Count a death, decide (restart now or later, degraded, roll back), record it, and queue what follows."""
    assert svc.config is not None
    ended = ended or restarting.exit_record(rt, row)
    ended = {**ended, "counted": counted}
    fact("restart" if restarted_by_engine else "death", str(ended.get("status") or "died"))
    ran = now - float(row.supervision.get("started_at") or row.created_at)
    if counted:
        svc.deaths.append(now)
        svc.streak = next_streak(svc.streak, ran, settings)
    can_roll_back = rt.store.last_verified_release(svc.service, svc.environment,
                                                   exclude_release_id=svc.release_id) is not None
    decision = decide(now=now, release_deaths=tuple(svc.deaths), current_since=svc.current_since,
                      streak=max(svc.streak, 1), settings=settings, can_roll_back=can_roll_back)
    log.warning("%s: %s %s; %s", svc.key, row.instance_id, ended["status"], decision.reason)
    said = {"action": str(decision.action), "reason": decision.reason, "delay_s": decision.delay_s,
            "streak": svc.streak}   # what the death event records, and the restart carries along
    if restarted_by_engine:
        restarting.record_engine_restart(rt, row, svc.config, ended, decision.reason)
    else:
        at_once = decision.action is not Action.ROLLBACK and decision.delay_s == 0
        restarting.record_death(rt, row, svc.config, ended, said, mark=not at_once)
    if decision.action is Action.ROLLBACK:
        svc.rollback_from = {"release_id": svc.release_id, "version": svc.config.version,
                             "deaths": decision.recent_deaths, "reason": decision.reason, "last_exit": ended}
        return
    svc.degraded = decision.action is Action.DEGRADED
    svc.restarts += 1
    if not restarted_by_engine:
        dead = row if decision.delay_s == 0 else None
        svc.pending.append(Pending(now + decision.delay_s, ended, svc.restarts, dead, said))

