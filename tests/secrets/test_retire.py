"""Retiring superseded secret versions after a verified release, and what a later rollback runs with."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from shipmate.errors import PrerequisiteMissingError
from shipmate.ops.common.releases import config_from
from shipmate.release_config import ReleaseConfig
from shipmate.secrets.readable import readable_copy
from shipmate.secrets.resolve import pinned_for_rollback, with_secrets
from shipmate.secrets.retire import retire_superseded
from shipmate.secrets.vault import Vault, secret_path
from shipmate.spec.loader import load_spec
from shipmate.spec.secrets import SecretSpec

SPEC = 'service: web\nversion: "1.0.0"\nport: 8080\ntarget: {kind: process, command: [python3, app.py]}\n'


def _config(tmp_path: Path) -> ReleaseConfig:
    path = tmp_path / "shipmate.yaml"
    path.write_text(SPEC)
    return config_from(load_spec(path))


def _set(home: Path, name: str, *values: str) -> None:
    for value in values:
        Vault(home).set(name, value)


def test_versions_older_than_the_one_in_use_go_newer_ones_and_other_secrets_stay(tmp_path: Path) -> None:
    _set(tmp_path, "API_KEY", "value-one-111", "value-two-222", "value-three-333", "value-four-444")
    _set(tmp_path, "DB_PASSWORD", "db-value-one-1", "db-value-two-2")
    removed = retire_superseded(tmp_path, {"API_KEY": 3})
    assert removed == ["API_KEY v1", "API_KEY v2"]
    assert Vault(tmp_path).versions("API_KEY") == [3, 4]          # v4: a rotation for the next deploy
    assert Vault(tmp_path).versions("DB_PASSWORD") == [1, 2]      # not in use by this release: untouched
    assert retire_superseded(tmp_path, {"API_KEY": 3}) == []      # again: nothing left to do


def test_retiring_a_version_removes_its_container_copy_too(tmp_path: Path) -> None:
    _set(tmp_path, "API_KEY", "value-one-111", "value-two-222")
    copies = [readable_copy(secret_path(tmp_path, "API_KEY", version)) for version in (1, 2)]
    assert [copy.read_text() for copy in copies] == ["value-one-111", "value-two-222"]
    assert retire_superseded(tmp_path, {"API_KEY": 2}) == ["API_KEY v1"]
    assert [copy.exists() for copy in copies] == [False, True]
    assert [s.name for s in Vault(tmp_path).listing()] == ["API_KEY"]      # the copies' folder is no secret


def test_versions_another_release_may_still_start_with_are_kept(tmp_path: Path) -> None:
    _set(tmp_path, "API_KEY", "value-one-111", "value-two-222", "value-three-333")
    removed = retire_superseded(tmp_path, {"API_KEY": 3}, keep_for_rollback=[{"API_KEY": 1}, {"OTHER": 1}])
    assert removed == ["API_KEY v2"]
    assert Vault(tmp_path).versions("API_KEY") == [1, 3]


def test_a_secret_in_use_but_never_stored_is_no_error(tmp_path: Path) -> None:
    assert retire_superseded(tmp_path, {"API_KEY": 2}) == []


def test_a_rollback_to_a_release_whose_version_was_retired_runs_with_the_newest(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _set(home, "API_KEY", "value-one-111")
    old = with_secrets(home, (SecretSpec(name="API_KEY"),), _config(tmp_path))
    _set(home, "API_KEY", "value-two-222")
    assert pinned_for_rollback(home, old) == (old, [])            # v1 still there: exactly as recorded
    retire_superseded(home, {"API_KEY": 2})
    again, warnings = pinned_for_rollback(home, old)
    assert again.secrets == {"API_KEY": 2} and again.digest != old.digest
    assert again == dataclasses.replace(old, secrets={"API_KEY": 2}, digest=again.digest)
    assert len(warnings) == 1 and "API_KEY v1" in warnings[0] and "v2" in warnings[0]
    assert "value-" not in warnings[0]


def test_a_rollback_is_refused_when_no_version_of_its_secret_is_left(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _set(home, "API_KEY", "value-one-111")
    old = with_secrets(home, (SecretSpec(name="API_KEY"),), _config(tmp_path))
    Vault(home).remove("API_KEY")
    with pytest.raises(PrerequisiteMissingError, match="needs secret API_KEY v1") as caught:
        pinned_for_rollback(home, old)
    assert caught.value.exit_code == 7 and "shipmate secrets set API_KEY" in (caught.value.hint or "")
