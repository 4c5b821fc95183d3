"""Bad input for the Docker target, as a user meets it at the CLI: one line naming the thing and a hint, the
documented exit code, nothing started and no container of this home left behind (found by its labels)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.cli_project import Project
from tests.e2e.conftest import project
from tests.e2e.docker_project import containers_of, engine

__all__ = ["engine", "project"]     # fixtures shared with the end-to-end tests

CANARY_VALUE = "sk-wrong-shape-never-printed-7c1"


def _spec(project: Project, *, image: str = "", volumes: str = "", secrets: str = "") -> None:
    source = f"image: {image}" if image else "build: {context: .}"
    (project.root / "shipmate.yaml").write_text(f"""service: bad-docker
version: "1"
port: {project.port}
target:
  kind: docker
  {source}
  container_port: 8000
  stop_grace: 1s
{volumes}health:
  interval: 200ms
  deadline: 20s
  checks:
    - http: {{path: /health, status: 200}}
monitor: {{duration: 1s, interval: 200ms, min_samples: 3}}
{secrets}""")


def _one_line_error(proc_stderr: str) -> str:
    """The error line; asserts the shape: `error: ...` then `hint: ...`, nothing more, no traceback."""
    assert "Traceback" not in proc_stderr, proc_stderr
    lines = [line for line in proc_stderr.splitlines() if line.strip()]
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: "), proc_stderr
    return lines[0]


def _nothing_started(project: Project, client: Any) -> None:
    assert containers_of(client, project) == []
    assert not (project.home() / "state.db").exists() or _no_instances(project)


def _no_instances(project: Project) -> bool:
    status = project.json("status", expect=None)
    return all(not env.get("instances") for env in status.get("environments", []))


@pytest.mark.parametrize("image", ['"web app:1"', '"--privileged"', '"repo/web:1 --rm"', '"repo/web\\n:1"',
                                   '"repo/web:1\\n-v /:/host"'])
def test_an_image_reference_with_spaces_flags_or_newlines_exits_2_naming_target_image(
        project: Project, engine: Any, image: str) -> None:
    _spec(project, image=image)
    proc = project.run("deploy")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = _one_line_error(proc.stderr)
    assert "target.image" in line and "image reference" in line
    assert not project.home().exists()
    _nothing_started(project, engine)


@pytest.mark.parametrize("volume", ["/etc:/x:ro", "../outside:/x", "~/x:/x"])
def test_a_bind_mount_outside_the_project_exits_2_naming_target_volumes(
        project: Project, engine: Any, volume: str) -> None:
    _spec(project, volumes=f'  volumes: ["{volume}"]\n')
    proc = project.run("deploy")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = _one_line_error(proc.stderr)
    assert "target.volumes" in line and "outside the project" in line
    assert not project.home().exists()
    _nothing_started(project, engine)


def test_a_bind_mount_that_leaves_the_project_through_a_symlink_exits_7_before_anything_starts(
        project: Project, engine: Any) -> None:
    os.symlink("/etc", project.root / "escape")
    _spec(project, volumes='  volumes: ["./escape:/x:ro"]\n')
    proc = project.run("deploy")
    assert proc.returncode == 7, proc.stdout + proc.stderr
    line = _one_line_error(proc.stderr)
    assert "target.volumes" in line and "outside the project to /etc" in line
    _nothing_started(project, engine)


def test_a_declared_secret_that_is_not_set_exits_7_naming_it(project: Project, engine: Any) -> None:
    _spec(project, secrets="secrets: [API_KEY, {name: DB_PASSWORD, min_length: 16}]\n")
    proc = project.run("deploy")
    assert proc.returncode == 7, proc.stdout + proc.stderr
    line = _one_line_error(proc.stderr)
    assert "API_KEY, DB_PASSWORD" in line and "not set" in line
    assert "shipmate secrets set API_KEY" in proc.stderr
    assert not project.home().exists()
    _nothing_started(project, engine)


@pytest.mark.parametrize(("rule", "why"), [('pattern: "^sk-ant-"', "does not match its pattern"),
                                           ("min_length: 64", "shorter than its min_length (64)")])
def test_a_secret_value_failing_its_rule_exits_2_naming_the_secret_never_the_value(
        project: Project, engine: Any, rule: str, why: str) -> None:
    _spec(project, secrets=f"secrets: [{{name: API_KEY, {rule}}}]\n")
    assert project.run("secrets", "set", "API_KEY", "--from-file", _value_file(project)).returncode == 0
    proc = project.run("deploy")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = _one_line_error(proc.stderr)
    assert "secret API_KEY" in line and why in line
    json_out = project.json("deploy", expect=2)
    assert "API_KEY" in json_out["error"]["message"]
    assert CANARY_VALUE not in proc.stdout + proc.stderr + str(json_out)
    assert not (project.home() / "state.db").exists()
    _nothing_started(project, engine)


def _value_file(project: Project) -> str:
    path = project.root.parent / "value.txt"
    path.write_text(CANARY_VALUE)
    return str(path)


def test_an_unreachable_engine_exits_7_in_one_line_with_a_hint(project: Project, engine: Any,
                                                               tmp_path: Path) -> None:
    _spec(project)
    dead = tmp_path / "dead.sock"
    dead.touch()                                    # a socket path nothing listens on
    env = {"DOCKER_HOST": f"unix://{dead}"}
    for args in (("deploy",), ("deploy", "--dry-run"), ("status",)):
        proc = project.run(*args, env=env)
        if args == ("deploy",) or proc.returncode != 0:
            assert proc.returncode == 7, (args, proc.stdout + proc.stderr)
            line = _one_line_error(proc.stderr)
            assert "Docker engine" in line and str(dead) in line and "DOCKER_HOST" in proc.stderr
            assert line.endswith("is not reachable: Connection refused"), line     # the OS's words, no repr
    assert project.json("deploy", env=env, expect=7)["error"]["hint"]
    _nothing_started(project, engine)


def test_a_volume_mounted_where_a_secret_goes_exits_2_naming_both(project: Project, engine: Any) -> None:
    _spec(project, volumes='  volumes: ["data:/run/secrets/API_KEY"]\n', secrets="secrets: [API_KEY]\n")
    assert project.run("secrets", "set", "API_KEY", "--from-file", _value_file(project)).returncode == 0
    proc = project.run("deploy")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = _one_line_error(proc.stderr)
    assert "target.volumes" in line and "/run/secrets/API_KEY" in line and "secret API_KEY" in line
    assert not (project.home() / "state.db").exists()
    _nothing_started(project, engine)
