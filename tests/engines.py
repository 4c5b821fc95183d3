"""Third-party engines the suite needs (Docker first): skip when absent, fail when CI requires them.

SHIPMATE_REQUIRE is a comma list (e.g. ``docker,postgres``): an engine named there that cannot be reached
fails the tests that need it instead of skipping them, so CI never goes green by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest

REQUIRE_ENV = "SHIPMATE_REQUIRE"
TEST_LABEL = "shipmate.test"  # every container a test starts carries it, so teardown finds them all
CONNECT_TIMEOUT_S = 5.0


def required_engines() -> frozenset[str]:
    raw = os.environ.get(REQUIRE_ENV, "")
    return frozenset(part.strip().lower() for part in raw.split(",") if part.strip())


def engine_unavailable(engine: str, reason: str) -> NoReturn:
    """Skip the test with ``reason``, or fail it when ``engine`` is listed in SHIPMATE_REQUIRE."""
    if engine.lower() in required_engines():
        pytest.fail(f"{engine} is required ({REQUIRE_ENV}={os.environ.get(REQUIRE_ENV)}) but {reason}", pytrace=False)
    pytest.skip(f"{engine}: {reason} (start one with `eval \"$(.ci/docker-engine up)\"`)")


def docker_client_or_skip(timeout: float = 60.0) -> Any:
    """A connected ``docker.DockerClient`` (DOCKER_HOST honoured), or skip/fail with the reason it is not."""
    try:
        import docker
    except ImportError:
        engine_unavailable("docker", "the docker SDK is not installed (make install)")
    where = os.environ.get("DOCKER_HOST") or "the default socket /var/run/docker.sock"
    try:
        client = docker.from_env(timeout=int(CONNECT_TIMEOUT_S))
        client.ping()
    except Exception as exc:  # the SDK raises DockerException, requests' errors or OSError
        detail = str(exc)[:160]
        engine_unavailable("docker", f"no Docker engine answers at {where} ({type(exc).__name__}: {detail})")
    client.api.timeout = timeout  # builds and stops may legitimately take longer than a ping
    return client


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[Any]:
    """The session's Docker client; skips (or fails under SHIPMATE_REQUIRE=docker) without an engine."""
    client = docker_client_or_skip()
    yield client
    client.close()


@pytest.fixture
def docker_labels(docker_engine: Any) -> Iterator[dict[str, str]]:
    """Labels to put on every container a test starts; the containers carrying them are removed afterwards."""
    labels = {TEST_LABEL: uuid.uuid4().hex[:12]}
    yield labels
    remove_labelled(docker_engine, labels)


def remove_labelled(client: Any, labels: dict[str, str]) -> None:
    selector = [f"{key}={value}" for key, value in labels.items()]
    for container in client.containers.list(ignore_removed=True, all=True, filters={"label": selector}):
        container.remove(force=True)
