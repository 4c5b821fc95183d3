"""The prober's housekeeping on a real store: what a killed serve left unrolled is rolled up, raw checks past the
retention are deleted, their hours stay (and a window over them still counts them)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from shipmate.analysis.uptime_math import HOUR, hour_of
from shipmate.store.store import Store
from shipmate.store.uptime_rows import UptimeSample
from shipmate.supervise.uptime_prober import UptimeProber
from tests.waiting import wait_until


def test_housekeeping_rolls_up_old_hours_and_prunes_raw_past_the_retention(tmp_path: Path) -> None:
    home = tmp_path / ".shipmate"
    now = time.time()
    old = hour_of(now - 9 * 86400)          # 9 days ago: past the default 7 d raw retention
    recent = hour_of(now - 2 * 86400)       # 2 days ago: kept raw
    with Store.open(home) as store:
        store.uptime.record([UptimeSample("web", "production", at + i * 30, i != 7, 15.0, 30.0)
                             for at in (old, recent) for i in range(120)])
    prober = UptimeProber([(home, {})], send=lambda *_: None)
    stop = threading.Event()
    thread = threading.Thread(target=prober.run, args=(stop,), daemon=True)
    thread.start()
    try:
        with Store.open(home) as store:
            wait_until(lambda: store.uptime.table_rows()["uptime_samples"] == 120, 30, "raw past 7 d pruned")
            rows = store.uptime.table_rows()
            assert rows["uptime_hourly"] == 2    # both hours rolled up before the old raw went
            old_hour = store.uptime.counts("web", "production", old, old + HOUR)
            assert (old_hour.checks, old_hour.failures) == (120, 1)
            month = store.uptime.counts("web", "production", now - 30 * 86400, now)
            assert (month.checks, month.failures, month.bad_seconds) == (240, 2, 60.0)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
