"""A throwaway project with real files, a real SQLite database (WAL) and a backup: section."""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import project

__all__ = ["DataProject", "data_project", "make_db", "project"]


@dataclass
class DataProject:
    root: Path

    @property
    def spec(self) -> str:
        return str(self.root / "shipmate.yaml")

    def write_spec(self, backup: str, extra: str = "") -> None:
        (self.root / "shipmate.yaml").write_text(f"""service: web
version: "1.0.0"
port: 18089
target: {{kind: process, command: ["{sys.executable}", "-m", "http.server", "${{PORT}}"]}}
backup:
{backup}
{extra}""")

    def rows(self, db: str = "app.db") -> int:
        with sqlite3.connect(self.root / db) as conn:
            return int(conn.execute("SELECT count(*) FROM t").fetchone()[0])


def make_db(path: Path, rows: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    conn.executemany("INSERT INTO t (body) VALUES (?)", [(f"row {i}",) for i in range(rows)])
    conn.commit()
    conn.close()


@pytest.fixture
def data_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DataProject:
    monkeypatch.delenv("SHIPMATE_HOME", raising=False)
    root = tmp_path / "proj"
    (root / "data" / "sub").mkdir(parents=True)
    (root / "data" / "a.txt").write_text("alpha\n")
    (root / "data" / "sub" / "b.bin").write_bytes(bytes(range(256)) * 400)
    (root / "app.conf").write_text("mode = production\n")
    make_db(root / "app.db", 500)
    project = DataProject(root)
    project.write_spec("  paths: [data/, app.conf, {sqlite: app.db}]")
    return project
