"""Pinning a release to secret versions: missing, invalid and non-process cases are refused before any write."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from shipmate.errors import InvalidInputError, PrerequisiteMissingError
from shipmate.ops.common.releases import config_from
from shipmate.release_config import ReleaseConfig
from shipmate.secrets.resolve import with_secrets
from shipmate.secrets.vault import Vault
from shipmate.spec.loader import load_spec
from shipmate.spec.secrets import SecretSpec

SPEC = 'service: web\nversion: "1.0.0"\nport: 8080\ntarget: {kind: process, command: [python3, app.py]}\n'


def _config(tmp_path: Path) -> ReleaseConfig:
    path = tmp_path / "shipmate.yaml"
    path.write_text(SPEC)
    return config_from(load_spec(path))


def test_every_missing_secret_is_named_with_the_command_that_sets_it(tmp_path: Path) -> None:
    declared = (SecretSpec(name="API_KEY"), SecretSpec(name="DB_PASSWORD"))
    with pytest.raises(PrerequisiteMissingError) as caught:
        with_secrets(tmp_path / "home", declared, _config(tmp_path))
    assert "API_KEY, DB_PASSWORD" in caught.value.message and caught.value.exit_code == 7
    assert caught.value.hint == "run `shipmate secrets set API_KEY` with the value on stdin"
    assert not (tmp_path / "home").exists()


def test_the_newest_versions_are_pinned_and_a_rotation_makes_a_new_release_digest(tmp_path: Path) -> None:
    home, config = tmp_path / "home", _config(tmp_path)
    Vault(home).set("API_KEY", "value-one-111")
    first = with_secrets(home, (SecretSpec(name="API_KEY"),), config)
    Vault(home).set("API_KEY", "value-two-222")
    second = with_secrets(home, (SecretSpec(name="API_KEY"),), config)
    assert (first.secrets, second.secrets) == ({"API_KEY": 1}, {"API_KEY": 2})
    assert len({config.digest, first.digest, second.digest}) == 3
    assert ReleaseConfig.from_dict(second.to_dict()).secrets == {"API_KEY": 2}


def test_no_declared_secrets_leave_the_config_as_it_was(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert with_secrets(tmp_path, (), config) is config


def test_a_target_kind_that_cannot_carry_secrets_is_refused(tmp_path: Path) -> None:
    config = dataclasses.replace(_config(tmp_path), target_kind="systemd")
    with pytest.raises(InvalidInputError, match="systemd target does not take secrets") as caught:
        with_secrets(tmp_path, (SecretSpec(name="API_KEY"),), config)
    assert caught.value.hint and "docker" in caught.value.hint


@pytest.mark.parametrize("kind", ["docker", "swarm"])
def test_container_targets_take_secrets(tmp_path: Path, kind: str) -> None:
    Vault(tmp_path).set("API_KEY", "value-one-111")
    config = dataclasses.replace(_config(tmp_path), target_kind=kind)
    assert with_secrets(tmp_path, (SecretSpec(name="API_KEY"),), config).secrets == {"API_KEY": 1}


def test_swarm_gets_the_files_of_the_pinned_versions_and_a_rollback_after_retirement_gets_the_newest(
        tmp_path: Path) -> None:
    from shipmate.secrets.resolve import pinned_for_rollback
    from shipmate.secrets.retire import retire_superseded

    Vault(tmp_path).set("API_KEY", "value-one-111")
    config = with_secrets(tmp_path, (SecretSpec(name="API_KEY"),),
                          dataclasses.replace(_config(tmp_path), target_kind="swarm"))
    assert config.target_settings["secret_files"] == {"API_KEY": str(tmp_path / "secrets" / "API_KEY" / "v1")}
    Vault(tmp_path).set("API_KEY", "value-two-222")
    retire_superseded(tmp_path, {"API_KEY": 2})
    again, _ = pinned_for_rollback(tmp_path, config)
    assert again.target_settings["secret_files"] == {"API_KEY": str(tmp_path / "secrets" / "API_KEY" / "v2")}
