"""A real PostgreSQL server for the suite and the benchmarks: Debian's initdb/pg_ctl on 127.0.0.1.

One server per xdist worker session (initdb ~2 s); each test's home gets its own schema in it (a home is
one schema, see store/pg_homes.py), so tests never see each other's rows. initdb refuses root: as root,
the server runs as the ``postgres`` OS user, its folder handed to that user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.engines import engine_unavailable
from tests.waiting import free_port

START_TIMEOUT_S = 60


def pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@dataclass
class PgServer:
    base: Path
    port: int
    durable: bool

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = START_TIMEOUT_S) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr.strip()[-400:]}")

    def start(self) -> None:
        pg_ctl = pg_bin("pg_ctl")
        assert pg_ctl is not None
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:   # tests only: a crash of the test server loses nothing anybody keeps
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(pg_ctl, "-D", str(self.data), "-l", str(self.base / "server.log"), "-w",
                  "-t", str(START_TIMEOUT_S), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        pg_ctl = pg_bin("pg_ctl")
        assert pg_ctl is not None
        self._run(pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """pg_ctl restart -m fast: every connection is cut, as an operator's restart does."""
        self.stop("fast")
        self.start()


def start_server(*, durable: bool) -> PgServer:
    """initdb + start on a free loopback port; raises RuntimeError (with the reason) when it cannot."""
    initdb = pg_bin("initdb")
    if initdb is None or pg_bin("pg_ctl") is None:
        raise RuntimeError("initdb/pg_ctl not found (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="shipmate-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    server = PgServer(base, free_port(), durable)
    server._run(initdb, "-D", str(server.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    server.start()
    return server


def remove_server(server: PgServer) -> None:
    with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
        server.stop("immediate")
    shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PgServer]:
    """The session's PostgreSQL; skips (or fails under SHIPMATE_REQUIRE=postgres) when it cannot start."""
    try:
        server = start_server(durable=False)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        engine_unavailable("postgres", str(exc))
    yield server
    remove_server(server)
