"""The failure memory with the real Docker engine: an image that is not there and a volume the app's user may
not write to each offer their starter fix first. Needs a Docker engine (DOCKER_HOST)."""

from __future__ import annotations

from typing import Any

from tests.e2e.cli_project import Project

SPEC = """service: memory-docker
version: "1.0.0"
port: {port}
target:
  kind: docker
  {source}
  container_port: 8000
  stop_grace: 1s
{extra}health:
  interval: 200ms
  deadline: 10s
  checks:
    - http: {{path: /health, status: 200}}
monitor: {{duration: 1s, interval: 200ms, min_samples: 3}}
"""


def _first_fix(project: Project, expect: int) -> dict[str, Any]:
    error: dict[str, Any] = project.json("deploy", expect=expect)["error"]
    assert next(iter(error["details"])) == "known_fixes"
    return error


def test_an_image_not_in_the_engine_offers_the_image_fix(project: Project, engine: Any) -> None:
    (project.root / "shipmate.yaml").write_text(SPEC.format(
        port=project.port, source='image: "127.0.0.1:1/shipmate-test/never-built:1"', extra=""))
    error = _first_fix(project, 7)
    assert error["details"]["known_fixes"][0]["id"] == "fix_starter_image_missing"


def test_permission_denied_on_a_volume_offers_the_volume_fix(project: Project, engine: Any) -> None:
    dockerfile = project.root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("\nCMD ", "\nUSER 65534\nCMD ", 1))
    data = project.root / "data"
    data.mkdir()
    data.chmod(0o755)   # owned by the test's user (root here), not by the container's uid 65534
    command = '["/usr/bin/python3", "-c", "open(\'/data/state.db\', \'w\')"]'
    (project.root / "shipmate.yaml").write_text(SPEC.format(
        port=project.port, source="build: {context: .}",
        extra=f'  volumes: ["./data:/data"]\n  command: {command}\n'))
    error = _first_fix(project, 1)
    ids = [f["id"] for f in error["details"]["known_fixes"]]
    assert ids[0] == "fix_starter_volume_permission", (ids, error["message"])
