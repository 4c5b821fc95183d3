"""Opening the store: migrations, pragmas, read-only opens that touch nothing, errors at the edge."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from tests.store.store_support import raw_sql

from shipmate.errors import NotFoundError, StoreError
from shipmate.store import Store, migrations


@pytest.mark.sqlite_only
def test_open_creates_home_and_records_schema_version(home: Path) -> None:
    with Store.open(home) as store:
        assert store.path == home / "state.db"
    rows = sqlite3.connect(home / "state.db").execute("SELECT version, name FROM schema_version").fetchall()
    assert [v for v, _ in rows] == [m.version for m in migrations.MIGRATIONS]


def test_migrations_are_idempotent_across_opens(home: Path) -> None:
    for _ in range(3):
        Store.open(home).close()
    with Store.open(home) as store:
        assert raw_sql(store, "SELECT count(*) FROM schema_version") == [(len(migrations.MIGRATIONS),)]


@pytest.mark.sqlite_only
def test_every_connection_uses_wal_and_synchronous_full(store: Store) -> None:
    with store._db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


@pytest.mark.sqlite_only
def test_writes_take_the_lock_up_front_with_begin_immediate(store: Store) -> None:
    # While our write transaction is open, another writer cannot even begin.
    with store._db.write():
        other = sqlite3.connect(store.path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_readonly_open_of_missing_database_returns_none_and_creates_nothing(tmp_path: Path) -> None:
    home = tmp_path / "nothing-here" / ".shipmate"
    assert Store.open_readonly(home) is None
    assert not home.parent.exists()
    with pytest.raises(NotFoundError, match="no state database"):
        Store.open(home, readonly=True)
    assert not home.parent.exists()


def test_readonly_store_reads_but_refuses_writes(home: Path) -> None:
    with Store.open(home) as store:
        store.ensure_release("web", "1", "d", {}, "process")
    ro = Store.open_readonly(home)
    assert ro is not None
    with ro:
        assert [r.version for r in ro.releases("web")] == ["1"]
        with pytest.raises(StoreError, match="read-only"):
            ro.ensure_release("web", "2", "d", {}, "process")


@pytest.mark.sqlite_only
def test_readonly_open_does_not_migrate_or_write_or_leave_files(home: Path) -> None:
    Store.open(home).close()
    before = (home / "state.db").read_bytes()
    files = sorted(p.name for p in home.rglob("*"))
    ro = Store.open_readonly(home)
    assert ro is not None
    ro.events()
    ro.close()
    assert (home / "state.db").read_bytes() == before
    assert sorted(p.name for p in home.rglob("*")) == files


@pytest.mark.sqlite_only
def test_locked_database_maps_to_store_error_with_hint(store: Store) -> None:
    err = store._db.store_error(sqlite3.OperationalError("database is locked"))
    assert isinstance(err, StoreError) and str(store.path) in err.message and "locked" in err.message
    assert err.hint


@pytest.mark.sqlite_only
def test_corrupt_database_is_a_store_error_naming_the_file(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "state.db").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError) as info:
        Store.open(home)
    assert str(home / "state.db") in info.value.message
    assert info.value.hint
    with pytest.raises(StoreError, match="corrupt"):
        Store.open_readonly(home)


def test_database_from_a_newer_shipmate_is_refused(home: Path) -> None:
    with Store.open(home) as store:
        raw_sql(store, "INSERT INTO schema_version VALUES (999, 'future', 0)")
    with pytest.raises(StoreError, match="newer"):
        Store.open(home)
    with pytest.raises(StoreError, match="newer"):
        Store.open_readonly(home)


def test_importing_row_types_does_not_load_sqlalchemy() -> None:
    # The CLI imports row types at start-up; SQLAlchemy costs far more than the 0.3 s budget allows.
    code = "import sys, shipmate.store.rows, shipmate.store; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"
