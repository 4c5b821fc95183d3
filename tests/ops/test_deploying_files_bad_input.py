"""Bad input to a `files` deploy: one line naming the file (and line) or key, exit 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ops.files_project import FilesProject


@pytest.fixture
def project(tmp_path: Path) -> FilesProject:
    made = FilesProject(tmp_path / "project")
    made.root.mkdir()
    made.spec("1.0.0")
    made.agent("reviewer")
    return made


def _refused(project: FilesProject, *args: str) -> str:
    done = project.run("deploy", *args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and done.stderr.startswith("error: ")
    first = done.stderr.splitlines()[0]
    assert done.stderr.splitlines()[1].startswith("hint: ")
    return first


def test_a_template_that_fails_to_render_names_its_file_and_line(project: FilesProject) -> None:
    (project.root / "templates" / "agent.md.j2").write_text("---\nname: {{ name }}\n{{ no_such_key }}\n")
    first = _refused(project)
    assert "agent.md.j2:3: template failed to render" in first and "no_such_key" in first
    assert not project.dest.exists() and not (project.root / ".shipmate" / "state.db").exists()


def test_a_data_file_that_does_not_parse_names_its_file_and_line(project: FilesProject) -> None:
    (project.root / "agents" / "broken.yaml").write_text("name: x\ntools: [Read\n")
    first = _refused(project)
    assert "broken.yaml:" in first and "does not parse as YAML" in first
    assert not project.dest.exists()


@pytest.mark.parametrize("destination, words", [
    ("../outside/", "target.destination"),
    ("/etc/agents/", "target.destination"),
])
def test_a_destination_outside_the_project_is_refused_by_its_key(project: FilesProject, destination: str,
                                                                  words: str) -> None:
    project.spec("1.0.0", destination=destination)
    first = _refused(project)
    assert words in first and ("outside the project" in first or "absolute" in first)
    assert not (project.root.parent / "outside").exists()


def test_a_destination_that_escapes_through_a_symlink_is_refused(project: FilesProject) -> None:
    elsewhere = project.root.parent / "elsewhere"
    elsewhere.mkdir()
    (project.root / ".claude").symlink_to(elsewhere)
    first = _refused(project)
    assert first.startswith("error: target.destination:") and "outside the project" in first
    assert list(elsewhere.iterdir()) == []


def test_a_manifest_edited_into_nonsense_stops_the_deploy_before_any_write(project: FilesProject) -> None:
    project.json("deploy")
    before = project.folder()
    manifest = project.root / ".shipmate" / "files" / "agents" / "default" / "manifest.json"
    manifest.write_text(json.dumps({"format": 1, "files": {"reviewer.md": {"sha256": "nope", "release": "1"}}}))
    project.agent("reviewer", prompt="changed")
    project.agent("writer")
    first = _refused(project, "--version", "1.1.0")
    assert str(manifest) in first and "files.reviewer.md" in first
    assert project.folder() == before
    assert len(project.json("history")["deployments"]) == 1


def test_a_process_target_still_needs_a_port(tmp_path: Path) -> None:
    (tmp_path / "shipmate.yaml").write_text('service: web\nversion: "1"\ntarget: {kind: process, command: [x]}\n')
    done = FilesProject(tmp_path).run("validate")
    assert done.returncode == 2 and done.stderr.startswith("error: port: is required for target.kind process")


def test_promote_says_a_files_release_is_deployed_not_promoted(project: FilesProject) -> None:
    project.spec("1.0.0", extra="environments:\n  staging: {}\n  production: {}\n")
    project.json("deploy", "--env", "staging")
    done = project.run("promote", "--from", "staging", "--to", "production")
    assert done.returncode == 2 and "promote is not available for target.kind files" in done.stderr
    assert "Traceback" not in done.stderr
    # One folder, one owner: production may not claim the files staging wrote (a `down` of one would
    # remove what the other serves).
    first = _refused(project, "--env", "production")
    assert "holds the files of agents/staging" in first
    project.json("down", "--env", "staging")
    assert project.json("deploy", "--env", "production")["deployed"] == ["reviewer.md"]
