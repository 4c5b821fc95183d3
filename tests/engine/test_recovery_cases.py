"""The engine's recovery decisions as a table (recovery_cases.yaml), run in-process on a fake world.

A deployment runs for real (real store, real engine, real tcp probes) on a fake target and a
recording router, is cut at a named crash point, and the next command reconciles. The end-to-end
SIGKILL tests (tests/e2e/test_crash_recovery*.py) cover the same ground with real processes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from shipmate.engine import crashpoints, recovery
from shipmate.engine.context import Runtime
from shipmate.errors import ShipmateError
from shipmate.ops.common.release_run import run_release
from tests.engine.fake_world import FakeTarget, RecordingRouter, release
from tests.waiting import free_port

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "recovery_cases.yaml").read_text())


class Crash(BaseException):
    """Stands for SIGKILL: nothing in the engine catches it, and no row is written after it."""


def _crash_at(monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    def hit(name: str) -> None:
        if name == point:
            raise Crash(name)
    monkeypatch.setattr(crashpoints, "hit", hit)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_recovery_decides_from_flags_and_the_observed_world(
        case: dict[str, Any], world: tuple[Runtime, FakeTarget, RecordingRouter],
        monkeypatch: pytest.MonkeyPatch) -> None:
    rt, target, router = world
    port = free_port()
    shape = {"strategy": case["strategy"], "replicas": case["replicas"], "port": port,
             "canary": [tuple(step) for step in case.get("canary", [])], "max_surge": case.get("max_surge", 1)}
    if not case.get("first"):
        run_release(rt, release("1.0.0", **shape), kind="deploy", force=False)
        assert target.alive_versions() == {"1.0.0": case["replicas"]}
    if case.get("unhealthy"):
        target.unhealthy_versions.add("2.0.0")
    _crash_at(monkeypatch, case["crash"])
    with pytest.raises((Crash, ShipmateError)) as cut:
        run_release(rt, release("2.0.0", deadline_s=0.5 if case.get("unhealthy") else 5.0, **shape),
                    kind="deploy", force=False)
    assert isinstance(cut.value, Crash), f"the deployment ended before {case['crash']}: {cut.value}"
    monkeypatch.setattr(crashpoints, "hit", lambda name: None)
    if case.get("kill") == "new":
        target.kill_version("2.0.0")
    elif case.get("kill") == "previous":
        target.kill_version("1.0.0")

    report = recovery.reconcile(rt)

    expect = case["expect"]
    outcomes = [r for r in report if "outcome" in r]
    assert len(outcomes) == 1, report
    decided = [e for e in rt.store.events(limit=1000) if e.event_type == "deployment.recovering"]
    assert decided[-1].data["decision"] == expect["decision"]
    dep = rt.store.get_deployment(outcomes[0]["deployment_id"])
    assert dep is not None and str(dep.state) == expect["state"]
    assert not rt.store.active_deployments()
    cur = rt.store.current("svc", "default")
    version = None if cur is None else rt.store.get_release(cur.release_id).version  # type: ignore[union-attr]
    assert version == expect["current"]
    assert target.alive_versions() == expect["alive"]
    assert router.members(port) == expect["members"]
    live_rows = {row.instance_id for row in rt.store.instances("svc", "default", live_only=True)}
    assert live_rows == set(target.alive_ids()), "the store's live rows are exactly the running instances"
    ok, _, _ = rt.store.verify_chain()
    assert ok
