"""The shared test engine in swarm mode, for the Swarm target's tests.

`swarm init` listens on 127.0.0.1 only (a free port of its own), the useless ingress network is removed (no IPVS
here; it opens a VXLAN socket on 0.0.0.0), and the swarm is never left: other tests and sessions share the engine.
Skips like the docker tests when no engine answers, and fails under SHIPMATE_REQUIRE=docker.
"""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.engines import engine_unavailable
from tests.waiting import free_port

LOOPBACK_BINDING = "127.0.0.1"   # .ci/docker-engine starts dockerd with --ip 127.0.0.1


def ensure_swarm(client: Any) -> None:
    """Make the engine a single-node swarm manager on loopback unless it already is one (under a file lock, so
    parallel sessions init once)."""
    engine_id = hashlib.sha256(str(client.info().get("ID", client.api.base_url)).encode()).hexdigest()[:12]
    lock_path = Path(tempfile.gettempdir()) / f"shipmate-test-swarm-{engine_id}.lock"
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            swarm = client.info().get("Swarm") or {}
            if swarm.get("LocalNodeState") == "active":
                if not swarm.get("ControlAvailable"):
                    engine_unavailable("docker", "the engine is a swarm worker, not a manager")
                return
            try:
                client.swarm.init(advertise_addr="127.0.0.1", listen_addr=f"127.0.0.1:{free_port()}")
            except Exception as exc:  # the SDK raises APIError; the engine may refuse swarm mode
                engine_unavailable("docker", f"swarm init failed: {str(exc)[:200]}")
            for network in client.networks.list(names=["ingress"]):
                if network.name == "ingress":
                    network.remove()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def published_on_loopback(client: Any) -> bool:
    """Whether a port published without a host IP (all of Swarm's host-mode ports) binds 127.0.0.1."""
    options = client.networks.get("bridge").attrs.get("Options") or {}
    return options.get("com.docker.network.bridge.host_binding_ipv4") == LOOPBACK_BINDING


@pytest.fixture(scope="session")
def swarm_engine(docker_engine: Any) -> Any:
    """The session's Docker client, its engine a swarm manager. Tests still talk only to 127.0.0.1."""
    ensure_swarm(docker_engine)
    if not published_on_loopback(docker_engine):
        warnings.warn("this engine binds Swarm host-mode ports on 0.0.0.0 (start dockerd with --ip 127.0.0.1, as "
                      ".ci/docker-engine does)", stacklevel=1)
    return docker_engine


@pytest.fixture
def swarm_names(swarm_engine: Any) -> Iterator[Callable[[], str]]:
    """Unique service names for one test; their services and secrets are removed afterwards."""
    made: list[str] = []

    def name() -> str:
        made.append(f"swt{uuid.uuid4().hex[:8]}")
        return made[-1]

    yield name
    for service in made:
        for found in swarm_engine.api.services(filters={"label": [f"shipmate.service={service}"]}):
            swarm_engine.api.remove_service(found["ID"])
    for service in made:
        for secret in swarm_engine.api.secrets(filters={"label": [f"shipmate.service={service}"]}):
            try:
                swarm_engine.api.remove_secret(secret["ID"])
            except Exception:  # still in use while the removed service's tasks stop: the next run's test ignores it
                continue
