"""`shipmate version`, `--next`, `--bump` and `version check` in real git repositories (real `git`)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_json_shapes import _pinned
from tests.versioning.git_project import SHIPMATE, GitProject
from tests.waiting import wait_until

FILES = """\
release:
  version_files: [VERSION, pyproject.toml, web/package.json, src/demo/__init__.py]
"""
PYPROJECT = '[project]\nname = "demo"  # the name\nversion = "1.2.0"\n\n[tool.demo]\nversion = "not ours"\n'
PACKAGE_JSON = '{\n    "name": "demo",\n    "version": "1.2.0",\n    "private": true\n}\n'


@pytest.fixture
def repo(tmp_path: Path) -> GitProject:
    """Released as v1.2.0 in four files; then a fix, a feature and a commit nothing can be read from."""
    project = GitProject.create(tmp_path, release=FILES)
    project.write("VERSION", "1.2.0\n")
    project.write("pyproject.toml", PYPROJECT)
    project.write("web/package.json", PACKAGE_JSON)
    project.write("src/demo/__init__.py", '"""Demo."""\n__version__ = "1.2.0"\n')
    project.init()
    project.tag("v1.2.0")
    project.commit("fix(api): a 500 on empty bodies")
    project.commit("feat: export as CSV")
    project.commit("Update notes")
    return project


def test_version_is_the_latest_tag_and_next_comes_from_the_commits(repo: GitProject) -> None:
    assert repo.run("version").stdout.strip() == "1.2.0  (tag v1.2.0)"
    done = repo.run("version", "--next")
    assert done.returncode == 0 and done.stdout.strip() == "1.3.0"
    assert "1 commit(s) could not be parsed" in done.stderr
    shown = repo.json("version", "--next")
    assert (shown["version"], shown["tag"], shown["next_version"], shown["bump"]) == ("1.2.0", "v1.2.0", "1.3.0",
                                                                                      "minor")
    assert (shown["commits"], shown["unparsed"]) == (3, 1)
    _pinned("version", shown)


def test_version_check_agrees_and_names_every_mismatch(repo: GitProject) -> None:
    checked = repo.json("version", "check")
    assert [f["path"] for f in checked["files"]] == ["VERSION", "pyproject.toml", "web/package.json",
                                                      "src/demo/__init__.py"]
    assert all(f["agrees"] for f in checked["files"])
    _pinned("version_check", checked)
    repo.write("web/package.json", PACKAGE_JSON.replace("1.2.0", "1.1.9"))
    repo.write("VERSION", "1.2.1\n")
    failed = repo.json("version", "check", code=2)
    assert [m["path"] for m in failed["error"]["details"]["mismatches"]] == ["VERSION", "web/package.json"]
    text = repo.run("version", "check")
    assert text.returncode == 2
    assert "VERSION says 1.2.1" in text.stderr and "web/package.json says 1.1.9" in text.stderr
    assert "Traceback" not in text.stderr


def test_bump_dry_run_prints_the_diff_and_changes_nothing(repo: GitProject) -> None:
    before = repo.snapshot()
    done = repo.run("version", "--bump", "auto", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert '-version = "1.2.0"\n+version = "1.3.0"' in done.stdout
    assert "+++ b/CHANGELOG.md" in done.stdout and "nothing written" in done.stdout
    assert repo.snapshot() == before
    _pinned("version_bump_dry_run", repo.json("version", "--bump", "auto", "--dry-run"))


def test_bump_writes_every_file_keeps_their_layout_commits_and_tags(repo: GitProject) -> None:
    repo.write("CHANGELOG.md", "# Changelog\n\n## [1.2.0] - 2026-01-01\n\n- before\n")
    repo.git("add", "CHANGELOG.md")
    repo.git("commit", "-q", "-m", "docs: changelog")
    repo.write("unrelated.txt", "staged, not part of the release\n")
    repo.git("add", "unrelated.txt")
    bumped = repo.json("version", "--bump", "auto")
    assert (bumped["previous"], bumped["version"], bumped["tag"], bumped["bump"]) == ("1.2.0", "1.3.0", "v1.3.0",
                                                                                      "minor")
    _pinned("version_bump", bumped)
    assert repo.read("VERSION") == "1.3.0\n"
    assert repo.read("pyproject.toml") == PYPROJECT.replace('version = "1.2.0"', 'version = "1.3.0"')
    assert repo.read("web/package.json") == PACKAGE_JSON.replace("1.2.0", "1.3.0")
    assert '__version__ = "1.3.0"' in repo.read("src/demo/__init__.py")
    changelog = repo.read("CHANGELOG.md")
    assert changelog.index("## [1.3.0]") < changelog.index("## [1.2.0]")
    feat = repo.git("log", "--format=%H", "--grep", "^feat: export")[:7]
    fix = repo.git("log", "--format=%H", "--grep", "^fix(api)")[:7]
    assert f"### Added\n\n- export as CSV ({feat})\n" in changelog
    assert f"### Fixed\n\n- **api:** a 500 on empty bodies ({fix})\n" in changelog
    assert "Update notes" not in changelog
    assert repo.git("log", "-1", "--format=%s") == "chore(release): 1.3.0"
    assert repo.git("cat-file", "-t", "v1.3.0") == "tag"   # annotated
    assert repo.git("rev-parse", "v1.3.0^{commit}") == repo.git("rev-parse", "HEAD") == bumped["commit"]
    committed = repo.git("show", "--name-only", "--format=", "HEAD").splitlines()
    assert sorted(committed) == sorted(["VERSION", "pyproject.toml", "web/package.json", "src/demo/__init__.py",
                                        "CHANGELOG.md"])
    assert repo.git("status", "--porcelain", "unrelated.txt") == "A  unrelated.txt"   # still staged, not swept in
    assert repo.run("version").stdout.strip() == "1.3.0  (tag v1.3.0)"
    assert repo.json("version", "check")["version"] == "1.3.0"


def test_an_explicit_bump_level_overrides_the_commits(repo: GitProject) -> None:
    assert repo.json("version", "--bump", "major", "--dry-run")["version"] == "2.0.0"
    assert repo.json("version", "--bump", "patch", "--dry-run")["version"] == "1.2.1"
    bad = repo.run("version", "--bump", "huge")
    assert bad.returncode == 2 and "--bump" in bad.stderr and "auto, major, minor, patch" in bad.stderr
    alone = repo.run("version", "--dry-run")
    assert alone.returncode == 2 and alone.stderr.startswith("error: --dry-run goes with --bump")


def test_a_commit_hook_that_refuses_leaves_nothing_half_done(repo: GitProject) -> None:
    hook = repo.root / ".git" / "hooks" / "commit-msg"
    hook.write_text("#!/bin/sh\necho 'refused by policy' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = repo.snapshot()
    done = repo.run("version", "--bump", "auto")
    assert done.returncode != 0 and "git commit failed" in done.stderr and "Traceback" not in done.stderr
    assert repo.snapshot() == before


def test_a_tag_that_cannot_be_created_undoes_the_commit_and_the_files(repo: GitProject) -> None:
    lock = repo.root / ".git" / "refs" / "tags" / "v1.3.0.lock"   # git cannot take the ref's lock
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    before = repo.snapshot()
    done = repo.run("version", "--bump", "auto")
    assert done.returncode != 0 and "git tag v1.3.0 failed" in done.stderr
    assert repo.snapshot() == before


def test_nothing_to_release_is_exit_0_with_a_sentence(repo: GitProject) -> None:
    repo.json("version", "--bump", "auto")
    repo.commit("docs: typo")
    done = repo.run("version", "--bump", "auto")
    assert done.returncode == 0
    assert done.stdout.strip() == ("nothing to release since v1.3.0: 1 commit(s), none a feat, fix, perf or "
                                   "breaking change")
    assert repo.json("version", "--next")["next_version"] is None


def test_the_pre_1_0_rule_is_explicit(tmp_path: Path) -> None:
    repo = GitProject.create(tmp_path, release="release: {version_files: [VERSION]}\n")
    repo.write("VERSION", "0.4.2\n")
    repo.init()
    repo.commit("feat!: new spec format")
    shown = repo.json("version", "--next")
    assert (shown["version"], shown["source"], shown["tag"], shown["next_version"]) == ("0.4.2", "file", None,
                                                                                        "0.5.0")
    repo.write("shipmate.yaml", repo.read("shipmate.yaml").replace("release: {", "release: {major_on_zero: true, "))
    repo.git("commit", "-qam", "chore: major on zero")
    assert repo.json("version", "--next")["next_version"] == "1.0.0"


def test_after_a_bump_is_killed_midway_version_and_check_tell_the_truth(repo: GitProject) -> None:
    """SIGKILL while git commits (the files are written, the hook holds the commit): no tag, the version is still
    the tag's, `version check` names every file that went ahead, and nothing claims a release happened."""
    hook = repo.root / ".git" / "hooks" / "commit-msg"
    started = repo.root / "hook-started"
    hook.write_text(f"#!/bin/sh\ntouch {started}\nsleep 60\n")
    hook.chmod(0o755)
    child = subprocess.Popen([SHIPMATE, "version", "--bump", "auto"], cwd=repo.root, env=repo.env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until(started.exists, 60, "the release commit's hook to start")
    finally:
        os.killpg(child.pid, signal.SIGKILL)   # shipmate, git and the hook: as a power cut would
        child.wait(timeout=30)
    hook.unlink()
    assert repo.git("tag") == "v1.2.0"
    assert repo.git("log", "-1", "--format=%s") == "Update notes"
    assert repo.run("version").stdout.strip() == "1.2.0  (tag v1.2.0)"
    failed = repo.json("version", "check", code=2)
    assert {m["path"] for m in failed["error"]["details"]["mismatches"]} == {
        "VERSION", "pyproject.toml", "web/package.json", "src/demo/__init__.py"}
    # A new bump refuses to sweep the half-written files into a release; putting them back makes it work.
    refused = repo.run("version", "--bump", "auto")
    assert refused.returncode == 2 and "uncommitted changes in" in refused.stderr
    (repo.root / ".git" / "index.lock").unlink(missing_ok=True)   # the killed git's lock, as git's message says
    repo.git("reset", "-q", "--hard", "HEAD")
    assert repo.json("version", "--bump", "auto")["tag"] == "v1.3.0"
