"""Burn-rate evaluation says when it found nothing to burn: the prober then skips it until a failure arrives
(windows only slide forward, so a clean history stays clean). A real store on disk."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shipmate.analysis.down_up import DownUpState
from shipmate.spec.uptime_spec import SloSpec, UptimeSpec
from shipmate.store.store import Store
from shipmate.store.uptime_rows import UptimeSample
from shipmate.supervise import uptime_alerts
from shipmate.supervise.uptime_settings import UptimeSettings

SETTINGS = UptimeSettings(UptimeSpec.model_validate({"interval": "5s"}), SloSpec.model_validate({}), None)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / ".shipmate") as opened:
        yield opened


def test_a_clean_history_is_quiet_and_one_failure_is_not(store: Store) -> None:
    sent: list[str] = []

    def send(service: str, environment: str, event: str, fields: dict[str, Any], settings: UptimeSettings) -> None:
        sent.append(event)

    now = time.time()
    store.uptime.record([UptimeSample("web", "production", now - 60 + i * 5, True, 3.0, 5.0) for i in range(10)])
    state = uptime_alerts.TargetState("web", "production", DownUpState())
    assert uptime_alerts.evaluate_burn(store, state, now, SETTINGS, send) is True
    store.uptime.record([UptimeSample("web", "production", now + 1, False, None, 5.0, detail="GET / -> 500")])
    assert uptime_alerts.evaluate_burn(store, state, now + 2, SETTINGS, send) is False
    assert sent == ["slo.page"]   # 1 of 11 failed: far above 14.4x the budget of 99.9 %
    no_slo = UptimeSettings(SETTINGS.uptime, None, None)
    assert uptime_alerts.evaluate_burn(store, state, now + 2, no_slo, send) is False   # nothing judged: not quiet
