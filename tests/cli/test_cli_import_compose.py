"""`shipmate import compose` through the installed CLI: a real production compose file, and bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.e2e.cli_project import Project

PROD_COMPOSE = Path(__file__).parent / "data" / "docker-compose.prod.yml"
TWO_SERVICES = """services:
  web: {image: web:1, ports: ["8000:8000"]}
  admin: {image: admin:1, ports: ["9000:9000"]}
  db: {image: postgres:16}
"""


def _prod(project: Project) -> None:
    shutil.copy(PROD_COMPOSE, project.root / "docker-compose.prod.yml")
    (project.root / "configs").mkdir()


def test_a_production_compose_file_becomes_a_spec_that_validate_accepts(project: Project) -> None:
    _prod(project)
    out = project.json("import", "compose", "docker-compose.prod.yml")
    assert out["written"] == "shipmate.yaml" and out["service"] == "chora-compose"
    assert yaml.safe_load((project.root / "shipmate.yaml").read_text())["version"] == "1.9.1"
    paths = {w["path"] for w in out["warnings"]}
    assert paths == {"services.chora-compose.image", "services.chora-compose.container_name",
                     "services.chora-compose.restart", "services.chora-compose.secrets",
                     "services.chora-compose.deploy.resources.reservations", "services.chora-compose.networks",
                     "services.chora-compose.volumes", "secrets", "networks"}
    spec = yaml.safe_load((project.root / "shipmate.yaml").read_text())
    target = spec["target"]
    assert target["kind"] == "docker" and target["container_port"] == 8000 and spec["port"] == 8000
    assert target["build"] == {"context": ".", "dockerfile": "Dockerfile", "args": {"PYTHON_VERSION": "3.12"}}
    assert target["volumes"] == ["chora-data:/app/.chora", "./configs:/app/configs:ro"]
    assert target["env"]["ANTHROPIC_API_KEY_FILE"] == "/run/secrets/anthropic_api_key"
    assert target["resources"] == {"cpus": 1.0, "memory": "512m"} and target["stop_grace"] == "30s"
    assert spec["health"]["checks"] == [{"http": {"path": "/health"}}]
    assert spec["health"]["start_period"] == "45s" and spec["strategy"] == "recreate"
    valid = project.json("validate")
    assert valid["valid"] and valid["service"] == "chora-compose" and valid["port"] == 8000


def test_plain_output_lists_every_key_not_carried(project: Project) -> None:
    _prod(project)
    proc = project.run("import", "compose", "docker-compose.prod.yml", "--out", "prod.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "wrote prod.yaml from compose service chora-compose" in proc.stdout
    for path in ("services.chora-compose.restart:", "services.chora-compose.secrets:", "networks:"):
        assert path in proc.stdout
    assert project.run("validate", "-f", "prod.yaml").returncode == 0


def test_an_existing_spec_is_kept_unless_force(project: Project) -> None:
    _prod(project)
    (project.root / "shipmate.yaml").write_text("mine\n")
    out = project.json("import", "compose", "docker-compose.prod.yml", expect=2)
    assert "already exists" in out["error"]["message"] and "--force" in out["error"]["hint"]
    assert (project.root / "shipmate.yaml").read_text() == "mine\n"
    project.json("import", "compose", "docker-compose.prod.yml", "--force")
    assert project.json("validate")["valid"]


def test_several_published_services_need_service(project: Project) -> None:
    (project.root / "docker-compose.yml").write_text(TWO_SERVICES)
    out = project.json("import", "compose", "docker-compose.yml", expect=2)
    assert "web, admin" in out["error"]["hint"] and "db" not in out["error"]["hint"]
    assert not (project.root / "shipmate.yaml").exists()
    out = project.json("import", "compose", "docker-compose.yml", "--service", "admin")
    assert out["service"] == "admin" and out["warnings"] == []
    assert project.json("validate")["port"] == 9000


def test_bad_compose_files_are_one_line_errors(project: Project) -> None:
    cases = {
        "missing.yml": (None, "no such file: missing.yml"),
        "broken.yml": ("services:\n  web: {image: [\n", "YAML syntax error at line"),
        "list.yml": ("- web\n", "is not a compose file"),
        "dup.yml": ("services:\n  web: {image: a:1}\n  web: {image: b:1}\n", "duplicate key 'web'"),
        "noimage.yml": ("services:\n  web: {ports: ['8000:8000']}\n", "has neither image nor build"),
        "badimage.yml": ("services:\n  web: {image: 'Acme/Web:1', ports: ['8000:8000']}\n",
                         "the converted spec is not valid: target.image"),
    }
    for name, (text, message) in cases.items():
        if text is not None:
            (project.root / name).write_text(text)
        out = project.json("import", "compose", name, expect=2)
        assert message in out["error"]["message"], (name, out)
        proc = project.run("import", "compose", name)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.startswith("error: ") and message in proc.stderr
    assert not (project.root / "shipmate.yaml").exists()
    assert [p.name for p in project.root.iterdir() if p.name.startswith(".shipmate")] == []


def test_the_compose_file_itself_is_never_overwritten(project: Project) -> None:
    _prod(project)
    before = (project.root / "docker-compose.prod.yml").read_text()
    out = project.json("import", "compose", "docker-compose.prod.yml", "--out", "docker-compose.prod.yml",
                       "--force", expect=2)
    assert "compose file itself" in out["error"]["message"]
    assert (project.root / "docker-compose.prod.yml").read_text() == before


def test_a_spec_written_to_another_folder_warns_that_relative_paths_stay_as_written(project: Project) -> None:
    _prod(project)
    (project.root / "deploy").mkdir()
    out = project.json("import", "compose", "docker-compose.prod.yml", "--out", "deploy/shipmate.yaml")
    assert any("kept as written" in w["message"] for w in out["warnings"])
    assert project.json("validate", "-f", "deploy/shipmate.yaml")["valid"]
    out = project.json("import", "compose", "docker-compose.prod.yml", "--out", "nowhere/shipmate.yaml", expect=2)
    assert out["error"]["message"].startswith("cannot write nowhere/shipmate.yaml")
