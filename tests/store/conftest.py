"""Fixtures for store tests: real SQLite files in tmp dirs, real child processes as lock owners."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.store.store_support import KEY

from shipmate.store import ReleaseRow, Store
from shipmate.store.owners import this_process_owner


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
