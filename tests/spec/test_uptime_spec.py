"""The spec's `uptime:` and `slo:` sections: defaults, bad values named by key path (exit 2), not in the digest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from spec_cases import MINIMAL_SPEC, write_spec

from shipmate.errors import SpecError
from shipmate.spec.loader import load_spec


def test_defaults_are_the_documented_ones(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, MINIMAL_SPEC)).spec
    up = spec.uptime
    assert (up.enabled, up.interval, up.timeout, up.raw_retention, up.failure_threshold, up.success_threshold) == \
        (True, 30.0, 5.0, 7 * 86400.0, 3, 2)
    assert spec.slo is None


def test_an_slo_window_is_rolling_or_the_calendar_month(tmp_path: Path) -> None:
    rolling = load_spec(write_spec(tmp_path, MINIMAL_SPEC + "slo: {target: 99.5, window: 7d}\n", name="a.yaml"))
    month = load_spec(write_spec(tmp_path, MINIMAL_SPEC + "slo: {window: month}\n", name="b.yaml"))
    assert rolling.spec.slo is not None and rolling.spec.slo.window_seconds == 7 * 86400.0
    assert month.spec.slo is not None and (month.spec.slo.window, month.spec.slo.target) == ("month", 99.9)
    assert month.spec.slo.window_seconds is None


@pytest.mark.parametrize(("section", "path"), [
    ("slo: {target: 100.1}\n", "slo.target"),
    ("slo: {target: 101, window: 30d}\n", "slo.target"),
    ("slo: {window: 0}\n", "slo.window"),
    ("slo: {window: 0s}\n", "slo.window"),
    ("slo: {window: forever}\n", "slo.window"),
    ("uptime: {interval: 1s}\n", "uptime.interval"),      # the minimum is 5 s
    ("uptime: {raw_retention: 1h}\n", "uptime.raw_retention"),
    ("uptime: {failure_threshold: 0}\n", "uptime.failure_threshold"),
])
def test_bad_values_are_refused_with_their_key_path(tmp_path: Path, section: str, path: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, MINIMAL_SPEC + section))
    assert caught.value.path == path and caught.value.message.startswith(path)


def test_validate_exits_2_naming_the_key_and_no_traceback(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, MINIMAL_SPEC + "slo: {target: 101, window: 30d}\n")
    done = subprocess.run([sys.executable, "-m", "shipmate", "validate", "-f", str(spec)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "slo.target" in done.stderr and "Traceback" not in done.stderr


def test_uptime_and_slo_are_not_part_of_the_release(tmp_path: Path) -> None:
    plain = load_spec(write_spec(tmp_path, MINIMAL_SPEC, name="a.yaml"))
    tuned = load_spec(write_spec(tmp_path, MINIMAL_SPEC + "uptime: {interval: 5s}\nslo: {target: 99}\n", name="b.yaml"))
    assert plain.digest == tuned.digest
