"""Canary and rolling on the Docker target through the real router, as a user runs them: 2 replicas,
v1 then v2, the public port answers v2 and status shows 2 current instances. Needs a Docker engine."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.cli_project import Project
from tests.e2e.docker_project import containers_of

SECTIONS = {
    "canary": "canary:\n  steps: [{weight: 50, pause: 1s}]\n",
    "rolling": "rolling: {max_unavailable: 1, max_surge: 1}\n",
}
MOVES = {"canary": "set_weight", "rolling": "add_backends"}   # the step that shows the strategy really ran


def _spec(project: Project, version: str, strategy: str) -> None:
    (project.root / "shipmate.yaml").write_text(f"""service: hello-{strategy}
version: "{version}"
port: {project.port}
replicas: 2
strategy: {strategy}
{SECTIONS[strategy]}target:
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
  rollback_if: {{error_rate: 0.05, p95_ms: 2000}}
""")


@pytest.mark.parametrize("strategy", ["canary", "rolling"])
def test_docker_strategy_with_two_replicas_moves_v1_to_v2_through_the_router(
        project: Project, engine: Any, strategy: str) -> None:
    _spec(project, "1", strategy)
    first = project.json("deploy", timeout=240)
    assert first["state"] == "succeeded", first
    assert project.serves("1")
    _spec(project, "2", strategy)
    second = project.json("deploy", timeout=240)
    assert second["state"] == "succeeded" and second["previous_version"] == "1", second
    assert MOVES[strategy] in [s["name"] for s in second["steps"] if s["status"] == "ok"], second["steps"]
    for _ in range(10):                                   # every request, on either replica, is v2
        assert project.get("/")["version"] == "2"
    env = project.json("status")["environments"][0]
    current = [i for i in env["instances"] if i["role"] == "current"]
    assert len(current) == 2 and all(i["version"] == "2" and i["alive"] for i in current), env["instances"]
    running = containers_of(engine, project, running_only=True)
    assert sorted(c.labels["shipmate.version"] for c in running) == ["2", "2"]
