"""Migration 6: deployments.origin. Old rows read as None (before and after migrating); a promotion's is kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tests.store.store_support import KEY, start_deployment

from shipmate.store import Store
from shipmate.store.owners import this_process_owner
from shipmate.store.sqlite_reader import SqliteReader

pytestmark = pytest.mark.sqlite_only   # builds old SQLite files by hand; PostgreSQL: test_store_postgres.py

EVIDENCE = {"promoted_from": {"environment": "staging", "deployment_id": "dep_1", "verdict": "pass", "samples": 12}}


def test_a_database_before_migration_6_reads_and_migrates_with_no_origin(home: Path) -> None:
    with Store.open(home) as store:
        fencing = store.acquire_lock(KEY, owner=this_process_owner("deploy", "tester"), lease_seconds=60).fencing
        release = store.ensure_release("web", "1.0.0", "sha256:aaa", {"port": 8080}, "process")
        old_id = start_deployment(store, release, fencing)
        store.release_lock(KEY, fencing)
    with sqlite3.connect(home / "state.db") as conn:     # back to what migration 2 left
        conn.execute("ALTER TABLE deployments DROP COLUMN origin")
        conn.execute("DELETE FROM schema_version WHERE version > 2")
    conn.close()
    reader = SqliteReader.open(home)                   # promote and the gates read like this: never migrating
    assert reader is not None
    try:
        assert [row.origin for row in reader.deployments("web", "default")] == [None]
    finally:
        reader.close()
    with Store.open(home) as store:                    # a writing open migrates
        fencing = store.acquire_lock(KEY, owner=this_process_owner("deploy", "tester"), lease_seconds=60).fencing
        new_id = start_deployment(store, release, fencing, origin=EVIDENCE)
        rows = {row.id: row.origin for row in store.deployments("web", "default")}
    assert rows == {old_id: None, new_id: EVIDENCE}
    reader = SqliteReader.open(home)
    assert reader is not None
    try:
        assert {row.id: row.origin for row in reader.deployments("web", "default")}[new_id] == EVIDENCE
    finally:
        reader.close()
