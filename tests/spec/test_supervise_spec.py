"""The spec's `supervise:` section: defaults, bad values named by key path, and kept out of the release digest."""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_cases import MINIMAL_SPEC, write_spec

from shipmate.errors import SpecError
from shipmate.spec.loader import load_spec
from shipmate.supervise.restart_policy import PolicySettings


def test_defaults_are_the_documented_ones(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, MINIMAL_SPEC)).spec
    assert PolicySettings.from_spec(spec.supervise) == PolicySettings()
    assert (spec.supervise.interval, spec.supervise.failure_threshold, spec.supervise.crash_loop.deaths) == (10, 3, 3)


def test_set_values_are_read(tmp_path: Path) -> None:
    text = MINIMAL_SPEC + ("supervise:\n  interval: 500ms\n  crash_loop: {deaths: 2, within: 1m}\n"
                           "  rollback_within: 2h\n")
    settings = PolicySettings.from_spec(load_spec(write_spec(tmp_path, text)).spec.supervise)
    assert (settings.interval_s, settings.crash_deaths, settings.crash_within_s, settings.rollback_within_s) == \
        (0.5, 2, 60.0, 7200.0)


@pytest.mark.parametrize(("section", "path"), [
    ("  interval: 10ms\n", "supervise.interval"),
    ("  failure_threshold: 0\n", "supervise.failure_threshold"),
    ("  crash_loop: {deaths: 3, within: soon}\n", "supervise.crash_loop.within"),
    ("  restart: always\n", "supervise"),   # an unknown key is named in the message: "restart"
])
def test_bad_values_are_refused_with_their_key_path(tmp_path: Path, section: str, path: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, MINIMAL_SPEC + "supervise:\n" + section))
    assert caught.value.path == path and caught.value.message.startswith(path)
    assert "restart" in caught.value.message or path != "supervise"


def test_supervise_settings_are_not_part_of_the_release(tmp_path: Path) -> None:
    plain = load_spec(write_spec(tmp_path, MINIMAL_SPEC, name="a.yaml"))
    tuned = load_spec(write_spec(tmp_path, MINIMAL_SPEC + "supervise:\n  interval: 1s\n", name="b.yaml"))
    assert plain.digest == tuned.digest   # changing how it is watched does not deploy it again
