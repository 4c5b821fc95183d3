"""PostgreSQL itself: homes kept apart in one database and listed for every host, writers serialised per home
(also from several processes standing for several hosts), a server restart under a writer, bad URLs."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from tests.postgres_server import PgServer
from tests.store.store_support import KEY, start_deployment

from shipmate.errors import InvalidInputError, StoreError
from shipmate.store import Store
from shipmate.store.owners import this_process_owner
from shipmate.store.pg_homes import HOME_NAME_ENV

pytestmark = pytest.mark.postgres_only


def test_two_homes_in_one_database_see_only_their_own_rows_and_both_are_listed(tmp_path: Path) -> None:
    from shipmate.ops import store_homes

    a, b = Store.open(tmp_path / "a" / ".shipmate"), Store.open(tmp_path / "b" / ".shipmate")
    try:
        rel = a.ensure_release("web", "1.0.0", "sha256:a", {}, "process")
        fencing = a.acquire_lock(KEY, owner=this_process_owner("deploy", "t"), lease_seconds=60).fencing
        dep = start_deployment(a, rel, fencing)
        a.set_current("web", "default", release_id=rel.id, deployment_id=dep, fencing=fencing)
        b.append_event(event_type="x", service="api", environment="default", version=None, status="ok",
                       deployed_by="t")
        assert [r.version for r in b.releases("web")] == [] and b.locks() == []
        assert [e.seq for e in b.events()] == [1]            # each home has its own chain, from seq 1
        assert a.verify_chain() == (True, None, len(a.events(limit=None)))
        assert a.location != b.location and "schema home_" in a.location
    finally:
        a.close()
        b.close()
    listed = {h.home: h for h in store_homes().homes}
    assert set(listed) >= {str(tmp_path / "a" / ".shipmate"), str(tmp_path / "b" / ".shipmate")}
    served = listed[str(tmp_path / "a" / ".shipmate")].services
    assert served == [{"service": "web", "environment": "default", "version": "1.0.0", "deployment_id": dep}]
    assert listed[str(tmp_path / "b" / ".shipmate")].services == []


def test_a_writer_waits_until_the_writer_before_it_committed(store: Store) -> None:
    order: list[str] = []
    inside = threading.Event()

    def first() -> None:
        with store._write() as tx:
            inside.set()
            time.sleep(1.0)   # holds the home's write lock meanwhile
            tx.event({"event_type": "first", "service": "web", "environment": "default", "version": None,
                      "status": "ok", "deployed_by": "t"})
            order.append("first committed")

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(30)
    store.append_event(event_type="second", service="web", environment="default", version=None, status="ok",
                       deployed_by="t")
    order.append("second committed")
    thread.join(30)
    assert order == ["first committed", "second committed"]
    assert [e.event_type for e in store.events()] == ["first", "second"]


WRITER = """
import sys
from pathlib import Path
from shipmate.errors import LockHeldError
from shipmate.store import Store
from shipmate.store.owners import this_process_owner
store = Store.open(Path(sys.argv[1]))
taken = 0
for i in range(int(sys.argv[2])):
    store.append_event(event_type="bench", service="web", environment="default", version=None,
                       status="ok", deployed_by=sys.argv[3], data={"i": i})
    try:
        row = store.acquire_lock("web/default", owner=this_process_owner("deploy", sys.argv[3]), lease_seconds=60)
    except LockHeldError:
        continue
    store.release_lock("web/default", row.fencing)
    taken += 1
