"""environments.<name>.policy: freeze windows parsed and judged against an injected instant, bad text named."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from pathlib import Path

import pytest
from spec_cases import MINIMAL_SPEC, write_spec

from shipmate.errors import SpecError
from shipmate.spec.freeze_windows import frozen_by, parse_window
from shipmate.spec.loader import load_spec

UTC_ZONE = zoneinfo.ZoneInfo("UTC")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("when", "frozen"), [
    ("2026-11-20T15:59", False),   # Friday before the window
    ("2026-11-20T16:00", True),    # Friday 16:00: the window starts
    ("2026-11-22T12:00", True),    # Sunday
    ("2026-11-23T07:59", True),    # Monday before 08:00: wrapped across the week's end
    ("2026-11-23T08:00", False),   # the end is exclusive
    ("2026-11-25T12:00", False),   # Wednesday
])
def test_a_weekly_window_wraps_across_the_end_of_the_week(when: str, frozen: bool) -> None:
    window = parse_window("Fri 16:00-Mon 08:00")
    assert window.contains(_at(when), UTC_ZONE) is frozen


def test_a_same_day_window_and_a_dated_window() -> None:
    evening = parse_window("Wed 18:00-22:00")
    assert evening.contains(_at("2026-11-25T19:00"), UTC_ZONE)
    assert not evening.contains(_at("2026-11-26T19:00"), UTC_ZONE)
    holidays = parse_window("2026-12-24 00:00-2026-12-27 00:00")
    assert holidays.contains(_at("2026-12-26T23:59"), UTC_ZONE)
    assert not holidays.contains(_at("2026-12-27T00:00"), UTC_ZONE)
    assert frozen_by((evening, holidays), _at("2026-12-25T10:00"), UTC_ZONE) == holidays


def test_windows_are_read_in_the_policy_timezone() -> None:
    window = parse_window("Fri 16:00-Mon 08:00")
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    # Friday 15:30 UTC is 16:30 in Berlin (CET, +1): frozen there, not in UTC.
    assert window.contains(_at("2026-11-20T15:30"), berlin)
    assert not window.contains(_at("2026-11-20T15:30"), UTC_ZONE)


@pytest.mark.parametrize(("text", "says"), [
    ("Friday afternoon", "is not a freeze window"),
    ("Fri 16:00-Fri 16:00", "starts and ends at the same time"),
    ("Xyz 16:00-Mon 08:00", "unknown day"),
    ("Fri 25:00-Mon 08:00", "no such time"),
    ("2026-12-27 00:00-2026-12-24 00:00", "ends before it starts"),
    ("2026-13-40 00:00-2026-12-24 00:00", "no such date"),
])
def test_bad_window_text_is_a_spec_error_at_its_key_path(tmp_path: Path, text: str, says: str) -> None:
    spec = MINIMAL_SPEC + f"environments:\n  staging: {{}}\n  production:\n    policy:\n      freeze: [\"{text}\"]\n"
    with pytest.raises(SpecError) as err:
        load_spec(write_spec(tmp_path, spec))
    assert err.value.path == "environments.production.policy.freeze[0]"
    assert says in err.value.message and err.value.hint and "Fri 16:00-Mon 08:00" in err.value.hint


def test_require_passed_in_must_name_another_declared_environment(tmp_path: Path) -> None:
    spec = MINIMAL_SPEC + "environments:\n  staging: {}\n  production:\n    policy: {require_passed_in: stagin}\n"
    with pytest.raises(SpecError) as err:
        load_spec(write_spec(tmp_path, spec))
    assert err.value.path == "environments.production.policy.require_passed_in"
    assert err.value.hint == "other environments: staging"


def test_an_unknown_timezone_is_refused(tmp_path: Path) -> None:
    spec = MINIMAL_SPEC + "environments:\n  production:\n    policy: {timezone: Mars/Olympus}\n"
    with pytest.raises(SpecError) as err:
        load_spec(write_spec(tmp_path, spec))
    assert err.value.path == "environments.production.policy.timezone"


def test_the_config_hash_ignores_overlays_and_version_but_names_changed_keys(tmp_path: Path) -> None:
    from shipmate.ops.common.releases import config_from
    from shipmate.spec.config_hash import changed_keys

    spec = MINIMAL_SPEC + "environments:\n  staging: {}\n  production: {port: 9090, env: {MODE: prod}}\n"
    staging = config_from(load_spec(write_spec(tmp_path, spec), environment="staging"))
    production = config_from(load_spec(write_spec(tmp_path, spec), environment="production", version_override="2"))
    assert staging.digest != production.digest and staging.config_hash == production.config_hash
    changed = config_from(load_spec(write_spec(tmp_path, spec.replace("app.py", "main.py")), environment="production"))
    assert changed.config_hash != staging.config_hash
    assert changed_keys(staging.config_keys, changed.config_keys) == ["target.command"]
