"""Per-environment secrets: staging and production run with their own values; a service-wide value is what an
environment without its own gets (the store an older shipmate wrote keeps working)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from shipmate.errors import NotFoundError
from shipmate.ops.common.releases import config_from
from shipmate.release_config import ReleaseConfig
from shipmate.secrets.resolve import with_secrets
from shipmate.secrets.retire import retire_superseded
from shipmate.secrets.vault import Vault, secret_path
from shipmate.spec.loader import load_spec
from shipmate.spec.secrets import SecretSpec

SPEC = ('service: web\nversion: "1.0.0"\nport: 8080\ntarget: {kind: process, command: [python3, app.py]}\n'
        "environments: {staging: {}, production: {port: 8081}}\nsecrets: [API_KEY]\n")
DECLARED = (SecretSpec(name="API_KEY"),)


def _config(tmp_path: Path, environment: str) -> ReleaseConfig:
    path = tmp_path / "shipmate.yaml"
    path.write_text(SPEC)
    return config_from(load_spec(path, environment=environment))


def _value_for(home: Path, config: ReleaseConfig) -> str:
    pinned = with_secrets(home, DECLARED, config)
    return secret_path(home, "API_KEY", pinned.secrets["API_KEY"]).read_text()


def test_each_environment_runs_with_its_own_value_and_the_service_wide_one_fills_the_rest(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Vault(home).set("API_KEY", "shared-value-0000")
    staging, production = _config(tmp_path, "staging"), _config(tmp_path, "production")
    assert _value_for(home, staging) == _value_for(home, production) == "shared-value-0000"
    Vault(home, "production").set("API_KEY", "production-value-1111")
    assert _value_for(home, production) == "production-value-1111"
    assert _value_for(home, staging) == "shared-value-0000"
    # numbers are unique per name across environments: a pinned (name, version) names exactly one file
    assert with_secrets(home, DECLARED, production).secrets == {"API_KEY": 2}
    assert with_secrets(home, DECLARED, staging).secrets == {"API_KEY": 1}


def test_a_production_rotation_retires_only_production_versions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Vault(home).set("API_KEY", "shared-value-0000")
    production = Vault(home, "production")
    production.set("API_KEY", "production-one-1111")
    newest = production.set("API_KEY", "production-two-2222")
    removed = retire_superseded(home, {"API_KEY": newest.version})
    assert removed == ["API_KEY v2"]
    assert Vault(home, "staging").latest("API_KEY") is not None
    assert secret_path(home, "API_KEY", 1).read_text() == "shared-value-0000"


def test_listing_shows_each_scope_and_removing_one_scope_leaves_the_other(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Vault(home).set("API_KEY", "shared-value-0000")
    Vault(home, "production").set("API_KEY", "production-value-1111")
    listed = [(found.name, found.environment, found.version) for found in Vault(home).listing()]
    assert listed == [("API_KEY", None, 1), ("API_KEY", "production", 2)]
    assert Vault(home, "production").remove("API_KEY") == 1
    assert Vault(home, "production").latest("API_KEY") == Vault(home).latest("API_KEY")
    with pytest.raises(NotFoundError, match="for production"):
        Vault(home, "production").remove("API_KEY")


def test_a_value_of_one_environment_is_never_what_another_pins(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Vault(home, "production").set("API_KEY", "production-value-1111")
    staging = _config(tmp_path, "staging")
    with pytest.raises(Exception, match="not set") as caught:
        with_secrets(home, DECLARED, staging)
    assert "--env staging" in str(getattr(caught.value, "hint", ""))
    assert dataclasses.replace(staging).secrets == {}
