"""Until tests/engines.py and tests/docker_images.py land: a reachable engine or a skip, and the offline base image."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
PYBASE = "127.0.0.1:1/shipmate-test/pybase:1"   # a pull of this name fails at once on loopback


def engine_or_skip() -> Any:
    """A Docker SDK client for DOCKER_HOST; skip (fail under SHIPMATE_REQUIRE=docker) without an engine."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except DockerException as exc:
        if "docker" in os.environ.get("SHIPMATE_REQUIRE", "").split(","):
            pytest.fail(f"SHIPMATE_REQUIRE=docker but no Docker engine answers: {exc}")
        pytest.skip(f"no Docker engine reachable (set DOCKER_HOST): {exc}")
    return client


def python_image(client: Any) -> str:
    """The offline python base image (host python + stdlib + busybox), imported once per engine."""
    from docker.errors import ImageNotFound

    try:
        client.images.get(PYBASE)
        return PYBASE
    except ImageNotFound:
        pass
    with tempfile.TemporaryDirectory() as work:
        tar = os.path.join(work, "rootfs.tar")
        subprocess.run(["sh", str(REPO / "tests/images/mkpyroot.sh"), work, tar], check=True, timeout=300)
        repo, tag = PYBASE.rsplit(":", 1)
        client.api.import_image(src=tar, repository=repo, tag=tag,
                                changes=["WORKDIR /app", 'CMD ["/usr/bin/python3", "-m", "http.server", "8000"]'])
    return PYBASE
