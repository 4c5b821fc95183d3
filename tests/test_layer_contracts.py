"""The layer rules (pyproject [tool.importlinter]) hold for the tree, and they fail when an import breaks one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}   # ahead of the editable install: the tree at root
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")], cwd=root,
                          env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _plant(tree: Path, module: str, line: str) -> None:
    path = tree / "src" / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{line}  # planted\n")


def test_the_tree_keeps_every_contract() -> None:
    done = _lint(REPO)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " 0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("shipmate.cli.render", "from shipmate.mcp import catalog", "Faces never import each other"),
    ("shipmate.mcp.results", "from shipmate.store import store", "Faces reach the core only through shipmate.ops"),
    ("shipmate.engine.runner", "from shipmate.cli import output", "The core never imports a face"),
    ("shipmate.spec.models", "from shipmate.store import store", "Pure packages do no I/O"),
    ("shipmate.analysis.window", "import subprocess", "Pure packages do no I/O"),
    ("shipmate.versioning.conventional", "from shipmate import git_repo", "Pure packages do no I/O"),
    ("shipmate.backups.sources", "import docker", "The Docker SDK only in targets/"),
    ("shipmate.ops.locking", "import sqlalchemy", "SQLAlchemy (the state database) only in store/"),
    ("shipmate.ops.common.announcing", "import apprise", "apprise only in notify.py"),
    ("shipmate.ops.gates.policy", "import subprocess", "subprocess only in"),
    ("shipmate.engine.actions", "from shipmate.engine import action_table", "No import cycles"),
])
def test_a_planted_import_breaks_its_contract(tree: Path, module: str, line: str, contract: str) -> None:
    _plant(tree, module, line)
    done = _lint(tree)
    assert done.returncode != 0
    broken = [row for row in done.stdout.splitlines() if row.endswith("BROKEN")]
    assert len(broken) >= 1 and any(row.startswith(contract) for row in broken), done.stdout[-3000:]
