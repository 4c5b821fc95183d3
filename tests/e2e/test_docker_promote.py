"""promote on the Docker target: production runs the very image staging passed with, never rebuilt.
Needs a Docker engine (DOCKER_HOST); skipped without one."""

from __future__ import annotations

from typing import Any

from tests.e2e.cli_project import Project
from tests.e2e.docker_project import containers_of
from tests.waiting import free_port


def _spec(project: Project, production_port: int) -> None:
    (project.root / "shipmate.yaml").write_text(f"""service: hello-docker
version: "1"
port: {project.port}
target:
  kind: docker
  build: {{context: .}}
  container_port: 8000
  stop_grace: 3s
health:
  interval: 200ms
  deadline: 30s
  checks:
    - http: {{path: /health, status: 200}}
drain: 1s
monitor:
  duration: 1s
  interval: 200ms
  min_samples: 3
environments:
  staging: {{}}
  production: {{port: {production_port}}}
""")


def test_docker_promote_runs_the_image_staging_passed_without_a_rebuild(project: Project, engine: Any) -> None:
    production = free_port()
    _spec(project, production)
    staged = project.json("deploy", "-e", "staging", timeout=240)
    assert staged["verified"] is True, staged
    staging_images = {c.image.id for c in containers_of(engine, project, running_only=True)}
    assert len(staging_images) == 1
    # A rebuild now would give another image: the promotion must not build at all.
    (project.root / "app.py").write_text((project.root / "app.py").read_text() + "\n# changed after staging\n")

    out = project.json("promote", "--from", "staging", "--to", "production", timeout=240)
    assert out["state"] == "succeeded" and out["artifact"] in staging_images, out
    assert out["origin"]["promoted_from"]["deployment_id"] == staged["deployment_id"]
    running = containers_of(engine, project, running_only=True)
    assert {c.image.id for c in running} == staging_images
    assert sorted(c.labels["shipmate.environment"] for c in running) == ["production", "staging"]
    project.json("down", "-e", "production", timeout=120)
    project.json("down", "-e", "staging", timeout=120)