print(taken)
store.close()
"""


@pytest.mark.slow
def test_four_writers_as_four_hosts_sharing_one_home_keep_one_valid_chain(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # Four folders named as one home: what four hosts deploying the same project see (SHIPMATE_HOME_NAME).
    monkeypatch.setenv(HOME_NAME_ENV, "shared-project")
    homes = [tmp_path / f"host{i}" / ".shipmate" for i in range(4)]
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(home), "60", f"host{i}"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i, home in enumerate(homes)]
    try:
        results = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err.decode()
    taken = sum(int(out) for out, _ in results)
    with Store.open(homes[0]) as store:
        evs = store.events(limit=None)
        bench = [e for e in evs if e.event_type == "bench"]
        assert len(bench) == 240 and {e.deployed_by for e in bench} == {f"host{i}" for i in range(4)}
        assert store.verify_chain() == (True, None, len(evs))
        assert [e.seq for e in evs] == list(range(1, len(evs) + 1))
        # Every successful take got its own fencing number: none was handed out twice.
        assert store.locks()[0].fencing == taken + sum(1 for e in evs if e.event_type == "lock.taken_over")


def test_a_server_restart_under_a_writer_loses_nothing_and_the_chain_holds(store: Store,
                                                                          postgres_server: PgServer) -> None:
    written: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            try:
                store.append_event(event_type="tick", service="web", environment="default", version=None,
                                   status="ok", deployed_by="t", data={"i": i})
                written.append(i)
            except StoreError as exc:   # a transaction cut mid-way: it did not commit, and says so
                errors.append(exc)
            i += 1
            time.sleep(0.01)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            time.sleep(0.05)
        postgres_server.restart()
        before = len(written)
        deadline = time.monotonic() + 60
        while len(written) < before + 20 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(60)
    assert len(written) >= before + 20, "writes did not resume after the restart"
    assert len(errors) <= 1   # at most the one transaction the restart cut; every later one waited and committed
    stored = [e.data["i"] for e in store.events(limit=None)]
    assert stored == written   # every write that returned is there, in order; nothing else is
    assert store.verify_chain() == (True, None, len(stored))


def test_a_store_url_that_is_not_postgresql_names_where_it_came_from(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPMATE_STORE", "mysql://db/x")
    with pytest.raises(InvalidInputError, match="SHIPMATE_STORE: 'mysql://db/x' is not a postgresql:// URL"):
        Store.open(tmp_path / ".shipmate")


def test_a_server_that_does_not_answer_is_a_store_error_with_the_password_masked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.waiting import free_port

    monkeypatch.setenv("SHIPMATE_STORE", f"postgresql://u:s3cret@127.0.0.1:{free_port()}/x")
    with pytest.raises(StoreError, match="cannot be reached") as info:
        Store.open(tmp_path / ".shipmate")
    assert "s3cret" not in info.value.message and "u:***@" in info.value.message


def test_the_host_config_file_names_the_store_when_the_environment_does_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_server: PgServer) -> None:
    monkeypatch.delenv("SHIPMATE_STORE")
    config = tmp_path / "config"
    (config / "shipmate").mkdir(parents=True)
    (config / "shipmate" / "host.yaml").write_text(f"store: {postgres_server.url}\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    with Store.open(tmp_path / ".shipmate") as store:
        assert store.backend == "postgresql"
    assert not (tmp_path / ".shipmate" / "state.db").exists()


def test_the_fast_reader_of_a_postgresql_home_has_every_method_and_the_stores_answers(store: Store,
                                                                                       home: Path) -> None:
    from shipmate.store.pg_reader import PostgresReader
    from shipmate.store.sqlite_reader import SqliteReader

    public = {name for name in vars(SqliteReader) if not name.startswith("_")} - {"open"}
    assert public <= {name for name in vars(PostgresReader) if not name.startswith("_")}
    rel = store.ensure_release("web", "1.0.0", "sha256:a", {}, "process")
    fencing = store.acquire_lock(KEY, owner=this_process_owner("deploy", "t"), lease_seconds=60).fencing
    dep = start_deployment(store, rel, fencing)
    reader = SqliteReader.open(home)   # what status/history open: for this home, the PostgreSQL reader
    assert isinstance(reader, PostgresReader)
    try:
        assert reader.active_deployments() == store.active_deployments() and reader.active_deployments()[0].id == dep
        assert reader.get_release(rel.id) == rel and reader.lock_owner_alive(KEY)
        assert reader.live_lock_owner(KEY) == store.locks()[0].owner
        assert reader.memory_search(["port"], 5) == ([], [])
    finally:
        reader.close()


def test_the_web_apis_paged_reader_reads_a_postgresql_home_too(store: Store, home: Path) -> None:
    from shipmate.store.paged_reads import Filters, PagedReader, lock_row

    rel = store.ensure_release("web", "1.0.0", "sha256:a", {}, "process")
    fencing = store.acquire_lock(KEY, owner=this_process_owner("deploy", "t"), lease_seconds=60).fencing
    first = start_deployment(store, rel, fencing, event={"event_type": "deployment.started"})
    second = start_deployment(store, rel, fencing, trace_id="t2", event={"event_type": "deployment.started"})
    reader = PagedReader.open(home)
    assert reader is not None
    try:
        page = reader.deployments_page(Filters(service="web"), before=None, limit=1)
        assert [d.id for d in page] == [second]
        older = reader.deployments_page(Filters(service="web"), before=(page[0].started_at, page[0].id), limit=5)
        assert [d.id for d in older] == [first]
        assert [e.deployment_id for e in reader.events_page(Filters(), before=None, limit=5)] == [second, first]
        assert reader.deployment_by_trace("t2") is not None and reader.deployment(first) is not None
        assert {d.id for d in reader.last_deployments()} <= {first, second}
        assert (lock_row(reader, KEY) or {})["owner"]["actor"] == "t"
    finally:
        reader.close()
