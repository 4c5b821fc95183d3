"""Swarm secrets: each version of a vault secret becomes an immutable Docker secret, mounted read-only at
/run/secrets/NAME with NAME_FILE in the env; the value is never in `docker service inspect` nor the container's
inspect; old versions are retired once not in use, and one still in use is kept without an error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from swarm_support import Ticks, swarm_config
from tests.docker_images import hello_image

from shipmate.errors import NotFoundError
from shipmate.secrets.vault import Vault
from shipmate.targets.swarm import SwarmTarget
from shipmate.targets.swarm_spec_build import secret_name, service_name

CANARY = "canary-swarm-s3cr3t-0123456789"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def target(home: Path) -> SwarmTarget:
    made = SwarmTarget()
    made.use_home(home)
    return made


def _secret_names(engine: Any, service: str) -> set[str]:
    return {s["Spec"]["Name"] for s in engine.api.secrets(filters={"label": [f"shipmate.service={service}"]})}


def test_a_secret_is_a_mounted_file_and_never_in_any_inspect_output(
        target: SwarmTarget, home: Path, swarm_engine: Any, swarm_names: Callable[[], str], tmp_path: Path) -> None:
    Vault(home).set("API_KEY", CANARY)
    service = swarm_names()
    config = swarm_config(service, "1", hello_image(swarm_engine, "1"), tmp_path, replicas=1,
                          secrets={"API_KEY": 1})
    report = target.roll_out(config, deadline_s=60, on_tick=Ticks())
    assert report.ok, report.message
    assert _secret_names(swarm_engine, service) == {secret_name(service, "test", "API_KEY", 1)}
    container = swarm_engine.containers.get(report.instances[0].handle["container_id"])
    code, said = container.exec_run(["cat", "/run/secrets/API_KEY"])
    assert (code, said.decode()) == (0, CANARY)
    assert "API_KEY_FILE=/run/secrets/API_KEY" in container.attrs["Config"]["Env"]
    assert CANARY not in json.dumps(container.attrs)
    assert CANARY not in json.dumps(swarm_engine.api.inspect_service(service_name(service, "test")))
    assert all(CANARY not in line for line in target.read_logs(report.instances[0].handle, 50))


def test_a_rotated_secret_is_a_new_version_and_the_old_one_is_retired_once_unused(
        target: SwarmTarget, home: Path, swarm_engine: Any, swarm_names: Callable[[], str], tmp_path: Path) -> None:
    vault = Vault(home)
    vault.set("API_KEY", CANARY)
    service = swarm_names()
    image = hello_image(swarm_engine, "1")
    first = swarm_config(service, "1", image, tmp_path, replicas=1, secrets={"API_KEY": 1})
    assert target.roll_out(first, deadline_s=60, on_tick=Ticks()).ok
    assert target.retire_secrets(service, "test", {"API_KEY": 2}) == []       # v1 is in use: kept, no error
    vault.set("API_KEY", CANARY + "-v2")
    second = swarm_config(service, "2", image, tmp_path, replicas=1, secrets={"API_KEY": 2})
    report = target.roll_out(second, deadline_s=60, on_tick=Ticks())
    assert report.ok, report.message
    container = swarm_engine.containers.get(report.instances[0].handle["container_id"])
    assert container.exec_run(["cat", "/run/secrets/API_KEY"])[1].decode() == CANARY + "-v2"
    v1, v2 = (secret_name(service, "test", "API_KEY", n) for n in (1, 2))
    assert _secret_names(swarm_engine, service) == {v1, v2}
    # Swarm's PreviousSpec still names v1, yet only the current spec counts as "in use": v1 goes.
    assert target.retire_secrets(service, "test", {"API_KEY": 2}) == [v1]
    assert _secret_names(swarm_engine, service) == {v2}
    assert target.take_down(service, "test")
    assert _secret_names(swarm_engine, service) == set()


def test_a_secret_version_missing_from_the_vault_leaves_no_secret_and_no_service(
        target: SwarmTarget, home: Path, swarm_engine: Any, swarm_names: Callable[[], str], tmp_path: Path) -> None:
    Vault(home).set("API_KEY", CANARY)
    service = swarm_names()
    config = swarm_config(service, "1", hello_image(swarm_engine, "1"), tmp_path, replicas=1,
                          secrets={"API_KEY": 1, "DB_PASSWORD": 1})
    with pytest.raises(NotFoundError, match="DB_PASSWORD v1 is gone"):
        target.roll_out(config, deadline_s=60, on_tick=Ticks())
    assert _secret_names(swarm_engine, service) == set()
    assert swarm_engine.api.services(filters={"name": service_name(service, "test")}) == []
