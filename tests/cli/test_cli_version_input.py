"""Bad input to `shipmate version` / `release`: one line naming the thing, a hint, exit 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.versioning.git_project import GitProject


def _refused(repo: GitProject, *args: str, says: str) -> dict[str, object]:
    before = repo.snapshot() if (repo.root / ".git").exists() else None
    done = repo.run(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and says in lines[0], done.stderr
    assert any(line.startswith("hint: ") for line in lines[1:]) and "Traceback" not in done.stderr
    if before is not None:
        assert repo.snapshot() == before
    error: dict[str, object] = json.loads(repo.run(*args, "--json").stdout)["error"]
    assert error["exit_code"] == 2
    return error


def test_outside_a_git_repository(tmp_path: Path) -> None:
    repo = GitProject.create(tmp_path, release="release: {version_files: [VERSION]}\n")
    repo.write("VERSION", "1.0.0\n")
    for args in (("version",), ("version", "--next"), ("version", "--bump", "patch"), ("release", "--dry-run")):
        _refused(repo, *args, says="is not in a git repository")
    assert repo.read("VERSION") == "1.0.0\n"


def test_a_repository_without_a_commit(tmp_path: Path) -> None:
    repo = GitProject.create(tmp_path, release="release: {}\n")
    repo.git("init", "-q")
    done = repo.run("version", "--bump", "minor")
    assert done.returncode == 2 and done.stderr.startswith("error: the git repository at ")
    assert "has no commit yet" in done.stderr and "hint: commit something first" in done.stderr
    assert repo.git("tag") == "" and sorted(p.name for p in repo.root.iterdir()) == [".git", "shipmate.yaml"]


def test_no_tags_and_no_version_file(tmp_path: Path) -> None:
    repo = GitProject.create(tmp_path, release="release: {}\n")
    repo.init()
    _refused(repo, "version", "--next", says="no release tag (v{version}) and no VERSION file")


def test_a_malformed_release_tag_is_named(tmp_path: Path) -> None:
    repo = GitProject.create(tmp_path, release="release: {}\n")
    repo.init()
    repo.tag("v1.0.0")
    repo.tag("v1.1")
    repo.tag("nightly")   # not of the tag format: not a release tag, not an error
    _refused(repo, "version", says="tag v1.1 looks like a release tag (v{version}) but is not a semantic version")


@pytest.mark.parametrize(("files", "content", "says"), [
    ("[VERSION, pyproject.toml]", None, "release.version_files[1]: pyproject.toml does not exist"),
    ("[pyproject.toml]", '[project]\nname = "x"\n', "pyproject.toml: has no [project].version"),
    ("[package.json]", '{"name": "x"}\n', 'package.json: has no top-level "version" string'),
    ("[src/x.py]", "VERSION = 1\n", "src/x.py: has no __version__"),
])
def test_a_version_file_missing_or_without_its_field(tmp_path: Path, files: str, content: str | None,
                                                     says: str) -> None:
    repo = GitProject.create(tmp_path, release=f"release: {{version_files: {files}}}\n")
    repo.write("VERSION", "1.0.0\n")
    if content is not None:
        repo.write(files.strip("[]"), content)
    repo.init()
    repo.tag("v1.0.0")
    repo.commit("fix: x")
    for args in (("version", "check"), ("version", "--bump", "auto"), ("release",)):
        _refused(repo, *args, says=says)


@pytest.mark.parametrize(("release", "path", "says"), [
    ("{tag_format: release}", "release.tag_format", "must contain {version} exactly once"),
    ("{version_files: [setup.cfg]}", "release.version_files[0]", "cannot tell how to write the version into"),
    ("{version_files: [{path: ../x/VERSION, kind: text}]}", "release.version_files[0].path", "inside the project"),
    ("{steps: [{name: Build!, run: [x]}]}", "release.steps[0].name", "must be a DNS label"),
    ("{steps: [{name: b, run: [x]}, {name: b, run: [y]}]}", "release.steps", "two steps are named 'b'"),
    ("{bump: auto}", "release", "unknown key 'bump'"),
])
def test_a_bad_release_section_names_its_key_path(tmp_path: Path, release: str, path: str, says: str) -> None:
    repo = GitProject.create(tmp_path, release=f"release: {release}\n")
    repo.init()
    error = _refused(repo, "version", says=says)
    assert error["path"] == path


def test_bumping_over_uncommitted_changes_to_a_version_file_is_refused(tmp_path: Path) -> None:
    repo = GitProject.create(tmp_path, release="release: {version_files: [VERSION]}\n")
    repo.write("VERSION", "1.0.0\n")
    repo.init()
    repo.tag("v1.0.0")
    repo.commit("feat: y")
    repo.write("CHANGELOG.md", "# mine\n")
    repo.git("add", "CHANGELOG.md")
    _refused(repo, "version", "--bump", "auto", says="uncommitted changes in CHANGELOG.md")
