"""The uptime prober of `shipmate serve`: every current service/environment checked from outside, on its own
thread and pool, so a slow or hanging service never stalls the supervisor loop.

Scheduling and durations use the monotonic clock; wall time only labels samples (and keys their hour). One
check per service is in flight at a time; one that has not answered after its timeout (plus a grace) counts as
failed ("hung") at once, and its late answer is dropped. Deaths, restarts and failed liveness rounds that the
supervisor loop sees arrive through fact() and count as failed samples (span 0: no budget time of their own).
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipmate.analysis.uptime_math import hour_of
from shipmate.errors import ShipmateError
from shipmate.release_config import ReleaseConfig
from shipmate.store.store import Store
from shipmate.store.uptime_rows import UptimeSample
from shipmate.supervise import uptime_alerts
from shipmate.supervise.uptime_buffer import SampleBuffer
from shipmate.supervise.uptime_checks import CheckOutcome, check_once, public_checks
from shipmate.supervise.uptime_settings import SettingsCache, UptimeSettings

log = logging.getLogger("shipmate.serve")
TICK_S = 0.2
REFRESH_S = 10.0          # new deploys, rollbacks and `down` are picked up this often
FLUSH_S = 5.0             # samples are written in batches this often (a write also makes serve re-stamp the home)
FLUSH_RETRY_S = 15.0      # after the store refused: it is asked again this often
BURN_S = 60.0             # burn-rate alerts are evaluated this often
HOUSEKEEPING_S = 300.0    # rollups and retention
HANG_GRACE_S = 2.0
HOURLY_KEEP_S = 400 * 86400
WORKERS = 16


@dataclass
class _Target:
    config: ReleaseConfig
    settings: UptimeSettings
    alerts: uptime_alerts.TargetState
    release_id: str
    next_due: float
    in_flight: Future[CheckOutcome] | None = None
    submitted: float = 0.0
    hung: bool = False
    burn_quiet: bool = False   # the last burn-rate look found no failure in any window, and none came since


@dataclass
class _Home:
    path: Path
    settings: SettingsCache
    store: Store | None = None
    buffer: SampleBuffer = field(default_factory=SampleBuffer)
    targets: dict[tuple[str, str], _Target] = field(default_factory=dict)
    next_refresh: float = 0.0
    next_flush: float = 0.0
    next_burn: float = 0.0
    next_housekeeping: float = 0.0
    rolled_from: float | None = None


class UptimeProber:
    def __init__(self, homes: list[tuple[Path, dict[str, Path]]], *, send: uptime_alerts.HomeSend) -> None:
        self._homes = {str(path): _Home(path, SettingsCache(specs)) for path, specs in homes}
        self._home_send = send
        self._facts: queue.SimpleQueue[tuple[str, str, str, str, str, float]] = queue.SimpleQueue()
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="uptime-probe")
        self.last_tick = 0.0

    def _send(self, home: _Home) -> uptime_alerts.Send:
        def send(service: str, environment: str, event: str, fields: dict[str, Any],
                 settings: UptimeSettings) -> None:
            self._home_send(home.path, service, environment, event, fields, settings)

        return send

    def fact(self, home: str, service: str, environment: str, source: str, detail: str) -> None:
        """From the supervisor loop (any thread): a death, restart or failed liveness round counts as failed."""
        self._facts.put((home, service, environment, source, detail, time.time()))

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.wait(TICK_S):
                for home in self._homes.values():
                    try:
                        self._tick(home, time.monotonic())
                    except ShipmateError as exc:
                        log.warning("uptime: %s: %s (trying again)", home.path, exc.message)
                        home.next_refresh = time.monotonic() + FLUSH_RETRY_S
                self._drain_facts()
                self.last_tick = time.time()
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)
            for home in self._homes.values():
                self._flush(home, time.monotonic(), final=True)
                if home.store is not None:
                    home.store.close()

    # -- one home ---------------------------------------------------------------------------------

    def _tick(self, home: _Home, mono: float) -> None:
        if home.store is None:
            if mono < home.next_refresh:
                return   # the store refused to open: asked again after FLUSH_RETRY_S, not every tick
            home.store = Store.open(home.path)
        if mono >= home.next_refresh:
            self._refresh(home, home.store, mono)
            home.next_refresh = mono + REFRESH_S
        for target in home.targets.values():
            self._collect(home, home.store, target, mono)
            if target.in_flight is None and mono >= target.next_due:
                target.in_flight = self._pool.submit(check_once, public_checks(target.config,
                                                                              target.settings.uptime.timeout))
                target.submitted, target.hung = mono, False
                interval = target.settings.uptime.interval
                target.next_due = max(target.next_due + interval, mono)   # a late tick never bunches checks
        if mono >= home.next_flush:
            home.next_flush = mono + (FLUSH_S if self._flush(home, mono) else FLUSH_RETRY_S)
        if mono >= home.next_burn and home.buffer.failing_since is None:
            home.next_burn = mono + BURN_S
            flushed = self._flush(home, mono)   # the windows see every check taken so far
            for target in home.targets.values():
                if not target.burn_quiet or home.buffer.lost:
                    quiet = uptime_alerts.evaluate_burn(home.store, target.alerts, time.time(), target.settings,
                                                        self._send(home))
                    target.burn_quiet = quiet and flushed
        if mono >= home.next_housekeeping and home.buffer.failing_since is None:
            home.next_housekeeping = mono + HOUSEKEEPING_S
            self._housekeeping(home, home.store)

    def _refresh(self, home: _Home, store: Store, mono: float) -> None:
        seen: set[tuple[str, str]] = set()
        for cur in store.all_current():
            key = (cur.service, cur.environment)
            settings = home.settings(cur.service, cur.environment)
            if not settings.uptime.enabled:
                continue
            seen.add(key)
            known = home.targets.get(key)
            if known is not None and known.release_id == cur.release_id:
                known.settings = settings   # today's spec: a changed interval or SLO applies at once
                continue
            rel = store.get_release(cur.release_id)
            if rel is None:
                continue
            config = ReleaseConfig.from_dict(rel.spec)
            if known is not None:   # a deploy or rollback: same service, new release, same incident and alerts
                known.config, known.settings, known.release_id = config, settings, rel.id
                continue
            state = uptime_alerts.restore(store, cur.service, cur.environment)
            uptime_alerts.resend_unsent(store, state, settings, self._send(home))
            first = random.uniform(0, min(settings.uptime.interval, 2.0))   # 50 services do not all probe at once
            home.targets[key] = _Target(config, settings, state, rel.id, next_due=mono + first)
        for key in [k for k in home.targets if k not in seen]:
            gone = home.targets.pop(key)
            if gone.alerts.incident_id is not None or gone.alerts.state.down:
                # Taken down on purpose (or uptime switched off): the incident ends here, not never.
                found = store.uptime.open_incident_of(*key)
                if found is not None:
                    store.uptime.close_incident(found.id, ended_at=time.time(),
                                                duration_seconds=time.time() - found.started_at)

    def _collect(self, home: _Home, store: Store, target: _Target, mono: float) -> None:
        future = target.in_flight
        if future is None:
            return
        timeout = target.settings.uptime.timeout
        if future.done():
            target.in_flight = None
            if target.hung:
                return   # already counted as failed when it hung; its late answer changes nothing
            try:
                outcome = future.result()
            except Exception as exc:   # a probe never raises by contract; a bug there is a failed check
                outcome = CheckOutcome(False, None, f"check crashed: {type(exc).__name__}: {exc}")
            self._sample(home, store, target, outcome, mono)
        elif not target.hung and mono - target.submitted > timeout * 2 + HANG_GRACE_S:
            target.hung = True
            self._sample(home, store, target,
                         CheckOutcome(False, None, f"no answer in {timeout * 2 + HANG_GRACE_S:.0f}s (hung)"), mono)

    def _sample(self, home: _Home, store: Store, target: _Target, outcome: CheckOutcome, mono: float) -> None:
        sample = UptimeSample(service=target.config.service, environment=target.config.environment,
                              at=time.time(), ok=outcome.ok, latency_ms=outcome.latency_ms,
                              span_seconds=target.settings.uptime.interval, source="probe",
                              detail=outcome.detail or None)
        home.buffer.add(sample)
        target.burn_quiet = target.burn_quiet and outcome.ok
        if home.buffer.failing_since is None:
            send = self._send(home)
            if uptime_alerts.observe(store, target.alerts, sample, mono, target.settings, send) is not None:
                flushed = self._flush(home, mono)   # the burn-rate windows must see the checks that made it change
                quiet = uptime_alerts.evaluate_burn(store, target.alerts, time.time(), target.settings, send)
                target.burn_quiet = quiet and flushed

    def _drain_facts(self) -> None:
        while True:
            try:
                home_key, service, environment, source, detail, at = self._facts.get_nowait()
            except queue.Empty:
                return
            home = self._homes.get(home_key)
            if home is not None and (service, environment) in home.targets:
                home.targets[(service, environment)].burn_quiet = False
                home.buffer.add(UptimeSample(service=service, environment=environment, at=at, ok=False,
                                             latency_ms=None, span_seconds=0.0, source=source, detail=detail[:500]))

    def _flush(self, home: _Home, mono: float, *, final: bool = False) -> bool:
        if home.store is None or (not len(home.buffer) and not home.buffer.lost):
            return True
        ok = home.buffer.flush(home.store, mono)
        if not ok and final:
            log.warning("uptime: %d sample(s) not written at exit (the store refused)", len(home.buffer))
        return ok

    def _housekeeping(self, home: _Home, store: Store) -> None:
        now = time.time()
        # The first time since start: whatever a killed serve left unrolled; then what was written since.
        since = store.uptime.unrolled_since() if home.rolled_from is None else home.buffer.oldest_unflushed
        if since is not None:
            store.uptime.roll_up(since, now)
        home.rolled_from, home.buffer.oldest_unflushed = hour_of(now), None
        retention = max((t.settings.uptime.raw_retention for t in home.targets.values()), default=7 * 86400.0)
        raw, hourly = store.uptime.prune(raw_before=hour_of(now - retention), hourly_before=now - HOURLY_KEEP_S)
        if raw or hourly:
            log.info("uptime: %s: pruned %d raw sample(s), %d hourly row(s)", home.path, raw, hourly)

    def health(self) -> dict[str, Any]:
        return {"targets": sum(len(h.targets) for h in self._homes.values()),
                "buffered": sum(len(h.buffer) for h in self._homes.values()),
                "lost": sum(h.buffer.lost for h in self._homes.values())}
