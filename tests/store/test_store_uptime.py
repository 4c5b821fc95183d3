"""The uptime tables: samples, hourly rollups (idempotent), retention, incidents, alert state, the read function."""

from __future__ import annotations

from shipmate.analysis.uptime_math import HOUR, bucket_index
from shipmate.ops.common.uptime_reading import slo_window_start, uptime_over
from shipmate.store.store import Store
from shipmate.store.uptime_rows import AlertRow, UptimeSample

T0 = 1_800_000_000 - 1_800_000_000 % HOUR   # an hour boundary


def _sample(at: float, ok: bool, latency: float | None = 20.0, span: float = 30.0) -> UptimeSample:
    return UptimeSample(service="web", environment="production", at=at, ok=ok, latency_ms=latency,
                        span_seconds=span)


def test_counts_combine_rolled_up_hours_with_raw_samples_after_them(store: Store) -> None:
    # hour 0: 120 checks, 6 failed; hour 1: 10 checks, 1 failed (not rolled up yet)
    store.uptime.record([_sample(T0 + i * 30, ok=i % 20 != 0) for i in range(120)])
    store.uptime.record([_sample(T0 + HOUR + i * 30, ok=i != 3) for i in range(10)])
    assert store.uptime.roll_up(T0, T0 + HOUR + 300) == 1
    c = store.uptime.counts("web", "production", T0, T0 + 2 * HOUR)
    assert (c.checks, c.failures, c.bad_seconds) == (130, 7, 210.0)
    assert sum(c.latency_buckets) == 130 and c.latency_buckets[bucket_index(20.0)] == 130
    # rolling the same hour again gives the same row (idempotent), and pruning raw keeps the rollup
    store.uptime.roll_up(T0, T0 + HOUR)
    assert store.uptime.prune(raw_before=T0 + HOUR, hourly_before=T0) == (120, 0)
    again = store.uptime.counts("web", "production", T0, T0 + 2 * HOUR)
    assert (again.checks, again.failures) == (130, 7)
    assert store.uptime.prune(raw_before=T0, hourly_before=T0 + HOUR) == (0, 1)


def test_lost_samples_are_counted_apart_from_checks(store: Store) -> None:
    store.uptime.record_lost("web", "production", T0 + 10, 5)
    store.uptime.record([_sample(T0 + 20, ok=True)])
    store.uptime.roll_up(T0, T0 + HOUR)
    c = store.uptime.counts("web", "production", T0, T0 + HOUR)
    assert (c.checks, c.lost, c.ratio) == (1, 5, 1.0)


def test_an_incident_is_opened_once_and_closed_with_its_duration(store: Store) -> None:
    first = store.uptime.open_incident("web", "production", started_at=T0 + 100, cause="connection refused")
    again = store.uptime.open_incident("web", "production", started_at=T0 + 130, cause="timeout")
    assert again.id == first.id
    store.uptime.close_incident(first.id, ended_at=T0 + 400, duration_seconds=301.5)
    assert store.uptime.open_incident_of("web", "production") is None
    (row,) = store.uptime.incidents("web", "production", T0, T0 + HOUR)
    assert (row.ended_at, row.duration_seconds) == (T0 + 400, 301.5)
    assert store.uptime.incidents("web", "production", T0 + 500, T0 + HOUR) == []


def test_alert_state_is_read_back_as_written(store: Store) -> None:
    row = AlertRow(service="web", environment="production", alert="page", firing=True, since=T0,
                   notified_at=T0 + 1, detail="14.4x over 1h and 5m")
    store.uptime.set_alert(row)
    store.uptime.set_alert(AlertRow(**{**row.__dict__, "alert": "down", "firing": False}))
    found = store.uptime.alerts("web", "production")
    assert found["page"] == row and found["down"].firing is False


def test_uptime_over_gives_ratio_incidents_and_error_budget(store: Store) -> None:
    # one day at 30 s: 2880 checks, 20 failed (10 min bad) in one incident of 600 s
    store.uptime.record([_sample(T0 + i * 30, ok=not 100 <= i < 120) for i in range(2880)])
    inc = store.uptime.open_incident("web", "production", started_at=T0 + 3000, cause="HTTP 502")
    store.uptime.close_incident(inc.id, ended_at=T0 + 3600, duration_seconds=600.0)
    period = uptime_over(store, "web", "production", since=T0, until=T0 + 86400, target_percent=99.0,
                         now=T0 + 86400)
    assert (period.checks, period.failures) == (2880, 20)
    assert period.uptime_percent == round(2860 / 2880 * 100, 4)
    assert [i.duration_seconds for i in period.incidents] == [600.0] and period.mttr_seconds == 600.0
    assert period.error_budget is not None
    assert (period.error_budget.allowed_minutes, period.error_budget.spent_minutes,
            period.error_budget.left_minutes) == (14.4, 10.0, 4.4)


def test_a_period_without_checks_has_no_uptime_figure(store: Store) -> None:
    period = uptime_over(store, "web", "production", since=T0, until=T0 + HOUR)
    assert period.uptime_percent is None and period.incidents == [] and period.to_json()["checks"] == 0


def test_the_month_window_starts_on_the_first_of_the_month_utc() -> None:
    assert slo_window_start("month", 1_700_000_000) == 1_698_796_800   # 2023-11-01T00:00:00Z
    assert slo_window_start("30d", 1_700_000_000) == 1_700_000_000 - 30 * 86400
