"""Uptime under faults: a store that refuses writes for a while (bounded buffer, lost samples counted, no crash),
and a wall clock that jumps (incident durations come from the monotonic clock)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shipmate.spec.uptime_spec import SloSpec, UptimeSpec
from shipmate.store import sqlite_dialect
from shipmate.store.store import Store
from shipmate.store.uptime_rows import UptimeSample
from shipmate.supervise import uptime_alerts
from shipmate.supervise.uptime_buffer import SampleBuffer
from shipmate.supervise.uptime_settings import UptimeSettings

SETTINGS = UptimeSettings(UptimeSpec.model_validate({"interval": "5s"}), SloSpec.model_validate({}), None)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setattr(sqlite_dialect, "BUSY_TIMEOUT_MS", 300)   # a refused write fails fast in this test
    with Store.open(tmp_path / ".shipmate") as opened:
        yield opened


def _sample(at: float, ok: bool = True) -> UptimeSample:
    return UptimeSample("web", "production", at, ok, 10.0, 5.0, detail=None if ok else "GET /health -> 500")


def test_a_store_that_refuses_writes_keeps_samples_up_to_a_bound_then_counts_the_rest_lost(store: Store) -> None:
    buffer = SampleBuffer(max_buffered=5)
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")   # another writer holds the database: every write of ours is refused
    try:
        now = time.time()
        for i in range(8):
            buffer.add(_sample(now + i))
        assert buffer.flush(store, time.monotonic()) is False
        assert (len(buffer), buffer.lost) == (5, 3) and buffer.failing_since is not None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert buffer.flush(store, time.monotonic()) is True
    assert (len(buffer), buffer.lost, buffer.failing_since) == (0, 0, None)
    store.uptime.roll_up(now - 3600, now + 7200)
    counts = store.uptime.counts("web", "production", now - 3600, now + 3600)
    assert (counts.checks, counts.lost) == (5, 3)   # lost ones are said, never counted as checks


def test_incident_duration_is_monotonic_when_the_wall_clock_jumps_back(store: Store) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []

    def send(service: str, environment: str, event: str, fields: dict[str, Any], settings: UptimeSettings) -> None:
        sent.append((event, fields))

    t = uptime_alerts.restore(store, "web", "production")
    wall, mono = 1_900_000_000.0, 1000.0
    for i in range(3):   # three failures: down
        uptime_alerts.observe(store, t, _sample(wall + i * 5, ok=False), mono + i * 5, SETTINGS, send)
    assert [e for e, _ in sent] == ["uptime.down"]
    # the wall clock is set back an hour (NTP, a VM resumed); the monotonic clock goes on: 60 s later, up
    for i in range(2):
        uptime_alerts.observe(store, t, _sample(wall - 3600 + 60 + i * 5), mono + 60 + i * 5, SETTINGS, send)
    [incident] = store.uptime.incidents("web", "production", 0, 2e9)
    assert incident.duration_seconds == 60.0   # not -3540: wall time only labels it
    assert [e for e, _ in sent] == ["uptime.down", "uptime.up"] and sent[1][1]["down_for_seconds"] == 60.0


def test_a_restarted_serve_does_not_page_again_and_sends_a_page_it_recorded_but_never_sent(store: Store) -> None:
    sent: list[str] = []

    def send(service: str, environment: str, event: str, fields: dict[str, Any], settings: UptimeSettings) -> None:
        sent.append(event)

    t = uptime_alerts.restore(store, "web", "production")
    now = time.time()
    store.uptime.record([_sample(now - 300 + i * 5, ok=False) for i in range(60)])
    uptime_alerts.evaluate_burn(store, t, now, SETTINGS, send)
    assert sent == ["slo.page"]
    again = uptime_alerts.restore(store, "web", "production")   # a new serve: state from the store
    uptime_alerts.evaluate_burn(store, again, now + 1, SETTINGS, send)
    uptime_alerts.resend_unsent(store, again, SETTINGS, send)
    assert sent == ["slo.page"]
    # a serve killed between "firing" and "sent": the next one sends it, once
    row = store.uptime.alerts("web", "production")["page"]
    from dataclasses import replace

    store.uptime.set_alert(replace(row, notified_at=None))
    uptime_alerts.resend_unsent(store, again, SETTINGS, send)
    uptime_alerts.resend_unsent(store, again, SETTINGS, send)
    assert sent == ["slo.page", "slo.page"]
