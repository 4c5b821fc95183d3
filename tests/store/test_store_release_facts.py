"""Migration 3: releases.facts. A version-2 database reads with empty facts, migrates, and facts merge by key."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from shipmate.store import Store, migrations
from shipmate.store.sqlite_reader import SqliteReader

pytestmark = pytest.mark.sqlite_only   # builds old SQLite files by hand; PostgreSQL: test_store_postgres.py


def _as_version_2(home: Path) -> str:
    with Store.open(home) as store:
        release_id = store.ensure_release("web", "1.0.0", "sha256:aaa", {"port": 8080}, "process").id
    with sqlite3.connect(home / "state.db") as conn:
        conn.execute("ALTER TABLE releases DROP COLUMN facts")
        conn.execute("DELETE FROM schema_version WHERE version > 2")
    conn.close()
    return release_id


def test_a_version_2_database_reads_empty_facts_then_migrates_and_merges_facts(home: Path) -> None:
    release_id = _as_version_2(home)
    reader = SqliteReader.open(home)
    assert reader is not None
    try:
        old = reader.get_release(release_id)
        assert old is not None and old.facts == {}
    finally:
        reader.close()
    with Store.open(home) as store:
        assert store.get_release(release_id).facts == {}  # type: ignore[union-attr]
        store.set_release_facts(release_id, {"mcp_schema_hash": "sha256:1", "mcp_tools": ["a"]})
        merged = store.set_release_facts(release_id, {"mcp_schema_hash": "sha256:2", "other": 1})
    assert merged.facts == {"mcp_schema_hash": "sha256:2", "mcp_tools": ["a"], "other": 1}
    reader = SqliteReader.open(home)
    assert reader is not None
    try:
        again = reader.get_release(release_id)
        assert again is not None and again.facts == merged.facts
    finally:
        reader.close()
    versions = sqlite3.connect(home / "state.db").execute("SELECT version FROM schema_version").fetchall()
    assert [v for (v,) in versions] == [m.version for m in migrations.MIGRATIONS] and migrations.HEAD >= 3
