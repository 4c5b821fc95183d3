"""`version: git` is resolved with `git describe` in a real repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from spec_cases import write_spec

from shipmate.errors import SpecError
from shipmate.ops.common.spec_loading import load_spec

GIT_SPEC = """\
service: web
version: git
port: 8080
target: {kind: process, command: [python3, app.py]}
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false",
         "-c", "tag.gpgsign=false", *args],
        cwd=repo, check=True, capture_output=True, timeout=30,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    write_spec(repo, GIT_SPEC)
    _git(repo, "add", "shipmate.yaml")
    _git(repo, "commit", "-q", "-m", "first")
    _git(repo, "tag", "v1.2.3")
    return repo


def test_git_version_is_the_tag(repo: Path) -> None:
    assert load_spec(repo / "shipmate.yaml").version == "v1.2.3"


def test_git_version_marks_uncommitted_changes_dirty(repo: Path) -> None:
    (repo / "shipmate.yaml").write_text(GIT_SPEC + "drain: 5s\n", encoding="utf-8")
    assert load_spec(repo / "shipmate.yaml").version == "v1.2.3-dirty"


def test_git_version_counts_commits_after_the_tag(repo: Path) -> None:
    (repo / "app.py").write_text("print('hi')\n", encoding="utf-8")
    _git(repo, "add", "app.py")
    _git(repo, "commit", "-q", "-m", "second")
    version = load_spec(repo / "shipmate.yaml").version
    assert version.startswith("v1.2.3-1-g")


def test_version_override_skips_git(repo: Path) -> None:
    assert load_spec(repo / "shipmate.yaml", version_override="5.0").version == "5.0"


def test_git_version_outside_a_repository_is_a_spec_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    path = write_spec(tmp_path, GIT_SPEC)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert caught.value.path == "version"
    assert "cannot get the version from git" in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.hint is not None and "--version" in caught.value.hint


RELEASED_SPEC = GIT_SPEC + "release: {version_files: []}\n"


def test_with_a_release_section_a_clean_release_tag_at_head_is_its_version(repo: Path) -> None:
    write_spec(repo, RELEASED_SPEC)
    _git(repo, "commit", "-q", "-am", "chore: release section")
    _git(repo, "tag", "v1.3.0")
    assert load_spec(repo / "shipmate.yaml").version == "1.3.0"
    (repo / "shipmate.yaml").write_text(RELEASED_SPEC + "drain: 5s\n", encoding="utf-8")
    assert load_spec(repo / "shipmate.yaml").version == "v1.3.0-dirty"
    _git(repo, "commit", "-q", "-am", "fix: after the release")
    assert load_spec(repo / "shipmate.yaml").version.startswith("v1.3.0-1-g")


def test_the_tag_format_decides_what_a_release_tag_is(repo: Path) -> None:
    write_spec(repo, GIT_SPEC + "release: {tag_format: 'web-{version}'}\n")
    _git(repo, "commit", "-q", "-am", "chore: web tags")
    _git(repo, "tag", "web-2.0.0")
    assert load_spec(repo / "shipmate.yaml").version == "2.0.0"
    _git(repo, "tag", "-d", "web-2.0.0")
    _git(repo, "tag", "v9.9.9")   # not of this format: git describe's answer as it is
    assert load_spec(repo / "shipmate.yaml").version == "v9.9.9"
