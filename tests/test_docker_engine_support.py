"""The suite's Docker support: offline images that really serve, and skip-or-fail when no engine answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.docker_images import HELLO_PORT, DockerTestImages, ensure_test_images
from tests.engines import required_engines
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[1]
NEEDS_DOCKER = """
def test_needs_docker(docker_engine):
    assert docker_engine.ping()
"""


def _get(port: int, path: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
        return int(answer.status), answer.read()


def _answers(port: int) -> bool:
    try:
        return _get(port, "/health")[0] == 200
    except OSError:
        return False


def test_offline_hello_image_serves_http_on_a_loopback_published_port(
    docker_engine: Any, docker_test_images: DockerTestImages, docker_labels: dict[str, str]
) -> None:
    started = time.monotonic()
    container = docker_engine.containers.run(
        docker_test_images.hello_app, detach=True, labels=docker_labels,
        ports={f"{HELLO_PORT}/tcp": ("127.0.0.1", None)},
    )
    container.reload()
    binding = container.attrs["NetworkSettings"]["Ports"][f"{HELLO_PORT}/tcp"][0]
    assert binding["HostIp"] == "127.0.0.1"
    port = int(binding["HostPort"])
    wait_until(lambda: _answers(port), timeout=30, what="the hello container to answer /health")
    serving_after = time.monotonic() - started
    status, body = _get(port, "/")
    assert status == 200 and json.loads(body)["version"] == "1"

    def healthy() -> bool:
        container.reload()
        return bool(container.attrs["State"].get("Health", {}).get("Status") == "healthy")

    wait_until(healthy, timeout=30, what="Docker's HEALTHCHECK to report healthy")
    stopping = time.monotonic()
    container.stop(timeout=10)
    stop_seconds = time.monotonic() - stopping
    assert container.wait(timeout=10)["StatusCode"] == 0, container.logs(tail=20).decode(errors="replace")
    assert stop_seconds < 5, f"STOPSIGNAL SIGINT should stop the app at once, took {stop_seconds:.1f}s"
    print(f"serving after {serving_after:.2f}s, stopped in {stop_seconds:.2f}s")


def test_test_images_come_from_the_engine_cache_and_no_registry(
    docker_engine: Any, docker_test_images: DockerTestImages
) -> None:
    again = ensure_test_images(docker_engine)
    assert (again.python_base, again.hello_app) == (docker_test_images.python_base, docker_test_images.hello_app)
    assert again.build_seconds == {}
    for image_id in (again.python_base, again.hello_app):
        image = docker_engine.images.get(image_id)
        assert image.attrs["RepoDigests"] == []  # never pulled from, nor pushed to, a registry
        # Ours, or the release tag shipmate adds when a test deploys a build of the same context (same layers,
        # same id): never a name a registry could serve.
        assert all(tag.startswith(("127.0.0.1:1/shipmate-test/", "shipmate/")) for tag in image.tags), image.tags
    config = docker_engine.images.get(again.hello_app).attrs["Config"]
    assert config["StopSignal"] == "SIGINT" and config["Healthcheck"]["Test"][0] == "CMD"


def test_python_base_runs_the_stdlib_from_precompiled_files(
    docker_engine: Any, docker_test_images: DockerTestImages, docker_labels: dict[str, str]
) -> None:
    script = "import os, http.server, ssl, sqlite3, ctypes, hashlib; print(os.path.isfile(http.server.__cached__))"
    output = docker_engine.containers.run(docker_test_images.python_base, ["/usr/bin/python3", "-c", script],
                                          labels=docker_labels, network_mode="none")
    assert output.decode().strip() == "True"


def _run_pytest_needing_docker(tmp_path: Path, require: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_needs_docker.py").write_text(NEEDS_DOCKER)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(PYTHONPATH=str(REPO), SHIPMATE_REQUIRE=require, DOCKER_HOST=f"unix://{tmp_path}/no-engine-here.sock")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "tests.engines",
         "--rootdir", str(tmp_path), str(tmp_path / "test_needs_docker.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )


def test_a_missing_engine_skips_docker_tests_with_the_reason(tmp_path: Path) -> None:
    result = _run_pytest_needing_docker(tmp_path, require="")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "no Docker engine answers at unix://" in result.stdout


def test_a_missing_engine_fails_docker_tests_when_required(tmp_path: Path) -> None:
    result = _run_pytest_needing_docker(tmp_path, require="postgres, Docker")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 error" in result.stdout
    assert "docker is required (SHIPMATE_REQUIRE=postgres, Docker) but no Docker engine answers" in result.stdout


@pytest.mark.parametrize(("raw", "expected"), [("", set()), ("docker", {"docker"}),
                                              (" Docker, postgres ,,chromium", {"docker", "postgres", "chromium"})])
def test_required_engines_read_a_comma_list(monkeypatch: pytest.MonkeyPatch, raw: str, expected: set[str]) -> None:
    monkeypatch.setenv("SHIPMATE_REQUIRE", raw)
    assert required_engines() == expected
