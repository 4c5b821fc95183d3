"""Leased locks with fencing numbers: held, dead owner, lease expiry, heartbeat, force release."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest
from tests.store.store_support import KEY, owner_of, silence_lock, start_deployment

from shipmate.errors import LockHeldError, LockLostError
from shipmate.model import DeploymentState
from shipmate.store import ReleaseRow, Store
from shipmate.store.owners import this_process_owner


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_lock_held_by_live_process_is_refused_with_owner_details(
        store: Store, sleeper: subprocess.Popen[bytes]) -> None:
    store.acquire_lock(KEY, owner=owner_of(sleeper), lease_seconds=60)
    with pytest.raises(LockHeldError) as info:
        store.acquire_lock(KEY, owner=this_process_owner("deploy"), lease_seconds=60)
    assert f"web/default is locked by deploy (pid {sleeper.pid}, user other-user) since" in info.value.message
    assert "lock release --force" in (info.value.hint or "")
    assert info.value.exit_code == 4


def test_dead_owner_lock_is_taken_over_at_once_and_audited(
        store: Store, sleeper: subprocess.Popen[bytes]) -> None:
    first = store.acquire_lock(KEY, owner=owner_of(sleeper), lease_seconds=3600)
    sleeper.kill()
    sleeper.wait(timeout=30)
    assert store.locks()[0].owner_alive is False and not store.locks()[0].held
    second = store.acquire_lock(KEY, owner=this_process_owner("deploy", "me"), lease_seconds=60)
    assert second.fencing == first.fencing + 1 and second.held
    audit = store.events()[-1]
    assert audit.event_type == "lock.taken_over"
    assert audit.data["reason"] == "died" and audit.notes == "web/default: owner process gone"
    assert audit.data["previous_owner"]["pid"] == sleeper.pid


def test_zombie_owner_counts_as_dead(store: Store) -> None:
    proc = subprocess.Popen(["sleep", "60"])
    try:
        owner = owner_of(proc)
        store.acquire_lock(KEY, owner=owner, lease_seconds=3600)
        proc.kill()  # not reaped yet: a zombie until wait()
        wait_until(lambda: store.locks()[0].owner_alive is False)
        assert store.acquire_lock(KEY, owner=this_process_owner("deploy"), lease_seconds=60).fencing == 2
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_expired_lease_is_taken_over(store: Store, sleeper: subprocess.Popen[bytes]) -> None:
    owner = {**owner_of(sleeper), "host": "another-host"}  # cannot check the process: only the lease counts
    store.acquire_lock(KEY, owner=owner, lease_seconds=0.3)
    with pytest.raises(LockHeldError, match="on another-host"):
        store.acquire_lock(KEY, owner=this_process_owner("deploy"), lease_seconds=60)
    wait_until(lambda: not store.locks()[0].held)
    got = store.acquire_lock(KEY, owner=this_process_owner("deploy"), lease_seconds=60)
    assert got.fencing == 2
    assert store.events()[-1].data["reason"] == "lease_expired"


def test_heartbeat_extends_the_lease(store: Store, sleeper: subprocess.Popen[bytes]) -> None:
    owner = {**owner_of(sleeper), "host": "another-host"}
    lock = store.acquire_lock(KEY, owner=owner, lease_seconds=1.0)
    store.heartbeat(KEY, lock.fencing, 3600)
    after = store.locks()[0]
    assert after.lease_until > lock.lease_until + 3000 and after.heartbeat_at >= lock.heartbeat_at
    with pytest.raises(LockHeldError):
        store.acquire_lock(KEY, owner=this_process_owner("deploy"), lease_seconds=60)


def test_fencing_numbers_are_never_reused_after_release(store: Store) -> None:
    seen = []
    for _ in range(3):
        lock = store.acquire_lock(KEY, owner=this_process_owner("deploy"), lease_seconds=60)
        seen.append(lock.fencing)
        store.release_lock(KEY, lock.fencing)
        assert not store.locks()[0].held
    assert seen == [1, 2, 3]
    # A plain release is not a takeover: nothing audited.
    assert [e.event_type for e in store.events()] == []


def test_release_after_takeover_is_a_no_op(store: Store, sleeper: subprocess.Popen[bytes]) -> None:
    old = store.acquire_lock(KEY, owner={**owner_of(sleeper), "host": "h"}, lease_seconds=0.2)
    wait_until(lambda: not store.locks()[0].held)
    new = store.acquire_lock(KEY, owner=this_process_owner("deploy"), lease_seconds=60)
    store.release_lock(KEY, old.fencing)
    assert store.locks()[0].held and store.locks()[0].fencing == new.fencing
    with pytest.raises(LockLostError, match=r"fencing 2 > 1"):
        store.heartbeat(KEY, old.fencing, 60)


def test_force_release_is_audited_and_fences_out_the_holder(
        store: Store, sleeper: subprocess.Popen[bytes], release: ReleaseRow) -> None:
    lock = store.acquire_lock(KEY, owner=owner_of(sleeper), lease_seconds=3600)
    released = store.force_release_lock(KEY, actor="alice")
    assert released is not None and released.released_at is not None and not released.held
    audit = store.events()[-1]
    assert (audit.event_type, audit.deployed_by) == ("lock.force_released", "alice")
    assert audit.data["was_held"] is True and audit.data["was_stalled"] is False
    with pytest.raises(LockLostError, match="released"):
        start_deployment(store, release, lock.fencing)
    assert store.force_release_lock("api/default", actor="alice") is None
    assert store.acquire_lock(KEY, owner=this_process_owner("deploy"), lease_seconds=5).fencing == 2


def test_stale_fencing_is_refused_by_every_mutating_call_after_takeover(
        store: Store, release: ReleaseRow, sleeper: subprocess.Popen[bytes]) -> None:
    old = store.acquire_lock(KEY, owner=owner_of(sleeper), lease_seconds=3600).fencing
    dep_id = start_deployment(store, release, old)
    step = store.step_intent(dep_id, 0, "start", {}, fencing=old)
    store.add_instance(instance_id="ins_a", service="web", environment="default", release_id=release.id,
                       deployment_id=dep_id, target_kind="process", fencing=old)
    sleeper.kill()
    sleeper.wait(timeout=30)
    new = store.acquire_lock(KEY, owner=this_process_owner("recover"), lease_seconds=60).fencing
    assert new == old + 1
    stale: list[Callable[[], Any]] = [
        lambda: start_deployment(store, release, old),
        lambda: store.set_state(dep_id, DeploymentState.RUNNING, fencing=old),
        lambda: store.step_intent(dep_id, 1, "switch", {}, fencing=old),
        lambda: store.step_result(step.id, "ok", {}, fencing=old),
        lambda: store.set_current("web", "default", release_id=release.id, deployment_id=dep_id, fencing=old),
        lambda: store.clear_current("web", "default", fencing=old),
        lambda: store.add_instance(instance_id="ins_b", service="web", environment="default",
                                   release_id=release.id, deployment_id=dep_id, target_kind="process",
                                   fencing=old),
        lambda: store.set_instance_status("ins_a", "running", fencing=old),
        lambda: store.heartbeat(KEY, old, 60),
    ]
    before = len(store.events(limit=None))
    refused = rf"lock for web/default was taken over \(fencing {new} > {old}\)"
    for call in stale:
        with pytest.raises(LockLostError, match=refused):
            call()
    assert len(store.events(limit=None)) == before
    dep = store.get_deployment(dep_id)
    assert dep is not None and dep.state is DeploymentState.PLANNED
    # The new holder carries on.
    assert store.set_state(dep_id, DeploymentState.RUNNING, fencing=new).state is DeploymentState.RUNNING


def test_a_live_owner_on_this_host_keeps_the_lock_after_its_lease_ran_out(
        store: Store, sleeper: subprocess.Popen[bytes]) -> None:
    store.acquire_lock(KEY, owner=owner_of(sleeper), lease_seconds=60)
    silence_lock(store, KEY, seconds=150, lease=60)  # lease over, but under 3 leases of silence
    with pytest.raises(LockHeldError) as info:
        store.acquire_lock(KEY, owner=this_process_owner("deploy"), lease_seconds=60)
    assert "once its heartbeat is 180 s old" in (info.value.hint or "")
    row = store.locks()[0]
    assert row.held and row.owner_alive is True and not row.stalled
