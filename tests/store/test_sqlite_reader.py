"""The stdlib status reader must answer exactly what the SQLAlchemy store answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.store.store_support import start_deployment

from shipmate.model import DeploymentState
from shipmate.store import ReleaseRow, Store
from shipmate.store.sqlite_reader import SqliteReader

pytestmark = pytest.mark.sqlite_only   # SQLite's own file and locks


def test_reader_returns_the_same_rows_as_the_store(store: Store, home: Path, release: ReleaseRow,
                                                   fencing: int) -> None:
    done = start_deployment(store, release, fencing)
    store.add_instance(instance_id="ins_1", service="web", environment="default", release_id=release.id,
                       deployment_id=done, target_kind="process", pid=123, create_time=1.5, port=4000,
                       log_path="/x.log", handle={"pid": 123, "create_time": 1.5, "log_path": "/x.log"},
                       fencing=fencing)
    store.set_state(done, DeploymentState.RUNNING, fencing=fencing)
    store.set_current("web", "default", release_id=release.id, deployment_id=done, fencing=fencing)
    store.set_state(done, DeploymentState.SUCCEEDED, fencing=fencing, verified=True, verdict={"phase": "pass"})
    active = start_deployment(store, release, fencing, trace_id="t2")
    reader = SqliteReader.open(home)
    assert reader is not None
    try:
        assert reader.current("web", "default") == store.current("web", "default")
        assert reader.all_current() == store.all_current()
        assert reader.get_release(release.id) == store.get_release(release.id)
        assert reader.get_instance("ins_1") == store.get_instance("ins_1")
        assert reader.instances("web", "default") == store.instances("web", "default")
        assert reader.instances("web", "default", live_only=True) == store.instances("web", "default",
                                                                                     live_only=True)
        assert reader.deployments("web", "default", 5) == store.deployments("web", "default", 5)
        assert [d.id for d in reader.active_deployments()] == [active]
        assert reader.active_deployments() == store.active_deployments()
        assert reader.get_instance("nope") is None and reader.current("web", "other") is None
    finally:
        reader.close()


def test_reader_never_creates_a_database(tmp_path: Path) -> None:
    assert SqliteReader.open(tmp_path / ".shipmate") is None
    assert not (tmp_path / ".shipmate").exists()


def test_reader_sees_a_live_lock_owner_and_a_released_lock(store: Store, home: Path, fencing: int) -> None:
    reader = SqliteReader.open(home)
    assert reader is not None
    try:
        assert reader.lock_owner_alive("web/default") is True   # this very test process holds it
        store.release_lock("web/default", fencing)
        assert reader.lock_owner_alive("web/default") is False
        assert reader.lock_owner_alive("other/default") is False
    finally:
        reader.close()


def test_a_database_still_being_created_reads_as_never_deployed(tmp_path: Path) -> None:
    import sqlite3

    from shipmate.store.sqlite_reader import SqliteReader

    home = tmp_path / "home"
    home.mkdir()
    sqlite3.connect(home / "state.db").close()   # the file exists; the first command's migrations have not committed
    assert SqliteReader.open(home) is None
