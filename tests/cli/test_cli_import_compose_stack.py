"""`shipmate import compose --all` through the installed CLI: every service into a stack, depends_on kept."""

from __future__ import annotations

from pathlib import Path

import yaml

from shipmate.spec.stack_file import load_stack
from tests.e2e.cli_project import Project

COMPOSE = """name: shop
services:
  web:
    build: .
    ports: ["8080:8000"]
    depends_on:
      api: {condition: service_healthy}
      cache: {condition: service_started}
  api:
    image: api:1.2.0
    volumes: ["./data:/data"]
    healthcheck: {test: ["CMD", "curl", "-f", "http://localhost:8000/health"], interval: 2s}
  cache:
    image: redis:7
    depends_on: [api]
"""


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_every_service_becomes_a_member_and_depends_on_orders_the_stack(project: Project) -> None:
    (project.root / "compose.yml").write_text(COMPOSE)
    out = project.json("import", "compose", "compose.yml", "--all")
    assert out["written"] == "shipmate.stack.yaml" and out["stack"] == "shop"
    assert [(s["name"], s["compose_service"]) for s in out["services"]] == [("web", "web"), ("api", "api"),
                                                                            ("cache", "cache")]
    stack = yaml.safe_load((project.root / "shipmate.stack.yaml").read_text())
    assert stack["services"]["web"]["depends_on"] == {"api": {"condition": "service_healthy"},
                                                      "cache": {"condition": "service_started"}}
    assert stack["services"]["cache"]["depends_on"] == {"api": {"condition": "service_started"}}
    assert load_stack(project.root / "shipmate.stack.yaml").order == ["api", "cache", "web"]
    ports = {name: yaml.safe_load((project.root / name / "shipmate.yaml").read_text())["port"]
             for name in ("web", "api", "cache")}
    assert ports == {"web": 8080, "api": 8000, "cache": 8001}   # unpublished services get a port each
    web = yaml.safe_load((project.root / "web" / "shipmate.yaml").read_text())
    assert web["target"]["build"]["context"] == ".."          # still the compose file's folder
    paths = {w["path"] for w in out["warnings"]}
    assert "services.api.volumes[0]" in paths and "services.cache.ports" in paths
    assert not any(p.endswith("depends_on") for p in paths)   # carried now, not dropped
    for name in ("web", "api", "cache"):
        assert project.json("validate", "-f", f"{name}/shipmate.yaml")["valid"]


def test_existing_files_are_kept_and_nothing_is_written_for_a_cycle(project: Project) -> None:
    (project.root / "compose.yml").write_text(COMPOSE)
    (project.root / "api").mkdir()
    (project.root / "api" / "shipmate.yaml").write_text("mine\n")
    before = _files(project.root)
    out = project.json("import", "compose", "compose.yml", "--all", expect=2)
    assert "already exists" in out["error"]["message"] and "--force" in out["error"]["hint"]
    assert _files(project.root) == before
    (project.root / "compose.yml").write_text(COMPOSE.replace("depends_on: [api]", "depends_on: [web]"))
    (project.root / "api" / "shipmate.yaml").unlink()
    (project.root / "api").rmdir()
    before = _files(project.root)
    out = project.json("import", "compose", "compose.yml", "--all", expect=2)
    assert "cycle" in out["error"]["message"] and "services.web.depends_on" in out["error"]["message"]
    assert _files(project.root) == before   # no spec, no folder, no stack file
    (project.root / "compose.yml").write_text(COMPOSE.replace("depends_on: [api]", "depends_on: [db]"))
    out = project.json("import", "compose", "compose.yml", "--all", expect=2)
    assert out["error"]["message"] == "services.cache.depends_on: unknown service 'db'"
    assert _files(project.root) == before
