"""Secrets in the Docker target, against a real engine: the pinned version's file mounted read-only at
/run/secrets/NAME, NAME_FILE pointing there, and the value nowhere in what the engine reports."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.docker_images import ensure_python_base
from tests.engines import docker_client_or_skip
from tests.waiting import free_port, wait_until

from shipmate.model import LaunchSpec
from shipmate.ops.common.releases import config_from
from shipmate.release_config import ReleaseConfig
from shipmate.secrets.resolve import with_secrets
from shipmate.secrets.vault import Vault, secret_path
from shipmate.spec.loader import load_spec
from shipmate.spec.secrets import SecretSpec
from shipmate.targets.docker import DockerTarget

CANARY = "canary-docker-" + uuid.uuid4().hex
TIMEOUT = 30.0
# Reads NAME_FILE, prints the value's sha256, proves the mount is read-only, then stays up.
READER = """
import hashlib, os, sys, time
path = os.environ["API_KEY_FILE"]
print("file", path, hashlib.sha256(open(path).read().encode()).hexdigest(), flush=True)
try:
    open(path, "w").write("x")
    print("writable", flush=True)
except OSError as exc:
    print("read-only", type(exc).__name__, flush=True)
print("env-has-value", any(v == open(path).read() for v in os.environ.values()), flush=True)
time.sleep(600)
"""


@pytest.fixture
def engine() -> Any:
    return docker_client_or_skip()


@pytest.fixture
def home_id(engine: Any) -> Iterator[str]:
    found = f"ds-{uuid.uuid4().hex[:10]}"
    yield found
    for container in engine.containers.list(all=True, filters={"label": [f"shipmate.home={found}"]}):
        container.remove(force=True)


def _docker_config(tmp_path: Path, image: str) -> ReleaseConfig:
    (tmp_path / "shipmate.yaml").write_text(
        f'service: web\nversion: "1"\nport: 8080\ntarget: {{kind: docker, image: "{image}", container_port: 8000}}\n'
        'secrets: [API_KEY]\n')
    return config_from(load_spec(tmp_path / "shipmate.yaml"))


def _launch(home: Path, home_id: str, config: ReleaseConfig) -> LaunchSpec:
    """What engine/instances.launch_spec hands a target: NAME_FILE = the pinned file in the state folder."""
    env = {"SHIPMATE_SERVICE": "web", "SHIPMATE_VERSION": "1", "SHIPMATE_ENVIRONMENT": "prod",
           "SHIPMATE_DEPLOYMENT_ID": "dep_1",
           **{f"{name}_FILE": str(secret_path(home, name, version)) for name, version in config.secrets.items()}}
    return LaunchSpec(instance_id=f"i-{home_id[-6:]}", argv=("python3", "-c", READER), cwd=config.cwd, env=env,
                      port=free_port(), log_path="", home_id=home_id, settings=dict(config.target_settings))


def test_a_container_reads_its_secret_from_a_read_only_file_and_the_engine_never_holds_the_value(
        engine: Any, home_id: str, tmp_path: Path) -> None:
    home = tmp_path / ".shipmate"
    Vault(home).set("API_KEY", "an-older-value-000")
    Vault(home).set("API_KEY", CANARY)
    config = with_secrets(home, (SecretSpec(name="API_KEY"),), _docker_config(tmp_path, ensure_python_base(engine)))
    assert config.secrets == {"API_KEY": 2}
    target = DockerTarget()
    ref = target.start(_launch(home, home_id, config))
    wait_until(lambda: len(target.last_output(ref.handle, 5).lines) >= 3, TIMEOUT, "the app to read its secret")
    said = target.last_output(ref.handle, 5).lines
    assert said == ["file /run/secrets/API_KEY " + hashlib.sha256(CANARY.encode()).hexdigest(),
                    "read-only OSError", "env-has-value False"], said
    container = engine.containers.get(ref.handle["container_id"])
    attrs = json.dumps(container.attrs)
    assert CANARY not in attrs and CANARY not in container.name and CANARY not in json.dumps(container.labels)
    assert "API_KEY_FILE=/run/secrets/API_KEY" in container.attrs["Config"]["Env"]
    mount = next(m for m in container.attrs["Mounts"] if m["Destination"] == "/run/secrets/API_KEY")
    copy = home / "secrets" / ".readable" / "API_KEY" / "v2"
    assert (mount["Type"], mount["RW"], mount["Source"]) == ("bind", False, str(copy))
    assert (_mode(copy), _mode(copy.parent), _mode(copy.parent.parent)) == (0o444, 0o700, 0o700)
    target.stop(ref, grace=1.0)


def test_an_image_running_as_another_user_reads_its_secret_too(engine: Any, home_id: str, tmp_path: Path) -> None:
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text(f"FROM {ensure_python_base(engine)}\nUSER 65534:65534\n")
    tag = f"127.0.0.1:1/shipmate-test/nobody:{home_id}"
    image, _ = engine.images.build(path=str(tmp_path / "ctx"), tag=tag, rm=True)
    try:
        home = tmp_path / ".shipmate"
        Vault(home).set("API_KEY", CANARY)
        config = with_secrets(home, (SecretSpec(name="API_KEY"),), _docker_config(tmp_path, image.id))
        target = DockerTarget()
        ref = target.start(_launch(home, home_id, config))
        wait_until(lambda: len(target.last_output(ref.handle, 5).lines) >= 3, TIMEOUT, "the app to read it")
        assert target.last_output(ref.handle, 5).lines[0].endswith(hashlib.sha256(CANARY.encode()).hexdigest())
        assert _mode(secret_path(home, "API_KEY", 1)) == 0o600          # the original stays private
        Vault(home).remove("API_KEY")
        assert not (home / "secrets" / ".readable" / "API_KEY").exists()   # its copies go with it
    finally:
        for container in engine.containers.list(all=True, filters={"label": [f"shipmate.home={home_id}"]}):
            container.remove(force=True)
        engine.images.remove(tag)                                        # by tag: never a shared layer


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_pinned_version_that_is_gone_stops_the_start_before_a_container_exists(
        engine: Any, home_id: str, tmp_path: Path) -> None:
    from shipmate.errors import PrerequisiteMissingError

    home = tmp_path / ".shipmate"
    Vault(home).set("API_KEY", CANARY)
    config = with_secrets(home, (SecretSpec(name="API_KEY"),), _docker_config(tmp_path, ensure_python_base(engine)))
    Vault(home).remove("API_KEY")
    with pytest.raises(PrerequisiteMissingError, match="secret API_KEY") as caught:
        DockerTarget().start(_launch(home, home_id, config))
    assert caught.value.exit_code == 7 and caught.value.hint
    assert engine.containers.list(ignore_removed=True, all=True, filters={"label": [f"shipmate.home={home_id}"]}) == []


def test_docker_config_records_which_names_the_container_mounts(tmp_path: Path) -> None:
    home = tmp_path / ".shipmate"
    Vault(home).set("API_KEY", CANARY)
    Vault(home).set("DB_PASSWORD", "another-value-123")
    declared = (SecretSpec(name="DB_PASSWORD"), SecretSpec(name="API_KEY"))
    config = with_secrets(home, declared, _docker_config(tmp_path, "127.0.0.1:1/x/y:1"))
    assert config.target_settings["secret_names"] == ["API_KEY", "DB_PASSWORD"]
    assert ReleaseConfig.from_dict(config.to_dict()).target_settings["secret_names"] == ["API_KEY", "DB_PASSWORD"]
    assert CANARY not in json.dumps(config.to_dict())
    process = dataclasses.replace(config, target_kind="process", target_settings={})
    assert "secret_names" not in with_secrets(home, declared, process).target_settings
