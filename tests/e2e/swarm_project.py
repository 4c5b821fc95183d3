"""What the Swarm end-to-end tests share: a spec for target.kind swarm, and the project's services afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.docker_images import write_hello_context
from tests.e2e.cli_project import Project
from tests.e2e.docker_project import home_id


def swarm_spec(project: Project, service: str, version: str, *, image: str | None = None, replicas: int = 2,
               env: dict[str, str] | None = None, monitor: str = "1s", extra: str = "") -> None:
    source = f"image: {image}" if image else "build: {context: .}"
    env_lines = "".join(f"    {k}: \"{v}\"\n" for k, v in (env or {}).items())
    (project.root / "shipmate.yaml").write_text(f"""service: {service}
version: "{version}"
port: {project.port}
replicas: {replicas}
strategy: rolling
target:
  kind: swarm
  {source}
  container_port: 8000
  stop_signal: SIGINT
  stop_grace: 2s
  env:
    PYTHONUNBUFFERED: "1"
{env_lines}  update: {{parallelism: 1, delay: 0s, order: start-first, monitor: 1s}}
  rollback: {{parallelism: 0, delay: 0s, order: stop-first, monitor: 1s}}
  converge_timeout: 90s
health:
  interval: 200ms
  deadline: 30s
  checks:
    - http: {{path: /health, status: 200}}
drain: 1s
monitor:
  duration: {monitor}
  interval: 200ms
  min_samples: 3
  rollback_if: {{error_rate: 0.05, p95_ms: 2000}}
{extra}""")


def remove_services(client: Any, project: Project) -> None:
    """The project's services and secrets (by its home label), so the shared swarm keeps nothing of it."""
    label = f"shipmate.home={home_id(project)}"
    for service in client.api.services(filters={"label": [label]}):
        client.api.remove_service(service["ID"])
    for secret in client.api.secrets(filters={"label": [label]}):
        try:
            client.api.remove_secret(secret["ID"])
        except Exception:  # still mounted while the removed service's tasks stop; the engine is thrown away in CI
            continue


@pytest.fixture
def swarm_project(project: Project, swarm_engine: Any, docker_test_images: Any) -> Iterator[Any]:
    """The swarm manager's client, with the hello build context in the project; its services go afterwards."""
    write_hello_context(project.root)
    yield swarm_engine
    remove_services(swarm_engine, project)
