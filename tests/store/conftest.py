"""Fixtures for store tests: every test runs on both backends, a real SQLite file in a tmp dir and its own
schema in the session's real PostgreSQL server; real child processes stand as lock owners.

A test about SQLite itself (its file, pragmas, old files to migrate) is marked ``sqlite_only``; one about
PostgreSQL itself (shared homes, server restarts, copying into it) ``postgres_only``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.store.store_support import KEY

from shipmate.store import ReleaseRow, Store
from shipmate.store.owners import this_process_owner

BACKENDS = ("sqlite", "postgres")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = None if callspec is None else callspec.params.get("backend")
        wrong = (backend == "postgres" and item.get_closest_marker("sqlite_only")) or \
            (backend == "sqlite" and item.get_closest_marker("postgres_only"))
        (drop if wrong else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True, params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Where this test's stores live: SHIPMATE_STORE names the server (inherited by child processes too)."""
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        monkeypatch.setenv("SHIPMATE_STORE", server.url)
    return str(request.param)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / ".shipmate"


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    s = Store.open(home)
    yield s
    s.close()


@pytest.fixture
def fencing(store: Store) -> int:
    """The fencing number of a lock on web/default held by this test process."""
    return store.acquire_lock(KEY, owner=this_process_owner("deploy", "tester"), lease_seconds=60).fencing


@pytest.fixture
def release(store: Store) -> ReleaseRow:
    return store.ensure_release("web", "1.0.0", "sha256:aaa", {"port": 8080}, "process")


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A real, live process to stand as another lock owner; killed and reaped at the end."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
