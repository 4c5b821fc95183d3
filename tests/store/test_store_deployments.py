"""Releases, the deployment state machine, steps, the current pointer and instances."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from tests.store.store_support import raw_sql, start_deployment

from shipmate.errors import StoreError
from shipmate.model import TRANSITIONS, DeploymentState
from shipmate.store import ReleaseRow, Store

S = DeploymentState


def test_ensure_release_returns_the_same_row_for_the_same_triple(store: Store) -> None:
    first = store.ensure_release("web", "1.0.0", "sha256:a", {"x": 1}, "process")
    again = store.ensure_release("web", "1.0.0", "sha256:a", {"x": 1}, "process")
    other = store.ensure_release("web", "1.0.0", "sha256:b", {"x": 2}, "process")
    assert again == first
    assert other.id != first.id and first.id.startswith("rel_")
    assert store.get_release(first.id) == first
    assert [r.id for r in store.releases("web")] == [other.id, first.id]


def test_new_deployment_is_planned_with_start_time(store: Store, release: ReleaseRow, fencing: int) -> None:
    dep = store.get_deployment(start_deployment(store, release, fencing))
    assert dep is not None and dep.id.startswith("dep_")
    assert dep.state is S.PLANNED and dep.finished_at is None and dep.started_at > 0
    assert dep.plan == {"steps": ["start", "switch"]}
    assert store.active_deployments() == [dep]


@pytest.mark.parametrize("src", list(S))
def test_state_machine_refuses_every_move_not_in_transitions(
        store: Store, release: ReleaseRow, fencing: int, src: DeploymentState) -> None:
    for dst in S:
        dep_id = start_deployment(store, release, fencing)
        path = _path_to(src)
        for state in path:
            store.set_state(dep_id, state, fencing=fencing)
        if dst in TRANSITIONS[src]:
            assert store.set_state(dep_id, dst, fencing=fencing).state is dst
        else:
            with pytest.raises(StoreError, match=f"cannot move from {src.value} to {dst.value}"):
                store.set_state(dep_id, dst, fencing=fencing)
            row = store.get_deployment(dep_id)
            assert row is not None and row.state is src


def _path_to(target: DeploymentState) -> list[DeploymentState]:
    """Shortest legal path from planned to `target` (breadth-first over TRANSITIONS)."""
    paths: dict[DeploymentState, list[DeploymentState]] = {S.PLANNED: []}
    frontier = [S.PLANNED]
    while frontier:
        nxt = []
        for state in frontier:
            for dst in sorted(TRANSITIONS[state]):
                if dst not in paths:
                    paths[dst] = [*paths[state], dst]
                    nxt.append(dst)
        frontier = nxt
    return paths[target]


def test_terminal_state_sets_finished_at_and_leaves_active_list(
        store: Store, release: ReleaseRow, fencing: int) -> None:
    dep_id = start_deployment(store, release, fencing)
    store.set_state(dep_id, S.RUNNING, fencing=fencing)
    failed = store.set_state(dep_id, S.ROLLING_BACK, fencing=fencing, error="health check failed")
    assert failed.finished_at is None and failed.error == "health check failed"
    done = store.set_state(dep_id, S.ROLLED_BACK, fencing=fencing, verdict={"phase": "fail"})
    assert done.finished_at is not None and done.verdict == {"phase": "fail"}
    assert store.active_deployments() == []


def test_last_verified_release_is_newest_verified_success_other_than_excluded(
        store: Store, fencing: int) -> None:
    r1 = store.ensure_release("web", "1", "d1", {}, "process")
    r2 = store.ensure_release("web", "2", "d2", {}, "process")
    r3 = store.ensure_release("web", "3", "d3", {}, "process")
    r4 = store.ensure_release("web", "4", "d4", {}, "process")
    assert store.last_verified_release("web", "default", exclude_release_id=None) is None
    for rel, verified, final in [(r1, True, S.SUCCEEDED), (r2, True, S.SUCCEEDED),
                                 (r3, False, S.SUCCEEDED), (r4, True, S.FAILED)]:
        dep_id = start_deployment(store, rel, fencing)
        store.set_state(dep_id, S.RUNNING, fencing=fencing)
        if final is S.FAILED:
            store.set_state(dep_id, S.ROLLING_BACK, fencing=fencing)
        store.set_state(dep_id, final, fencing=fencing, verified=verified)
    other_env = store.acquire_lock("web/staging", owner={"host": "x", "pid": 1, "create_time": 0},
                                   lease_seconds=60).fencing
    dep_id = start_deployment(store, r4, other_env, environment="staging")
    store.set_state(dep_id, S.RUNNING, fencing=other_env)
    store.set_state(dep_id, S.SUCCEEDED, fencing=other_env, verified=True)

    assert store.last_verified_release("web", "default", exclude_release_id=None) == r2
    assert store.last_verified_release("web", "default", exclude_release_id=r2.id) == r1
    assert store.last_verified_release("web", "staging", exclude_release_id=None) == r4


def test_steps_record_intent_then_result_in_order(store: Store, release: ReleaseRow, fencing: int) -> None:
    dep_id = start_deployment(store, release, fencing)
    second = store.step_intent(dep_id, 1, "switch", {"to": "ins_b"}, fencing=fencing)
    first = store.step_intent(dep_id, 0, "start", {"port": 0}, fencing=fencing)
    assert first.status == "started" and first.result is None and first.finished_at is None
    done = store.step_result(first.id, "ok", {"pid": 42}, fencing=fencing)
    assert done.status == "ok" and done.result == {"pid": 42} and done.finished_at is not None
    assert [s.name for s in store.steps(dep_id)] == ["start", "switch"]
    assert store.steps(dep_id)[1] == second
    with pytest.raises(StoreError, match="already has a result"):
        store.step_result(first.id, "failed", {}, fencing=fencing)
    with pytest.raises(StoreError, match="unknown result status"):
        store.step_result(second.id, "maybe", {}, fencing=fencing)


def test_current_pointer_has_exactly_one_row_per_service_and_environment(
        store: Store, release: ReleaseRow, fencing: int) -> None:
    r2 = store.ensure_release("web", "2", "d2", {}, "process")
    d1 = start_deployment(store, release, fencing)
    d2 = start_deployment(store, r2, fencing)
    store.set_current("web", "default", release_id=release.id, deployment_id=d1, fencing=fencing)
    now = store.set_current("web", "default", release_id=r2.id, deployment_id=d2, fencing=fencing)
    assert store.all_current() == [now]
    assert now.release_id == r2.id and now.instance_id is None  # current names a release, not an instance
    # The primary key refuses a second row even from raw SQL.
    with pytest.raises(IntegrityError):
        raw_sql(store, "INSERT INTO current VALUES ('web', 'default', :r, :d, NULL, 0)", r=release.id, d=d1)
    store.clear_current("web", "default", fencing=fencing)
    assert store.current("web", "default") is None


def test_instances_track_status_and_live_filter(store: Store, release: ReleaseRow, fencing: int) -> None:
    dep_id = start_deployment(store, release, fencing)
    for name in ("ins_a", "ins_b"):
        store.add_instance(instance_id=name, service="web", environment="default", release_id=release.id,
                           deployment_id=dep_id, target_kind="process", pid=100, create_time=1.5,
                           port=40000, log_path="/tmp/x.log", handle={"container": name, "n": [1, 2]},
                           fencing=fencing)
    assert store.set_instance_status("ins_a", "running", fencing=fencing).status == "running"
    store.set_instance_status("ins_b", "stopped", fencing=fencing)
    assert [i.id for i in store.instances("web", "default", live_only=True)] == ["ins_a"]
    assert {i.id for i in store.instances()} == {"ins_a", "ins_b"}
    got = store.get_instance("ins_a")
    assert got is not None and got.live and got.create_time == 1.5
    assert got.handle == {"container": "ins_a", "n": [1, 2]}  # the target's handle comes back as it went in
    with pytest.raises(StoreError, match="unknown instance status"):
        store.set_instance_status("ins_a", "sleeping", fencing=fencing)


def test_state_change_and_its_event_commit_together(store: Store, release: ReleaseRow, fencing: int) -> None:
    dep_id = start_deployment(store, release, fencing, event={"event_type": "deployment.planned"})
    store.set_state(dep_id, S.RUNNING, fencing=fencing, event={"event_type": "deployment.started"})
    with pytest.raises(StoreError):
        store.set_state(dep_id, S.PLANNED, fencing=fencing, event={"event_type": "should.not.exist"})
    evs = store.events(deployment_id=dep_id)
    assert [(e.event_type, e.status, e.version, e.trace_id) for e in evs] == [
        ("deployment.planned", "planned", "1.0.0", "trace-1"),
        ("deployment.started", "running", "1.0.0", "trace-1")]


def test_clear_current_event_defaults_to_the_lock_owner_as_actor(
        store: Store, release: ReleaseRow, fencing: int) -> None:
    dep_id = start_deployment(store, release, fencing)
    store.set_current("web", "default", release_id=release.id, deployment_id=dep_id,
                      fencing=fencing, event={"event_type": "release.current"})
    store.clear_current("web", "default", fencing=fencing, event={"event_type": "service.down"})
    evs = store.events()
    assert [(e.event_type, e.status, e.deployed_by) for e in evs] == [
        ("release.current", "current", "tester"), ("service.down", "cleared", "tester")]


def test_rows_convert_to_json_ready_dicts(store: Store, release: ReleaseRow, fencing: int) -> None:
    dep = store.get_deployment(start_deployment(store, release, fencing))
    assert dep is not None
    as_dict = dep.as_dict()
    assert as_dict["state"] == "planned" and type(as_dict["state"]) is str
    assert store.locks()[0].as_dict()["held"] is True
