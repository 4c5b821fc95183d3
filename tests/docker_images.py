"""Offline test images: nothing is ever pulled, and a registry is never reachable from the tests anyway.

A base image is imported from a rootfs assembled from the host's python3 + busybox-static
(tests/images/mkpyroot.sh); the hello app image is a Dockerfile build FROM it. Both are cached on the
engine by a content-hash label, and built under a file lock, so xdist workers build them once per engine.
Their names start with 127.0.0.1:1/, where any accidental pull fails at once on loopback.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.engines import engine_unavailable

REPO = Path(__file__).resolve().parents[1]
MKPYROOT = REPO / "tests" / "images" / "mkpyroot.sh"
HELLO_APP = REPO / "examples" / "hello" / "app.py"

REGISTRY = "127.0.0.1:1/shipmate-test"  # loopback port 1: a pull is refused in a millisecond
PYTHON_BASE_REPO = f"{REGISTRY}/python"
PYTHON_BASE_TAG = f"{PYTHON_BASE_REPO}:3"
HELLO_REPO = f"{REGISTRY}/hello"
CONTENT_LABEL = "shipmate.test.content"
HELLO_PORT = 8000  # where the hello app listens inside its container (on 0.0.0.0)
BUILD_TIMEOUT_S = 180
MISSING_TOOL_EXIT = 3  # mkpyroot.sh: busybox-static or the host python is missing

HELLO_DOCKERFILE = """\
FROM {base}
ARG VERSION={version}
ENV SHIPMATE_VERSION=$VERSION PORT={port} HELLO_HOST=0.0.0.0
COPY app.py /app/app.py
EXPOSE {port}
STOPSIGNAL SIGINT
{healthcheck}CMD ["/usr/bin/python3", "/app/app.py"]
"""
HEALTHCHECK_LINE = (
    "HEALTHCHECK --interval=1s --timeout=2s --start-period=10s --retries=3 "
    'CMD ["/bin/wget", "-q", "-O", "/dev/null", "http://127.0.0.1:{port}/health"]\n'
)


@dataclass(frozen=True)
class DockerTestImages:
    """Ids and tags of the session's test images, and what building them cost (0 when cached)."""

    python_base: str
    hello_app: str
    python_base_tag: str = PYTHON_BASE_TAG
    hello_app_tag: str = f"{HELLO_REPO}:1"
    build_seconds: dict[str, float] = field(default_factory=dict)


def _host_python() -> Path:
    return Path(os.path.realpath("/usr/bin/python3"))


def python_base_hash() -> str:
    """Changes when the script, the host interpreter, its stdlib or busybox change."""
    digest = hashlib.sha256(MKPYROOT.read_bytes())
    python = _host_python()
    stdlib = Path("/usr/lib") / python.name
    busybox = shutil.which("busybox") or "-"
    for path in (python, stdlib, Path(busybox)):
        stat = path.stat() if path.exists() else None
        digest.update(f"{path}:{stat.st_size if stat else 0}:{stat.st_mtime_ns if stat else 0}".encode())
    return digest.hexdigest()[:24]


@contextmanager
def _engine_lock(client: Any) -> Iterator[None]:
    """One builder per engine at a time, across xdist workers and concurrent sessions."""
    engine_id = hashlib.sha256(str(client.info().get("ID", client.api.base_url)).encode()).hexdigest()[:12]
    lock_path = Path(tempfile.gettempdir()) / f"shipmate-test-images-{engine_id}.lock"
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _cached(client: Any, content: str, repository: str, tag: str) -> str | None:
    # Images built FROM ours inherit the label, so the tag decides which one is ours. The low-level listing,
    # because `images.list` inspects every listed image one by one, and a parallel test deleting its own image
    # built FROM ours between the two calls made that a 404 (seen in CI).
    listed = client.api.images(filters={"label": f"{CONTENT_LABEL}={content}"})
    ours = next((image for image in listed if f"{repository}:{tag}" in (image.get("RepoTags") or [])), None)
    return None if ours is None else str(ours["Id"])


