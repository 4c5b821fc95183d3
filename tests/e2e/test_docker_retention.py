"""Retention on the Docker target with a real engine: the last 5 good releases keep their containers and
images for instant rollback, older ones are pruned, and a failed release's stopped container stays only
until the next successful deploy. Needs a Docker engine (DOCKER_HOST)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.docker_images import write_hello_context
from tests.e2e.cli_project import Project
from tests.e2e.docker_project import containers_of

SERVICE = "hello-retain"   # its own image repository: no other test's shipmate/<service> tags are touched


@pytest.fixture
def engine(project: Project, docker_engine: Any, docker_test_images: Any) -> Iterator[Any]:
    write_hello_context(project.root)
    yield docker_engine
    for container in containers_of(docker_engine, project):
        container.remove(force=True)
    for image in docker_engine.images.list(name=f"shipmate/{SERVICE}"):
        for tag in image.tags:                  # untag by tag, never remove by id (tests share image ids)
            if tag.startswith(f"shipmate/{SERVICE}:"):
                docker_engine.images.remove(tag, noprune=True)


def _spec(project: Project, version: str, env: str = "GREETING: hi") -> None:
    (project.root / "shipmate.yaml").write_text(f"""service: {SERVICE}
version: "{version}"
port: {project.port}
target:
  kind: docker
  build: {{context: ., args: {{VERSION: "{version}"}}}}
  container_port: 8000
  stop_grace: 3s
  env: {{{env}}}
health:
  interval: 200ms
  deadline: 30s
  checks:
    - http: {{path: /health, status: 200}}
drain: 0s
monitor:
  duration: 0s
""")


def _tags(client: Any) -> set[str]:
    return {tag for image in client.images.list(name=f"shipmate/{SERVICE}") for tag in image.tags}


def test_seven_deploys_keep_five_releases_and_a_failed_release_is_pruned_by_the_next_good_one(
        project: Project, engine: Any) -> None:
    for version in range(1, 8):
        _spec(project, str(version))
        done = project.json("deploy", timeout=240)
        assert done["state"] == "succeeded", done
    assert project.serves("7")
    containers = containers_of(engine, project)
    versions = sorted(int(c.labels["shipmate.version"]) for c in containers)
    assert versions == [3, 4, 5, 6, 7], versions                 # at most 5 releases' containers
    assert [c.labels["shipmate.version"] for c in containers if c.status == "running"] == ["7"]
    assert _tags(engine) == {f"shipmate/{SERVICE}:{v}" for v in range(3, 8)}   # 1 and 2 untagged

    _spec(project, "8", env="HELLO_EXIT_AT_START: '3'")
    failed = project.run("deploy", timeout=240)
    assert failed.returncode == 1 and "exiting at start with code 3" in failed.stderr, failed.stderr
    kept = [c for c in containers_of(engine, project) if c.labels["shipmate.version"] == "8"]
    assert len(kept) == 1 and kept[0].status == "exited"           # kept, stopped, for inspection

    _spec(project, "9")
    assert project.json("deploy", timeout=240)["state"] == "succeeded"
    versions = sorted(int(c.labels["shipmate.version"]) for c in containers_of(engine, project))
    assert versions == [4, 5, 6, 7, 9], versions                  # the failed 8 and the oldest 3 went
    assert f"shipmate/{SERVICE}:8" not in _tags(engine)
