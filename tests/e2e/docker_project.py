"""What the Docker end-to-end tests share: the engine fixture for a project, and its containers by label."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.docker_images import write_hello_context
from tests.e2e.cli_project import Project


def home_id(project: Project) -> str:
    from shipmate.ops.common.workspace import Workspace

    return Workspace.locate(project.root / "shipmate.yaml").home_id


def containers_of(client: Any, project: Project, *, running_only: bool = False) -> list[Any]:
    """Every container this project's shipmate home started (running ones only if asked)."""
    filters: dict[str, Any] = {"label": [f"shipmate.home={home_id(project)}"]}
    if running_only:
        filters["status"] = "running"
    return list(client.containers.list(all=not running_only, filters=filters))


@pytest.fixture
def engine(project: Project, docker_engine: Any, docker_test_images: Any) -> Iterator[Any]:
    """The Docker client, with the hello build context in the project; the project's containers go afterwards.

    Images stay: a build of the same context is the same image id, which a test running beside this one
    may be deploying right now (the CI engine is thrown away at the end anyway).
    """
    write_hello_context(project.root)      # Dockerfile (FROM the offline base, with a HEALTHCHECK) + app.py
    yield docker_engine
    for container in containers_of(docker_engine, project):
        remove_container(container)


def remove_container(container: Any) -> None:
    """Force-remove; a Swarm task's container may already be gone, or going, with its service (404 / 409)."""
    from docker.errors import APIError

    try:
        container.remove(force=True)
    except APIError as exc:
        if exc.status_code not in (404, 409):
            raise
