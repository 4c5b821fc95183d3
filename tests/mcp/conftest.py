"""Fixtures for the MCP face: a throwaway project (the e2e Project) whose ops calls run in this process."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli_project import Project, cleanup
from tests.waiting import APP, free_port


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    import os

    root = tmp_path / "proj"
    root.mkdir()
    shutil.copy(APP, root / "app.py")
    runtime = tmp_path / "run"
    for name in ("SHIPMATE_HOME", "SHIPMATE_CRASHPOINT", "SHIPMATE_LEASE_SECONDS", "SHIPMATE_ACTOR",
                 "SHIPMATE_MCP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHIPMATE_RUNTIME_DIR", str(runtime))
    proj = Project(root, free_port(), dict(os.environ))
    yield proj
    for proc in proj.started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)
    cleanup(proj, runtime)
