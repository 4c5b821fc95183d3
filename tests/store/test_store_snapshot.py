"""One snapshot for a screen's reads (status, history): every read inside it sees the same moment, on the
Store and on the fast reader status/history open, on both backends; releases read in one statement."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.store.store_support import start_deployment

from shipmate.errors import StoreError
from shipmate.model import DeploymentState
from shipmate.store import ReleaseRow, Store
from shipmate.store.sqlite_reader import SqliteReader


@pytest.fixture(params=["store", "reader"])
def reads(request: pytest.FixtureRequest, store: Store, home: Path) -> Iterator[Any]:
    """A second, read-only way into the same home: a read-only Store, or what status opens."""
    opened: Any = Store.open_readonly(home) if request.param == "store" else SqliteReader.open(home)
    assert opened is not None
    yield opened
    opened.close()


def test_reads_inside_a_snapshot_see_one_moment_and_the_next_read_sees_the_change(
        store: Store, reads: Any, release: ReleaseRow, fencing: int) -> None:
    dep = start_deployment(store, release, fencing)
    with reads.snapshot():
        assert [d.id for d in reads.active_deployments()] == [dep]   # the snapshot starts here
        store.set_state(dep, DeploymentState.RUNNING, fencing=fencing)
        store.set_current("web", "default", release_id=release.id, deployment_id=dep, fencing=fencing)
        store.set_state(dep, DeploymentState.SUCCEEDED, fencing=fencing, verified=True, verdict={"phase": "pass"})
        # committed meanwhile by another connection: not part of this moment
        assert reads.current("web", "default") is None
        assert str(reads.deployments("web", "default", 1)[0].state) == "planned"
        with reads.snapshot():   # nested: the same moment still
            assert reads.all_current() == []
    assert reads.active_deployments() == []
    cur = reads.current("web", "default")
    assert cur is not None and cur.deployment_id == dep


def test_a_failed_read_inside_a_snapshot_ends_it_and_the_next_reads_work(
        store: Store, reads: Any, release: ReleaseRow) -> None:
    with pytest.raises(StoreError), reads.snapshot():
        assert reads.get_release(release.id) == release
        raise StoreError("stop here", hint="a test")
    other = store.ensure_release("web", "2.0.0", "sha256:bbb", {"port": 8080}, "process")
    assert reads.get_release(other.id) == other   # a fresh transaction: the new release is seen


def test_releases_by_id_answers_what_get_release_does_and_leaves_out_absent_ids(
        store: Store, reads: Any, release: ReleaseRow) -> None:
    other = store.ensure_release("web", "2.0.0", "sha256:bbb", {"port": 8080}, "process")
    absent = [f"rel_absent_{i}" for i in range(600)]   # more than one statement's share of ids
    found = reads.releases_by_id([other.id, *absent, release.id, release.id])
    assert found == {release.id: reads.get_release(release.id), other.id: reads.get_release(other.id)}
    assert found[release.id] == release
    assert reads.releases_by_id([]) == {} and reads.releases_by_id(absent) == {}


def test_instances_of_every_environment_are_each_environments_in_one_list(
        store: Store, reads: Any, release: ReleaseRow, fencing: int) -> None:
    dep = start_deployment(store, release, fencing)
    for n, env in enumerate(["default", "staging", "default"]):
        store.add_instance(instance_id=f"ins_{n}", service="web", environment=env, release_id=release.id,
                           deployment_id=dep, target_kind="process", pid=100 + n, create_time=1.5 + n,
                           port=4000 + n, log_path=None, handle={"pid": 100 + n}, fencing=fencing)
    both = reads.instances("web", None, live_only=True)
    assert [i.instance_id for i in both] == ["ins_0", "ins_1", "ins_2"]   # oldest first
    assert [i for i in both if i.environment == "default"] == reads.instances("web", "default", live_only=True)
    assert both == store.instances("web", None, live_only=True)
