"""Scheduled reports: `serve` sends each spec's daily/weekly report through `notify:` once per period.

Runs in its own thread beside the supervisor loop (computing a month of figures or a slow webhook never delays
a restart). "Once per period, even across a serve restart": before sending, a row in the store claims the
period (report_sends); it is marked sent after every URL took it. A failed send is retried on the next check;
a claim whose serve was SIGKILLed mid-send is taken over (the report may then arrive twice, never zero times).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from shipmate.errors import NotifyError, ShipmateError
from shipmate.ops.common.background import in_background
from shipmate.ops.common.workspace import Workspace

if TYPE_CHECKING:
    from shipmate.analysis.report_schedule import Due
    from shipmate.spec.models import Spec

log = logging.getLogger("shipmate.serve")
CHECK_S = 30.0


@dataclass
class ReportScheduler:
    specs: list[Path]
    clock: Callable[[], float] = time.time
    sent: list[str] = field(default_factory=list)      # what this scheduler sent (titles), for logs and tests
    _read: dict[Path, tuple[tuple[int, int, int], Spec]] = field(default_factory=dict)   # by the file's stat

    def check(self) -> int:
        """Send every report that is due and not yet sent; returns how many were sent now. Never raises."""
        count = 0
        for spec in self.specs:
            try:
                count += self._check_spec(spec)
            except ShipmateError as exc:
                log.warning("%s: scheduled report not sent: %s", spec, exc.message)
            except Exception as exc:   # a bug must not end the thread: the next check tries again
                log.warning("%s: scheduled report not sent: %s: %s", spec, type(exc).__name__, exc)
        return count

    def _check_spec(self, spec_path: Path) -> int:
        from shipmate.analysis.report_schedule import latest_due
        from shipmate.ops.reporting import choose_environment

        spec = self._today(spec_path)
        reports, notify = spec.reports, spec.notify
        if reports is None or notify is None or not notify.urls:
            return 0
        ws = Workspace.locate(spec_path)
        existing = ws.open_store_readonly()
        if existing is None:
            return 0     # never deployed: nothing to report on (and no state home is made for it)
        existing.close()
        sent = 0
        now = self.clock()
        for schedule, when in (("daily", reports.daily), ("weekly", reports.weekly)):
            if when is None:
                continue
            due = latest_due(schedule, when, reports.timezone, now)
            sent += self._send(ws, spec.service, choose_environment(spec, reports.environment), reports.timezone,
                               schedule, due,
                               list(notify.urls), now)
        return sent

    def _today(self, path: Path) -> Spec:
        """The spec as the file is now, parsed again only when the file changed (50 specs parsed every
        check were most of this thread's CPU)."""
        from shipmate.ops.reporting import today_spec

        try:
            st = path.stat()
        except OSError:
            return today_spec(path)   # gone: its own error, said as always
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        known = self._read.get(path)
        if known is not None and known[0] == key:
            return known[1]
        spec = today_spec(path)
        self._read[path] = (key, spec)
        return spec

    def _send(self, ws: Workspace, service: str, environment: str, tz_name: str, schedule: str, due: Due,
              urls: list[str], now: float) -> int:
        from shipmate.notify import send
        from shipmate.ops.reporting import render_report, report
        from shipmate.secrets.redact import redact
        from shipmate.store.owners import owner_alive, this_process_owner

        store = ws.open_store()
        try:
            claimed = store.report_sends.claim(
                service=service, environment=environment, schedule=schedule, period_start=due.period.start,
                period_end=due.period.end, owner=this_process_owner("serve", "shipmate-serve"), now=now,
                owner_alive=lambda owner: owner_alive(owner) is not False)
            if not claimed:
                return 0
            since = datetime.fromtimestamp(due.period.start, ZoneInfo(tz_name)).isoformat()
            result = report(str(ws.spec_path), period=due.period.kind, since=since, environment=environment,
                            fmt="md", now=now)
            body = redact(render_report(result, "md"))
            day = datetime.fromtimestamp(due.period.end, ZoneInfo(tz_name)).strftime("%Y-%m-%d")
            title = f"shipmate {schedule} report: {service}/{environment} {day}"
            failures = []
            for url in urls:
                try:
                    send(url, title, body)
                except NotifyError as exc:
                    failures.append(redact(exc.message)[:200])
            store.report_sends.finish(service, environment, schedule, due.period.end, sent=not failures,
                                      now=self.clock(), detail="; ".join(failures) or None)
        finally:
            store.close()
        if failures:
            log.warning("%s: %s not sent (tried again at the next check): %s", service, title, failures[0])
            return 0
        self.sent.append(title)
        log.info("%s: sent %s", service, title)
        return 1


def _watch(specs: list[Path], stop: threading.Event) -> None:
    scheduler = ReportScheduler(specs)
    while not stop.is_set():
        scheduler.check()
        stop.wait(CHECK_S)


@contextlib.contextmanager
def scheduled_reports(specs: list[Path]) -> Iterator[None]:
    """Send the specs' scheduled reports while the block runs (`serve`); a send in flight at the end is cut
    short and, its claim's owner being gone, sent by the next serve."""
    watched = sorted(set(specs))
    with in_background(lambda stop: _watch(watched, stop), name="serve-reports"):
        yield
