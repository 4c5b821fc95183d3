"""The serving stamp: a few numbers that move whenever a current pointer, an instance or a lock holder does,
and stay put for the writes `serve` makes all the time without changing what it supervises."""

from __future__ import annotations

import time

from tests.store.store_support import KEY, start_deployment

from shipmate.model import DeploymentState
from shipmate.store import ReleaseRow, Store
from shipmate.store.owners import this_process_owner
from shipmate.store.uptime_rows import UptimeSample


def test_the_stamp_moves_with_every_change_supervision_reads(store: Store, release: ReleaseRow, fencing: int) -> None:
    seen = [store.serving_stamp()]

    def moved() -> bool:
        seen.append(store.serving_stamp())
        return seen[-1] != seen[-2]

    dep = start_deployment(store, release, fencing)
    assert not moved()   # a deployment row alone: nothing to supervise yet
    store.add_instance(instance_id="ins_1", service="web", environment="default", release_id=release.id,
                       deployment_id=dep, target_kind="process", pid=123, create_time=1.5, fencing=fencing)
    assert moved()
    store.set_state(dep, DeploymentState.RUNNING, fencing=fencing)
    store.set_current("web", "default", release_id=release.id, deployment_id=dep, fencing=fencing)
    assert moved()
    store.set_instance_status("ins_1", "running", fencing=fencing)
    assert moved()
    store.set_instance_supervision("ins_1", {"in_rotation": False}, fencing=fencing)
    assert moved()
    store.clear_current("web", "default", fencing=fencing)
    assert moved()
    store.release_lock(KEY, fencing)
    assert moved()
    store.acquire_lock(KEY, owner=this_process_owner("deploy", "tester"), lease_seconds=60)
    assert moved()


def test_the_stamp_stays_for_heartbeats_and_uptime_samples(store: Store, fencing: int) -> None:
    before = store.serving_stamp()
    store.heartbeat(KEY, fencing, 60)
    store.uptime.record([UptimeSample("web", "default", time.time(), True, 3.0, 5.0)])
    store.append_event(event_type="note", service="web", environment="default", version=None, status="ok",
                       deployed_by="tester", notes="not about serving")
    assert store.serving_stamp() == before
