"""The engine's side of a native rollout (Swarm), pinned on a fake engine that replaces tasks itself.

The real Swarm target has its own tests against a real swarm (tests/targets/test_swarm_*.py and the
end-to-end ones); these check the orchestration: the router follows what runs during the update,
the new tasks are proven before the release counts, and every failure puts back the previous
release's spec from our store, or removes the service when there was none.
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from shipmate.engine.context import Runtime
from shipmate.errors import DeploymentFailedError
from shipmate.model import InstanceRef
from shipmate.ops.common import release_run as deploying
from shipmate.ops.common import releases
from shipmate.release_config import ReleaseConfig
from shipmate.targets.base import Capabilities, NativeRollout, RolloutReport, Seen
from shipmate.traffic import Backend, RouteSpec
from tests.engine.fake_world import FakeTarget, RecordingRouter, release, runtime
from tests.waiting import free_port


class FakeSwarm(FakeTarget, NativeRollout):
    """Start-first, one task at a time; a version in ``crashing`` makes the engine roll itself back."""

    kind = "fake"
    capabilities = Capabilities(routable=True, replicas=True, max_replicas=32, logs=False, process_stats=False,
                                native_rollout=True)

    def __init__(self) -> None:
        super().__init__()
        self.crashing: set[str] = set()
        self.updates: list[str] = []          # versions actually rolled out (unchanged ones are not)
        self.counter = itertools.count(1)

    def _task(self, version: str) -> str:
        task_id = f"task{next(self.counter)}"
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        if version not in self.unhealthy_versions:
            sock.listen(16)
        self.sockets[task_id], self.versions[task_id] = sock, version
        self.peak_alive = max(self.peak_alive, len(self.alive_ids()))
        return task_id

    def running(self, service: str, environment: str) -> list[Seen]:
        return [Seen(InstanceRef(iid, self.sockets[iid].getsockname()[1], {"fake": iid}), self.versions[iid])
                for iid in self.alive_ids()]

    def roll_out(self, config: ReleaseConfig, *, deadline_s: float,
                 on_tick: Callable[[list[Seen]], None]) -> RolloutReport:
        seen = lambda: self.running(config.service, config.environment)  # noqa: E731
        old = [iid for iid in self.alive_ids() if self.versions[iid] != config.version]
        mine = [iid for iid in self.alive_ids() if self.versions[iid] == config.version]
        if not old and len(mine) == config.replicas:
            return RolloutReport("unchanged", True, "", tuple(s.ref for s in seen()))
        self.updates.append(config.version)
        state = "completed" if old else "created"
        while len(mine) < config.replicas:
            mine.append(self._task(config.version))
            on_tick(seen())
            if config.version in self.crashing:   # the task dies; the engine's failure_action rolls back
                self.kill_version(config.version)
                on_tick(seen())
                return RolloutReport("rollback_completed", False, "update rolled back: task exited (1)", ())
            if old:
                self.kill(old.pop(0))
                on_tick(seen())
        for iid in old:
            self.kill(iid)
        on_tick(seen())
        return RolloutReport(state, True, "", tuple(s.ref for s in seen() if s.version == config.version))

    def take_down(self, service: str, environment: str) -> bool:
        had = bool(self.alive_ids())
        self.close_all()
        return had


class CheckingRouter(RecordingRouter):
    """Also notes every member that was not running at the moment it was given."""

    dead_members: list[str]

    def set_backends(self, route: RouteSpec, backends: Sequence[Backend], *, fencing: int) -> None:
        self.dead_members += [b.instance_id for b in backends
                              if not self.target.inspect({"fake": b.instance_id}).alive]
        super().set_backends(route, backends, fencing=fencing)


@pytest.fixture
def swarm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Runtime, FakeSwarm, CheckingRouter]]:
    monkeypatch.setattr(releases, "_native", lambda config: True)   # the registry knows no "fake" kind
    rt, _, _ = runtime(tmp_path / "home")
    target = FakeSwarm()
    router = CheckingRouter(target)
    router.dead_members = []
    rt = Runtime(rt.store, target, router, rt.home, rt.home_id, rt.actor)
    yield rt, target, router
    target.close_all()
    rt.store.close()


def _deploy(rt: Runtime, version: str, port: int, **shape: object) -> dict[str, object]:
    config = release(version, port=port, strategy="rolling", replicas=3, **shape)  # type: ignore[arg-type]
    return deploying.run_release(rt, config, kind="deploy", force=False)


def test_native_update_keeps_the_router_on_running_tasks_and_ends_with_only_the_new_release(
        swarm: tuple[Runtime, FakeSwarm, CheckingRouter]) -> None:
    rt, target, router = swarm
    port = free_port()
    _deploy(rt, "1.0.0", port)
    assert router.members(port) == {"1.0.0": 3}
    first = len(router.changes)
    _deploy(rt, "2.0.0", port)
    for _, members, _ in router.changes[first:]:
        assert len(members) >= 3, "start-first: never fewer members than replicas"
    assert router.dead_members == [], "the router is only ever given running tasks"
    assert router.members(port) == {"2.0.0": 3}
    live = rt.store.instances("svc", "default", live_only=True)
    assert sorted(target.versions[r.id] for r in live) == ["2.0.0"] * 3
    assert all(r.status == "running" for r in live)
    assert target.updates == ["1.0.0", "2.0.0"]


def test_engine_rolled_back_update_fails_the_deploy_and_serves_the_previous_release(
        swarm: tuple[Runtime, FakeSwarm, CheckingRouter]) -> None:
    rt, target, router = swarm
    port = free_port()
    _deploy(rt, "1.0.0", port)
    target.crashing.add("2.0.0")
    with pytest.raises(DeploymentFailedError) as failed:
        _deploy(rt, "2.0.0", port)
    assert "rollback_completed" in failed.value.message
    assert router.members(port) == {"1.0.0": 3}
    assert target.alive_versions() == {"1.0.0": 3}
    current = rt.store.current("svc", "default")
    assert current is not None and rt.store.get_release(current.release_id).version == "1.0.0"  # type: ignore[union-attr]
    assert rt.store.deployments("svc", "default")[0].state == "rolled_back"


def test_unhealthy_new_tasks_roll_out_the_previous_spec_again_not_the_engines_previous_one(
        swarm: tuple[Runtime, FakeSwarm, CheckingRouter]) -> None:
    rt, target, router = swarm
    port = free_port()
    _deploy(rt, "1.0.0", port)
    target.unhealthy_versions.add("2.0.0")   # the engine says completed; our probes say no
    with pytest.raises(DeploymentFailedError) as failed:
        _deploy(rt, "2.0.0", port, deadline_s=0.5)
    assert "health check failed" in failed.value.message
    assert target.updates == ["1.0.0", "2.0.0", "1.0.0"], "the previous release rolled out again from our store"
    assert router.members(port) == {"1.0.0": 3}
    assert target.alive_versions() == {"1.0.0": 3}
    live = rt.store.instances("svc", "default", live_only=True)
    assert sorted(target.versions[r.id] for r in live) == ["1.0.0"] * 3


def test_failed_first_native_deploy_removes_the_service_and_its_route(
        swarm: tuple[Runtime, FakeSwarm, CheckingRouter]) -> None:
    rt, target, router = swarm
    port = free_port()
    target.crashing.add("1.0.0")
    with pytest.raises(DeploymentFailedError):
        _deploy(rt, "1.0.0", port)
    assert target.alive_ids() == []
    assert port not in router.routes_now
    assert rt.store.current("svc", "default") is None
    assert rt.store.instances("svc", "default", live_only=True) == []


def test_native_plan_is_one_roll_out_and_refuses_strategies_it_cannot_run() -> None:
    from shipmate.errors import InvalidInputError
    from shipmate.plan import PlanInput
    from shipmate.strategies import build_plan

    given = PlanInput(service="svc", environment="default", version="2", kind="deploy", port=8080, drain_s=1,
                      stop_grace_s=1, health_deadline_s=5, monitor_s=3, previous_version="1", previous_running=True,
                      previous_instance_ids=("t1", "t2"), replicas=2, native=True, converge_s=60)
    plan = build_plan("rolling", given)
    assert [s.name for s in plan.steps] == ["preflight", "roll_out", "wait_healthy", "switch_route", "monitor",
                                           "promote", "forget_replaced"]
    assert [s.name for s in plan.steps if s.has("commit_point")] == ["monitor"]
    assert [s.name for s in plan.abort_steps] == ["roll_back_native", "stop_new"]
    assert plan.steps[1].args == {"version": "2", "replicas": 2, "deadline_s": 60}
    with pytest.raises(InvalidInputError, match="needs instances shipmate starts itself") as refused:
        build_plan("canary", given)
    assert refused.value.hint is not None and "rolling or recreate" in refused.value.hint
