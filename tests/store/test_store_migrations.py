"""A database written before migration 2 (no instances.handle) opens, migrates and keeps its rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tests.store.store_support import KEY, start_deployment

from shipmate.errors import StoreError
from shipmate.store import Store, migrations
from shipmate.store.owners import this_process_owner
from shipmate.store.sqlite_reader import SqliteReader

pytestmark = pytest.mark.sqlite_only   # builds old SQLite files by hand; PostgreSQL: test_store_postgres.py


def _as_version_1(home: Path) -> None:
    """Turn a fresh database back into what shipmate wrote at schema version 1."""
    with sqlite3.connect(home / "state.db") as conn:
        conn.execute("ALTER TABLE instances DROP COLUMN handle")
        conn.execute("DELETE FROM schema_version WHERE version > 1")
    conn.close()


def _old_database_with_one_instance(home: Path) -> str:
    with Store.open(home) as store:
        fencing = store.acquire_lock(KEY, owner=this_process_owner("deploy", "tester"), lease_seconds=60).fencing
        release = store.ensure_release("web", "1.0.0", "sha256:aaa", {"port": 8080}, "process")
        dep_id = start_deployment(store, release, fencing)
        store.release_lock(KEY, fencing)
    _as_version_1(home)
    with sqlite3.connect(home / "state.db") as conn:   # the row as version 1 wrote it: pid columns only
        conn.execute("INSERT INTO instances (id, service, environment, release_id, deployment_id, target_kind, "
                     "pid, create_time, port, log_path, status, created_at, updated_at) VALUES "
                     "('ins_old', 'web', 'default', ?, ?, 'process', 4242, 1.5, 40000, '/x.log', 'running', 1, 1)",
                     (release.id, dep_id))
    conn.close()
    return dep_id


def test_an_old_database_migrates_and_its_instances_read_with_an_empty_handle(home: Path) -> None:
    _old_database_with_one_instance(home)
    with pytest.raises(StoreError, match="older than"):  # a read-only open never migrates
        Store.open_readonly(home)
    reader = SqliteReader.open(home)   # status reads an old database before anything migrates it
    assert reader is not None
    try:
        old = reader.get_instance("ins_old")
        assert old is not None and old.handle == {} and old.pid == 4242
    finally:
        reader.close()
    with Store.open(home) as store:
        row = store.get_instance("ins_old")
        assert row is not None and row.handle == {} and (row.pid, row.create_time, row.log_path) == (4242, 1.5,
                                                                                                    "/x.log")
    versions = sqlite3.connect(home / "state.db").execute("SELECT version FROM schema_version").fetchall()
    assert [v for (v,) in versions] == [m.version for m in migrations.MIGRATIONS]


def test_a_migrated_database_stores_handles_for_new_instances(home: Path) -> None:
    dep_id = _old_database_with_one_instance(home)
    with Store.open(home) as store:
        fencing = store.acquire_lock(KEY, owner=this_process_owner("deploy", "tester"), lease_seconds=60).fencing
        release = store.ensure_release("web", "1.0.0", "sha256:aaa", {"port": 8080}, "process")
        store.add_instance(instance_id="ins_new", service="web", environment="default", release_id=release.id,
                           deployment_id=dep_id, target_kind="process", handle={"container": "c0ffee"},
                           fencing=fencing)
        row = store.get_instance("ins_new")
        assert row is not None and row.handle == {"container": "c0ffee"}
        assert [r.id for r in store.instances("web", "default")] == ["ins_old", "ins_new"]
