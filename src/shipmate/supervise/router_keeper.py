"""The router daemon back within a second: its pid is watched by pidfd (a death wakes the loop at once), and a
ping now and then catches one that hangs. It restores its durable route table by itself when started."""

from __future__ import annotations

import logging
from collections.abc import Callable

from shipmate.engine.context import Runtime
from shipmate.engine.instance_releases import current_with_instances
from shipmate.supervise.death_watch import DeathWatch
from shipmate.supervise.restarting import SERVE_ACTOR

log = logging.getLogger("shipmate.serve")
PING_S = 5.0


class RouterKeeper:
    def __init__(self, home: str, deaths: DeathWatch) -> None:
        self.home = home
        self.key = f"router:{home}"
        self._deaths = deaths
        self._next_ping = 0.0

    def died(self) -> None:
        """Its pidfd fired: look again at the next tick."""
        self._next_ping = 0.0

    def keep(self, rt: Runtime, now: float, *, busy: Callable[[], bool]) -> None:
        if self.key in self._deaths and now < self._next_ping:
            return
        self._next_ping = now + PING_S
        pid = rt.router.daemon_pid()
        if pid is None:
            current = current_with_instances(rt.store)   # a files release needs no router
            if not current or busy():
                return   # `down` (or a deploy) stopped it on purpose: what is current is read again first
            rt.router.ensure_running()
            pid = rt.router.daemon_pid()
            log.warning("%s: the router was not running: started again with its saved routes", self.home)
            for cur in current:
                rt.store.append_event(event_type="router.restarted", service=cur.service,
                                      environment=cur.environment, version=None, status="running",
                                      deployed_by=SERVE_ACTOR, notes="the router daemon was gone; serve started it")
        self._deaths.forget(self.key)
        if pid is not None:
            self._deaths.watch(self.key, pid)
