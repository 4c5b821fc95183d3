"""The `--json` shapes of a `files` target's deploy (and its dry run), rollback and down are pinned too
(tests/cli/data/json_shapes/files_*.json; rewrite with SHIPMATE_UPDATE_SHAPES=1 after an intended change)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_json_shapes import _pinned
from tests.ops.files_project import FilesProject


def test_the_files_target_keeps_its_json_shape(tmp_path: Path) -> None:
    project = FilesProject(tmp_path)
    project.spec("1.0.0")
    project.agent("reviewer")
    _pinned("files_deploy_dry_run", project.json("deploy", "--dry-run"))
    _pinned("files_deploy", project.json("deploy"))
    project.agent("reviewer", prompt="Again.")
    assert project.json("deploy", "--version", "1.1.0")["updated"] == ["reviewer.md"]
    _pinned("files_rollback", project.json("rollback"))
    _pinned("files_down", project.json("down"))
