"""The process artifact hash (git files or a folder walk) and the allow_dirty look, on real folders and git."""

from __future__ import annotations

import subprocess
from pathlib import Path

from shipmate.git_repo import dirty_tree
from shipmate.ops.common.artifacts import changed_files, process_artifact


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, timeout=30)


def _repo(root: Path) -> Path:
    root.mkdir()
    _git(root, "init", "-q")
    _git(root, "config", "user.email", "t@example.invalid")
    _git(root, "config", "user.name", "t")
    (root / "app.py").write_text("print('hi')\n")
    (root / ".gitignore").write_text("data.db\n")
    (root / "shipmate.yaml").write_text("service: x\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "one")
    return root


def test_in_a_git_repo_ignored_files_state_and_the_spec_are_not_the_artifact(tmp_path: Path) -> None:
    root = _repo(tmp_path / "proj")
    home = root / ".shipmate"
    home.mkdir()
    first = process_artifact(root, home, root / "shipmate.yaml")
    assert first["source"] == "git" and sorted(first["manifest"]) == [".gitignore", "app.py"]
    (root / "data.db").write_bytes(b"written by the app")   # ignored by git
    (home / "state.db").write_bytes(b"ours")
    (root / "shipmate.yaml").write_text("service: y\n")      # the config hash's business
    assert process_artifact(root, home, root / "shipmate.yaml")["sha256"] == first["sha256"]
    (root / "app.py").write_text("print('changed')\n")       # uncommitted edits count: they are what runs
    (root / "new.py").write_text("x = 1\n")
    second = process_artifact(root, home, root / "shipmate.yaml")
    assert second["sha256"] != first["sha256"]
    assert changed_files(first, second) == ["+new.py", "~app.py"]


def test_outside_git_the_folder_is_walked_without_caches(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "__pycache__").mkdir(parents=True)
    (root / "app.py").write_text("print('hi')\n")
    (root / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    first = process_artifact(root, root / ".shipmate")
    assert first["source"] == "walk" and list(first["manifest"]) == ["app.py"]
    (root / "app.py").unlink()
    assert changed_files(first, process_artifact(root, root / ".shipmate")) == ["-app.py"]


def test_dirty_tree_says_clean_dirty_or_not_a_repository(tmp_path: Path) -> None:
    root = _repo(tmp_path / "proj")
    (root / ".shipmate").mkdir()
    (root / ".shipmate" / "state.db").write_bytes(b"")      # the state folder never makes a tree dirty
    assert dirty_tree(root) == ""
    (root / "app.py").write_text("print('edited')\n")
    assert "uncommitted changes: app.py" in dirty_tree(root)
    plain = tmp_path / "plain"
    plain.mkdir()
    assert "not in a git repository" in dirty_tree(plain)


def _task_files(root: Path) -> None:
    """What an inbox pass leaves: a task in every folder, with its result and summary."""
    for folder in ("tmp", "incoming", "active", "completed", "failed", "rejected"):
        (root / "inbox" / folder).mkdir(parents=True, exist_ok=True)
        (root / "inbox" / folder / "t.json").write_text('{"trace_id": "T-1"}\n')
    (root / "inbox" / "completed" / "t.SUMMARY.md").write_text("**Status**: COMPLETED\n")


def test_dropping_inbox_tasks_changes_neither_the_artifact_nor_the_tree_in_git(tmp_path: Path) -> None:
    root = _repo(tmp_path / "proj")
    (root / ".shipmate").mkdir()
    before = process_artifact(root, root / ".shipmate", root / "shipmate.yaml")
    _task_files(root)
    assert process_artifact(root, root / ".shipmate", root / "shipmate.yaml")["sha256"] == before["sha256"]
    assert dirty_tree(root) == ""
    (root / "inbox" / "notes.txt").write_text("the project's own file beside the folders counts\n")
    assert "inbox/" in dirty_tree(root)
    assert process_artifact(root, root / ".shipmate", root / "shipmate.yaml")["sha256"] != before["sha256"]


def test_dropping_inbox_tasks_does_not_change_a_walked_artifact(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "app.py").write_text("print('hi')\n")
    before = process_artifact(root, root / ".shipmate", root / "shipmate.yaml")
    _task_files(root)
    after = process_artifact(root, root / ".shipmate", root / "shipmate.yaml")
    assert after["sha256"] == before["sha256"] and list(after["manifest"]) == ["app.py"]