def ensure_python_base(client: Any, timings: dict[str, float] | None = None) -> str:
    """Import the python base image unless the engine already has this exact content; its id."""
    content = python_base_hash()
    repository, tag = PYTHON_BASE_TAG.rsplit(":", 1)
    with _engine_lock(client):
        cached = _cached(client, content, repository, tag)
        if cached:
            return cached
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="shipmate-pyroot-") as work:
            tar = Path(work) / "rootfs.tar"
            made = subprocess.run(["sh", str(MKPYROOT), work, str(tar)], timeout=BUILD_TIMEOUT_S,
                                  capture_output=True, text=True, check=False)
            if made.returncode == MISSING_TOOL_EXIT:
                engine_unavailable("docker", made.stderr.strip())
            if made.returncode != 0:
                raise RuntimeError(f"{MKPYROOT.name} failed ({made.returncode}): {made.stderr.strip()[-2000:]}")
            rootfs_done = time.monotonic()
            client.api.import_image(src=str(tar), repository=repository, tag=tag, changes=[
                f"LABEL {CONTENT_LABEL}={content}",
                "ENV PYTHONDONTWRITEBYTECODE=1",
                "WORKDIR /app",
                'CMD ["/usr/bin/python3"]',
            ])
        if timings is not None:
            timings["python_base_rootfs"] = round(rootfs_done - started, 2)
            timings["python_base_import"] = round(time.monotonic() - rootfs_done, 2)
        return str(client.images.get(PYTHON_BASE_TAG).id)


def write_hello_context(dest: Path, version: str = "1", healthcheck: bool = True,
                        base: str = PYTHON_BASE_TAG) -> Path:
    """A build context (Dockerfile + app.py) for the hello app FROM the offline base; returns ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HELLO_APP, dest / "app.py")
    check = HEALTHCHECK_LINE.format(port=HELLO_PORT) if healthcheck else ""
    dockerfile = HELLO_DOCKERFILE.format(base=base, version=version, port=HELLO_PORT, healthcheck=check)
    (dest / "Dockerfile").write_text(dockerfile)
    return dest


def hello_image(client: Any, version: str = "1", healthcheck: bool = True,
                timings: dict[str, float] | None = None) -> str:
    """Build (or reuse) the hello app image for ``version``, tagged ``127.0.0.1:1/shipmate-test/hello:<version>``."""
    base_id = ensure_python_base(client, timings)
    tag = version if healthcheck else f"{version}-nohealthcheck"
    with tempfile.TemporaryDirectory(prefix="shipmate-hello-") as work:
        context = write_hello_context(Path(work), version, healthcheck)
        digest = hashlib.sha256(base_id.encode())
        for name in ("Dockerfile", "app.py"):
            digest.update((context / name).read_bytes())
        content = digest.hexdigest()[:24]
        with _engine_lock(client):
            cached = _cached(client, content, HELLO_REPO, tag)
            if cached:
                return cached
            started = time.monotonic()
            image, _ = client.images.build(path=str(context), tag=f"{HELLO_REPO}:{tag}", pull=False, rm=True,
                                           forcerm=True, labels={CONTENT_LABEL: content}, timeout=BUILD_TIMEOUT_S)
            if timings is not None:
                timings[f"hello_{tag}_build"] = round(time.monotonic() - started, 2)
            return str(image.id)


def ensure_test_images(client: Any) -> DockerTestImages:
    timings: dict[str, float] = {}
    base = ensure_python_base(client, timings)
    hello = hello_image(client, "1", timings=timings)
    if timings:
        print(f"docker test images built: {timings}", file=sys.stderr)
    return DockerTestImages(python_base=base, hello_app=hello, build_seconds=timings)


@pytest.fixture(scope="session")
def docker_test_images(docker_engine: Any) -> DockerTestImages:
    """The offline python base and hello app images on the session's engine (built once per engine)."""
    return ensure_test_images(docker_engine)
