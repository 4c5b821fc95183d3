"""The supervisor loop: every home's tick, then a wait on the pidfds of every watched instance.

Deaths wake it at once (pidfd); otherwise it ticks every TICK_S, which is also how fast a dead router is
noticed. It runs until ``stop`` is set (SIGTERM/SIGINT in `serve`) and leaves every instance running.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from shipmate.supervise.death_watch import DeathWatch
from shipmate.supervise.home_watch import HomeWatch

log = logging.getLogger("shipmate.serve")
TICK_S = 0.5


class Supervisor:
    def __init__(self, deaths: DeathWatch) -> None:
        self.deaths = deaths
        self.homes: list[HomeWatch] = []
        self.last_tick = 0.0
        self.started_at = time.time()

    def add(self, home: HomeWatch) -> None:
        self.homes.append(home)

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                now = time.time()
                for home in self.homes:
                    home.tick(now)
                self.last_tick = time.time()
                dead = self.deaths.wait(TICK_S)
                if not dead and not any(home.watched for home in self.homes):
                    stop.wait(TICK_S)   # nothing to poll on: sleep, but wake at once to stop
                for key in dead:
                    for home in self.homes:
                        if key == home.router_key:
                            home.router_died()
                        elif key in home.watched:
                            home.died(key, time.time())
        finally:
            self.deaths.close()
            for home in self.homes:
                home.close()

    def health(self) -> dict[str, Any]:
        """For /healthz: ok while the loop has ticked recently (a wedged loop is not healthy)."""
        stale = time.time() - self.last_tick if self.last_tick else None
        services = [{"home": home.home, "service": svc.service, "environment": svc.environment,
                     "version": svc.config.version if svc.config else None, "degraded": svc.degraded,
                     "restarts": svc.restarts, "pending_restarts": len(svc.pending),
                     "rollback_waiting": svc.rollback_from is not None}
                    for home in self.homes for svc in home.services.values()]
        return {"ok": stale is not None and stale < 60.0, "since_last_tick_s": stale,
                "started_at": self.started_at, "homes": [home.home for home in self.homes],
                "instances": sum(len(home.watched) for home in self.homes), "services": services}
