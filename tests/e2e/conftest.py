"""Fixtures for end-to-end tests: a throwaway project folder and a clean machine afterwards."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipmate.ops.common.agent_environment import AGENT_VARIABLES
from tests.e2e.cli_project import Project, cleanup
from tests.e2e.docker_project import engine
from tests.waiting import APP, free_port


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    root = tmp_path / "proj"
    root.mkdir()
    shutil.copy(APP, root / "app.py")
    runtime = tmp_path / "run"
    env = {**os.environ, "SHIPMATE_RUNTIME_DIR": str(runtime), "SHIPMATE_ACTOR": "test:e2e"}
    env.pop("SHIPMATE_HOME", None)
    env.pop("SHIPMATE_CRASHPOINT", None)
    env.pop("SHIPMATE_LEASE_SECONDS", None)
    for name in AGENT_VARIABLES:   # the suite may itself run inside a coding agent: approve must see a person
        env.pop(name, None)
    proj = Project(root, free_port(), env)
    yield proj
    for proc in proj.started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)
    cleanup(proj, runtime)




__all__ = ["engine", "project"]  # engine: the Docker tests' client for a project (tests/e2e/docker_project.py)
