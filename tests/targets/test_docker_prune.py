"""Docker retention at the target: prune removes only this home's stopped containers of versions not kept,
never a running one, and untags only shipmate/<service> tags of versions not kept (by tag, never by id)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.docker_images import ensure_python_base
from tests.engines import docker_client_or_skip

from shipmate.model import InstanceRef, LaunchSpec
from shipmate.targets.docker import DockerTarget


@pytest.fixture
def engine() -> Any:
    return docker_client_or_skip()


@pytest.fixture
def homes(engine: Any) -> Iterator[tuple[str, str]]:
    pair = (f"pr-{uuid.uuid4().hex[:10]}", f"pr-{uuid.uuid4().hex[:10]}")
    yield pair
    for home in pair:
        for container in engine.containers.list(all=True, filters={"label": [f"shipmate.home={home}"]}):
            container.remove(force=True)


def _start(target: DockerTarget, image: str, home: str, version: str, project: Path) -> InstanceRef:
    settings = {"image": image, "container_port": 8000, "project": str(project), "stop_signal": "SIGTERM",
                "network": "bridge", "volumes": [], "log_max_bytes": 1048576, "log_max_files": 2}
    env = {"SHIPMATE_SERVICE": "web", "SHIPMATE_VERSION": version, "SHIPMATE_ENVIRONMENT": "prod",
           "SHIPMATE_DEPLOYMENT_ID": f"dep_{version}"}
    launch = LaunchSpec(instance_id=f"v{version}-{home[-6:]}", argv=("/bin/sleep", "120"), cwd=str(project),
                        env=env, port=0, log_path="", home_id=home, settings=settings)
    return target.start(launch)


def _versions(engine: Any, home: str) -> dict[str, str]:
    found = engine.containers.list(ignore_removed=True, all=True, filters={"label": [f"shipmate.home={home}"]})
    return {c.labels["shipmate.version"]: c.status for c in found}


def test_prune_removes_only_this_homes_stopped_containers_of_versions_not_kept(
        engine: Any, homes: tuple[str, str], tmp_path: Path) -> None:
    home, other = homes
    image = ensure_python_base(engine)
    target = DockerTarget()
    refs = {v: _start(target, image, home, v, tmp_path) for v in ("1", "2", "3", "4")}
    stranger = _start(target, image, other, "1", tmp_path)
    for version in ("1", "2", "4"):
        target.stop(refs[version], grace=5)
    target.stop(stranger, grace=5)
    done = target.prune(home, "web", "prod", keep={"4"})
    assert len(done["containers"]) == 2
    assert _versions(engine, home) == {"3": "running", "4": "exited"}   # a running one is never pruned
    assert _versions(engine, other) == {"1": "exited"}                 # another home's are not ours
    assert target.prune(home, "web", "prod", keep={"4"})["containers"] == []   # idempotent


def test_prune_untags_old_release_tags_and_keeps_the_kept_ones_and_foreign_tags(engine: Any, homes: Any) -> None:
    base = ensure_python_base(engine)
    service = f"prune-{uuid.uuid4().hex[:8]}"
    own = f"127.0.0.1:1/shipmate-test/{service}:mine"
    dockerfile = f"FROM {base}\nLABEL shipmate.test.prune={service}\n".encode()
    image, _ = engine.images.build(fileobj=io.BytesIO(dockerfile), tag=own, pull=False, rm=True)
    try:
        for version in ("1", "2", "3"):
            image.tag(f"shipmate/{service}", version)
        done = DockerTarget().prune(homes[0], service, "prod", keep={"3"})
        assert done["images"] == [f"shipmate/{service}:1", f"shipmate/{service}:2"]
        assert sorted(engine.images.get(own).tags) == sorted([own, f"shipmate/{service}:3"])
    finally:
        for tag in (f"shipmate/{service}:3", own):              # untag by tag: the last one deletes it
            engine.images.remove(tag, noprune=True)
