"""Kill `shipmate deploy` with SIGKILL at every named point of a canary and of a rolling deploy with replicas;
the next command must leave one current release with all its replicas, no orphan, a valid chain, and a
service that deploys again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from shipmate.engine.crashpoints import ENV as CRASHPOINT
from shipmate.engine.crashpoints import names_for
from tests.e2e.cli_project import Project
from tests.e2e.load import Load
from tests.waiting import wait_until


@dataclass(frozen=True)
class Shape:
    """A strategy with replicas, and the plan the contract gives it for v1 running -> v2 (step names in order;
    the step flagged commit_point is the last whose kill may roll back)."""

    strategy: str
    replicas: int
    extra: str
    steps: tuple[str, ...]
    commit_point: str = "monitor"
    repeats: tuple[int, ...] = ()  # steps (1-based) that repeat earlier ones of the same name in the same state:
    #                                their crash points run in `make soak`, not in every `make test`


    def spec(self, project: Project, version: str, **kw: Any) -> None:
        """Short windows that one probe tick can judge: a loaded machine (xdist) fits few ticks in 500 ms, and
        an inconclusive window rolls back, which would skip the crash point under test."""
        project.spec(version, strategy=self.strategy, replicas=self.replicas, extra=self.extra,
                     monitor="500ms", drain="500ms", min_samples=1, **kw)

    def points(self) -> list[str]:
        return names_for(len(self.steps))

    def repeats_earlier(self, point: str) -> bool:
        parts = point.split(":")
        return parts[0] == "step" and int(parts[1]) in self.repeats

    def past_commit(self, point: str) -> bool:
        """Had the commit step's result been recorded at ``point`` (finishing is then the only way)?"""
        parts = point.split(":")
        return parts[0] == "step" and int(parts[1]) > self.steps.index(self.commit_point) + 1


CANARY = Shape("canary", 2, "canary:\n  steps: [{weight: 30, pause: 500ms}, {weight: 60, pause: 500ms}]\n", (
    "preflight", "start_instances", "wait_healthy", "set_weight", "analyze", "set_weight", "analyze",
    "switch_route", "monitor", "promote", "drain_old", "stop_old", "prune"),   # prune: the snapshots kept
    repeats=(6, 7))                       # the second weight step and its analysis: like steps 4 and 5
_BATCH = ("start_instances", "wait_healthy", "add_backends", "remove_backends", "drain_old", "stop_old")
ROLLING = Shape("rolling", 3, "rolling: {max_unavailable: 1, max_surge: 1}\n",
                ("preflight", *_BATCH, *_BATCH, *_BATCH, "monitor", "promote", "prune"),
                repeats=tuple(range(8, 14)))   # the middle batch: old and new mixed, as in the first and last
SHAPES = {s.strategy: s for s in (CANARY, ROLLING)}
CASES = [pytest.param(shape, point, id=f"{shape.strategy}-{point}",
                      marks=[pytest.mark.soak] if shape.repeats_earlier(point) else [])
         for shape in SHAPES.values() for point in shape.points()]


def _assert_one_whole_release(project: Project, shape: Shape, versions: set[str]) -> dict[str, Any]:
    """One current release, every replica of it alive and answering, nothing else running, the chain valid."""
    env = project.json("status")["environments"][0]
    assert env["deployment_in_progress"] is None, env
    current = env["current"]
    assert current is not None and current["version"] in versions, env
    version = str(current["version"])
    assert env["serving"] is True, env
    live = [i for i in env["instances"] if i["role"] == "current" and i["alive"]]
    assert len(live) == shape.replicas and {i["version"] for i in live} == {version}, env["instances"]
    assert (current["replicas"], current["live"]) == (shape.replicas, shape.replicas), current
    wait_until(lambda: len(project.instance_apps()) == shape.replicas, 15,
               f"exactly {shape.replicas} instance processes (no orphans)")
    assert {p.pid for p in project.instance_apps()} == {i["pid"] for i in live}, "a running process is not current"
    ports = project.instance_ports(version)
    assert len(ports) == shape.replicas, f"{version} runs on {ports}, wanted {shape.replicas} replicas"
    assert all(project.get_direct(port)["version"] == version for port in ports)
    answered = {project.get("/")["version"] for _ in range(4 * shape.replicas)}
    assert answered == {version}, f"the public port answered {answered}, current is {version}"
    chain = project.json("events", "--verify", "--limit", "10000")["chain"]
    assert chain["ok"] and chain["mirror_ok"], chain
    return env


@pytest.mark.slow
@pytest.mark.parametrize("strategy", sorted(SHAPES))
def test_the_crash_points_cover_every_step_of_the_plan(project: Project, strategy: str) -> None:
    shape = SHAPES[strategy]
    shape.spec(project, "1.0.0")
    project.json("deploy")
    shape.spec(project, "2.0.0")
    steps = project.plan()["steps"]
    assert tuple(s["name"] for s in steps) == shape.steps  # else CASES misses (or invents) crash points
    assert [s["name"] for s in steps if "commit_point" in s["flags"]] == [shape.commit_point]


@pytest.mark.slow
@pytest.mark.parametrize(("shape", "point"), CASES)
def test_sigkill_at_each_crash_point_with_replicas_leaves_one_whole_release(
        project: Project, shape: Shape, point: str) -> None:
    shape.spec(project, "1.0.0")
    project.json("deploy")
    shape.spec(project, "2.0.0")
    proc = project.run("deploy", "--json", env={CRASHPOINT: point})
    assert proc.returncode == -9, f"{point}: {proc.returncode} {proc.stdout} {proc.stderr}"
    env = _assert_one_whole_release(project, shape, {"1.0.0", "2.0.0"})
    state = env["last_deployment"]["state"]
    assert state in {"succeeded", "rolled_back"}, env["last_deployment"]
    if shape.past_commit(point):
        assert state == "succeeded", f"{point} is past the commit point, yet the deployment ended {state}"
    shape.spec(project, "3.0.0")
    project.json("deploy")
    assert len(project.instance_ports("3.0.0")) == shape.replicas
    assert project.get("/")["version"] == "3.0.0"


@pytest.mark.slow
@pytest.mark.parametrize(("strategy", "judge"), [("canary", "analyze"), ("rolling", "monitor")])
def test_sigkill_inside_the_rollback_of_a_failed_release_is_finished_by_the_next_command(
        project: Project, strategy: str, judge: str) -> None:
    shape = SHAPES[strategy]
    shape.spec(project, "1.0.0")
    project.json("deploy")
    # healthy on /health, every page a 500: only the judgement of real requests can catch it
    shape.spec(project, "2.0.0", app_env={"HELLO_PAGE_ERROR_RATE": "1"})
    with Load(project.port, keepalive=2, fresh=0):
        proc = project.run("deploy", "--json", env={CRASHPOINT: "rollback:1"})
    assert proc.returncode == -9, f"{proc.returncode} {proc.stdout} {proc.stderr}"
    recovered = project.json("recover")["recovered"]
    assert any(r.get("outcome") == "rolled_back" for r in recovered), recovered
    _assert_one_whole_release(project, shape, {"1.0.0"})
    events = project.json("events", "--limit", "10000")["events"]
    judged = [e for e in events if e["version"] == "2.0.0" and e["event_type"] == f"step.{judge}"]
    assert judged and judged[-1]["status"] != "ok", judged  # rolled back by the judgement, not by a start failure
