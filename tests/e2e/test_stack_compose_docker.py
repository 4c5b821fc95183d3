"""A two-service compose file imported as a stack and deployed on the real Docker engine (DOCKER_HOST): web
depends on api with `condition: service_healthy`, so api is deployed (and healthy) first; both answer by HTTP on
their public ports, and `down` of the stack stops every container. Images are the offline test images."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from shipmate.ops.common.workspace import Workspace
from tests.e2e.cli_project import Project, cleanup
from tests.e2e.docker_project import remove_container
from tests.waiting import free_port


def _get(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
        body: dict[str, Any] = json.loads(resp.read())
        return body


def test_an_imported_compose_stack_deploys_api_before_web_on_docker_and_goes_down(
        project: Project, docker_engine: Any, docker_test_images: Any) -> None:
    api_port, web_port = project.port, free_port()
    image = docker_test_images.hello_app_tag
    (project.root / "compose.yml").write_text(f"""name: shop
services:
  web:
    image: {image}
    ports: ["127.0.0.1:{web_port}:8000"]
    environment: {{GREETING: web}}
    depends_on: {{api: {{condition: service_healthy}}}}
  api:
    image: {image}
    ports: ["127.0.0.1:{api_port}:8000"]
    environment: {{GREETING: api}}
    healthcheck: {{test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8000/health"], interval: 1s}}
""")
    homes = [Workspace.locate(project.root / name / "shipmate.yaml").home_id for name in ("api", "web")]
    try:
        imported = project.json("import", "compose", "compose.yml", "--all")
        assert [s["name"] for s in imported["services"]] == ["web", "api"]
        done = project.json("deploy", "-f", "shipmate.stack.yaml", timeout=300)
        assert done["order"] == ["api", "web"] and done["state"] == "succeeded", done
        assert (_get(api_port)["greeting"], _get(web_port)["greeting"]) == ("api", "web")
        running = [c for home in homes for c in docker_engine.containers.list(
            filters={"label": [f"shipmate.home={home}"], "status": "running"})]
        assert sorted(c.labels["shipmate.service"] for c in running) == ["api", "web"]
        down = project.json("down", "-f", "shipmate.stack.yaml", timeout=180)
        assert down["order"] == ["web", "api"] and down["state"] == "succeeded"
        assert not [c for home in homes for c in docker_engine.containers.list(
            filters={"label": [f"shipmate.home={home}"], "status": "running"})]
    finally:
        for home in homes:
            for container in docker_engine.containers.list(all=True, filters={"label": [f"shipmate.home={home}"]}):
                remove_container(container)
        for name in ("api", "web"):   # each member's router
            cleanup(Project(project.root / name, 0, project.env), project.root.parent / "run")
