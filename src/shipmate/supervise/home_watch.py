"""Everything `serve` watches in one state home: the current releases, their instances, the router.

Read from the store on each refresh (nothing here is the truth: a new `serve` rebuilds it all), written
back through restarting.py. A store that is locked or unreachable for a while is logged and retried; what
is already watched stays watched meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from shipmate.engine.context import Runtime, ref_of
from shipmate.engine.instance_releases import current_with_instances
from shipmate.errors import LockHeldError, ShipmateError
from shipmate.release_config import ReleaseConfig
from shipmate.store.rows import InstanceRow
from shipmate.supervise import liveness, restarting
from shipmate.supervise.death_judging import judge_death
from shipmate.supervise.death_record import deaths_on_record
from shipmate.supervise.death_watch import DeathWatch
from shipmate.supervise.restart_policy import PolicySettings
from shipmate.supervise.restart_workers import Finished, RestartWorkers
from shipmate.supervise.router_keeper import RouterKeeper
from shipmate.supervise.store_stamp import StoreStamp
from shipmate.supervise.watch_state import Pending, ServiceWatch, Watched

log = logging.getLogger("shipmate.serve")
RETRY_S = 1.0       # a change refused (lock held by a deploy, store busy) is tried again after this
REFRESH_S = 2.0     # new deploys, rollbacks and `down` are picked up this often (when the store changed)
QUIET_REFRESH_S = 30.0   # and this often anyway


RollBack = Callable[[str, str, dict[str, Any]], str]   # (service, environment, evidence) -> outcome
Fact = Callable[[str, str, str, str, str], None]   # (home, service, environment, source, detail): uptime counts it


class HomeWatch:
    def __init__(self, home: str, open_runtime: Callable[[], Runtime],
                 settings_of: Callable[[str, str], PolicySettings], roll_back: RollBack, deaths: DeathWatch,
                 on_fact: Fact | None = None) -> None:
        self.home = home
        self._on_fact = on_fact or (lambda *_: None)
        self._open_runtime = open_runtime
        self._settings_of = settings_of
        self._roll_back = roll_back
        self._deaths = deaths
        self._rt: Runtime | None = None
        self.services: dict[str, ServiceWatch] = {}
        self.watched: dict[str, Watched] = {}
        self._next_refresh = 0.0
        self._quiet_refresh = 0.0
        self._stamp = StoreStamp(home)
        self.router = RouterKeeper(home, deaths)
        self.router_key = self.router.key
        self._restarts = RestartWorkers(home)

    # -- the store ------------------------------------------------------------------------------------

    def runtime(self) -> Runtime:
        if self._rt is None:
            self._rt = self._open_runtime()
        return self._rt

    def close(self) -> None:
        self._restarts.close()   # bounded: a restart still waiting for health is left to the next serve
        if self._rt is not None:
            self._rt.store.close()
            self._rt = None

    def tick(self, now: float) -> None:
        """Refresh from the store when due, keep the router up, run due restarts, rollbacks and liveness."""
        try:
            rt = self.runtime()
            for svc in list(self.services.values()):
                self._act(rt, svc, now)   # restarts first: a death's own writes must not delay its restart
            if now >= self._next_refresh and (self._stamp.changed(rt.store) or now >= self._quiet_refresh):
                self._refresh(rt, now)
                self._next_refresh, self._quiet_refresh = now + REFRESH_S, now + QUIET_REFRESH_S
            if self.services and rt.target.capabilities.routable:
                self.router.keep(rt, now, busy=lambda: any(self._busy(rt, svc) for svc in self.services.values()))
            for watched in list(self.watched.values()):
                if now >= watched.next_check:
                    self._check(rt, watched, now)
        except ShipmateError as exc:
            log.warning("%s: %s (kept what is known; trying again)", self.home, exc.message)
            self._next_refresh = self._quiet_refresh = now + RETRY_S

    def router_died(self) -> None:
        self.router.died()

    def _refresh(self, rt: Runtime, now: float) -> None:
        seen: set[str] = set()
        for cur in current_with_instances(rt.store):   # a files release has nothing to supervise
            key = f"{cur.service}/{cur.environment}"
            seen.add(key)
            svc = self.services.setdefault(key, ServiceWatch(cur.service, cur.environment))
            if svc.release_id != cur.release_id:
                rel = rt.store.get_release(cur.release_id)
                if rel is None:
                    continue
                self._forget_service(svc)
                svc.release_id, svc.config = rel.id, ReleaseConfig.from_dict(rel.spec)
                svc.pending, svc.degraded, svc.rollback_from = [], False, None
                svc.deployment_id, svc.current_since = cur.deployment_id, cur.updated_at
                settings = self._settings_of(svc.service, svc.environment)
                svc.deaths, svc.streak = deaths_on_record(rt.store, svc, now, settings.crash_within_s)
            svc.deployment_id, svc.current_since = cur.deployment_id, cur.updated_at
            self._adopt(rt, svc, now)
        for key in [k for k in self.services if k not in seen]:
            self._forget_service(self.services.pop(key))   # `down`: nothing current any more
        self._started = True

    def _forget_service(self, svc: ServiceWatch) -> None:
        for instance_id in [i for i, w in self.watched.items() if w.svc is svc]:
            self._deaths.forget(instance_id)
            del self.watched[instance_id]

    def _busy(self, rt: Runtime, svc: ServiceWatch) -> bool:
        """Someone else (a deploy, a rollback, `down`) holds the service's lock: hands off meanwhile."""
        return rt.store.lock_owner_alive(svc.key)

    def _adopt(self, rt: Runtime, svc: ServiceWatch, now: float) -> None:
        """Watch every live instance of the current release; start the missing ones (after a reboot, say)."""
        if svc.config is None or rt.target.capabilities.native_rollout or self._busy(rt, svc):
            return   # Swarm restarts its own tasks
        rows = [r for r in rt.store.instances(svc.service, svc.environment, live_only=True)
                if r.release_id == svc.release_id]
        replacing = {p.dead.instance_id for p in svc.pending if p.dead is not None}
        for row in rows:
            if row.instance_id in replacing:
                continue   # dead, its replacement already on the way (the row is marked when it starts)
            if row.instance_id in self.watched:
                self.watched[row.instance_id].row = row
                continue
            seen = rt.target.inspect(ref_of(row).handle)
            if not seen.alive:
                # Found dead, not seen dying (a reboot, a serve that was down): restart, but no crash-loop count.
                self._died(rt, svc, row, now, counted=False)
                continue
            rt.target.mend(ref_of(row))
            watched = Watched(row, svc, next_check=now + self._settings_of(svc.service, svc.environment).interval_s,
                              engine_restarts=seen.restarts or 0)
            pidfd = row.target_kind == "process" and row.pid and self._deaths.watch(row.instance_id, row.pid)
            watched.polled = not pidfd
            if not watched.polled and not rt.target.is_alive(ref_of(row)):
                self._deaths.forget(row.instance_id)   # it died between the look and the pidfd
                self._died(rt, svc, row, now, counted=True)
                continue
            self.watched[row.instance_id] = watched
            log.info("%s: watching %s (pid %s)", svc.key, row.instance_id, row.pid)
        live = sum(1 for w in self.watched.values() if w.svc is svc) + len(svc.pending)
        for _ in range(max(0, svc.config.replicas - live)):
            svc.pending.append(Pending(now, {"instance_id": "", "status": "missing: below the replica count",
                                             "at": now, "last_lines": []}, svc.restarts))

    # -- deaths ---------------------------------------------------------------------------------------

    def died(self, instance_id: str, now: float) -> None:
        """The pidfd of a watched instance fired."""
        watched = self.watched.pop(instance_id, None)
        if watched is None:
            return
        try:
            rt = self.runtime()
            if self._busy(rt, watched.svc):
                watched.svc.suspects[instance_id] = now   # likely stopped by that deploy: judged once it ends
                return
            fresh = rt.store.get_instance(instance_id)
            if fresh is None or not fresh.live or fresh.release_id != watched.svc.release_id:
                return   # stopped on purpose (deploy, rollback, down)
            self._died(rt, watched.svc, fresh, now, counted=True)
        except ShipmateError as exc:
            log.warning("%s: %s died, but the store says: %s (trying again)", self.home, instance_id, exc.message)
            watched.svc.suspects[instance_id] = now

    def _died(self, rt: Runtime, svc: ServiceWatch, row: InstanceRow, now: float, *, counted: bool,
              ended: dict[str, Any] | None = None, restarted_by_engine: bool = False) -> None:
        assert svc.config is not None
        judge_death(rt, svc, row, now, self._settings_of(svc.service, svc.environment),
                    lambda source, detail: self._on_fact(self.home, svc.service, svc.environment, source, detail),
                    counted=counted, ended=ended, restarted_by_engine=restarted_by_engine)

    # -- acting ---------------------------------------------------------------------------------------

    def _act(self, rt: Runtime, svc: ServiceWatch, now: float) -> None:
        if svc.config is None:
            return
        if svc.suspects and not self._busy(rt, svc):
            for instance_id in list(svc.suspects):
                del svc.suspects[instance_id]
                fresh = rt.store.get_instance(instance_id)
                if fresh is not None and fresh.live and fresh.release_id == svc.release_id:
                    self._died(rt, svc, fresh, now, counted=True)
        if svc.rollback_from is not None:
            self._auto_rollback(svc, now)
            return
        done = self._restarts.done(svc.key)
        if done is not None:
            self._restarted(rt, svc, done, now)
        if self._restarts.busy(svc.key):
            return   # one restart of a service at a time: never two of one instance
        due = [p for p in svc.pending if p.due <= now]
        if due:
            pending, config, release_id, deployment_id = due[0], svc.config, svc.release_id, svc.deployment_id
            self._restarts.begin(svc.key, pending, lambda: restarting.restart(
                rt, config, release_id, deployment_id, pending.replaces, pending.restarts, pending.dead,
                pending.decision))

    def _restarted(self, rt: Runtime, svc: ServiceWatch, done: Finished, now: float) -> None:
        """A restart's worker finished: what it brought is judged here, on the loop."""
        pending, row, error = done
        if isinstance(error, LockHeldError):
            pending.due = now + RETRY_S
            log.info("%s: restart waits: the service's lock is held (a deploy wins)", svc.key)
            return
        if pending in svc.pending:
            svc.pending.remove(pending)
        if error is not None:
            log.warning("%s: restart failed: %s (trying again)", svc.key, error)
            svc.pending.append(Pending(now + RETRY_S, pending.replaces, pending.restarts, pending.dead,
                                       pending.decision))
            return
        assert row is not None
        if row.status != "running":   # never became healthy: a death like any other (backoff, crash loop)
            self._died(rt, svc, row, now, counted=True, ended=dict(row.supervision.get("last_exit") or {}))
            return
        log.info("%s: restarted as %s (pid %s)", svc.key, row.instance_id, row.pid)
        self._next_refresh = now   # adopt it (pidfd) at once

    def _auto_rollback(self, svc: ServiceWatch, now: float) -> None:
        evidence = svc.rollback_from or {}
        outcome = self._roll_back(svc.service, svc.environment, evidence)
        if outcome == "lock_held":
            log.info("%s: automatic rollback waits: a deploy holds the lock", svc.key)
            return
        log.warning("%s: automatic rollback: %s", svc.key, outcome)
        svc.rollback_from = None
        self._next_refresh = now

    def _check(self, rt: Runtime, watched: Watched, now: float) -> None:
        svc, row = watched.svc, watched.row
        settings = self._settings_of(svc.service, svc.environment)
        watched.next_check = now + settings.interval_s
        if svc.config is None or self._busy(rt, svc):
            return
        note = rt.target.mend(ref_of(row))
        if note:
            log.info("%s: %s: %s", svc.key, row.instance_id, note)
        if watched.polled:
            seen = rt.target.inspect(ref_of(row).handle)
            if not seen.alive:
                self.watched.pop(row.instance_id, None)
                self._died(rt, svc, row, now, counted=True)
                return
            if (seen.restarts or 0) > watched.engine_restarts:   # Docker restarted it by its policy: still a death
                watched.engine_restarts = seen.restarts or 0
                self._died(rt, svc, row, now, counted=True, restarted_by_engine=True,
                           ended={**restarting.exit_record(rt, row), "status": f"restarted by the engine "
                                  f"(restart {watched.engine_restarts})"})
                if svc.rollback_from is not None:
                    return
                # a restarted app gets what a new instance gets: health.deadline to become healthy
                watched.grace_until = now + svc.config.health.deadline_s
        passed, detail = liveness.check(rt, svc.config, row)
        if not passed and now < watched.grace_until:
            return   # still starting after its engine restarted it: not a liveness failure yet
        if not passed:
            self._on_fact(self.home, svc.service, svc.environment, "liveness", detail)
        was_in = watched.liveness.in_rotation()
        watched.liveness = watched.liveness.after(passed)
        if watched.liveness.must_restart(settings):
            self._deaths.forget(row.instance_id)
            self.watched.pop(row.instance_id, None)
            why = f"liveness failed {watched.liveness.failures} times in a row ({detail})"
            ended = restarting.stop_hung(rt, svc.config, row, why)
            self._died(rt, svc, row, now, counted=True, ended=ended)
        elif was_in != watched.liveness.in_rotation():
            restarting.set_rotation(rt, svc.config, row, watched.liveness.in_rotation(), detail or "checks pass again")
