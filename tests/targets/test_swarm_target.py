"""The Swarm target on a real single-node swarm: a service created and updated by Swarm itself, judged by *our*
update's UpdateStatus (a rollback is a failure even though Swarm calls it converged), its tasks reachable at
their own host:port, and the service taken down again."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
from swarm_support import Ticks, served_version, swarm_config
from tests.docker_images import hello_image
from tests.swarm_engine import published_on_loopback
from tests.waiting import wait_until

from shipmate.errors import PrerequisiteMissingError, TargetError
from shipmate.model import InstanceRef
from shipmate.targets.registry import capabilities_of, target_for
from shipmate.targets.swarm import SwarmTarget, tasks_running
from shipmate.targets.swarm_spec_build import service_name
from shipmate.targets.swarm_tasks import task_version

DEADLINE_S = 60.0


@pytest.fixture
def target(tmp_path: Path) -> SwarmTarget:
    made = target_for("swarm")
    assert isinstance(made, SwarmTarget)
    made.use_home(tmp_path / "home")
    return made


@pytest.fixture
def images(swarm_engine: Any) -> dict[str, str]:
    return {"1": hello_image(swarm_engine, "1"), "2": hello_image(swarm_engine, "2")}


def _versions_served(refs: tuple[InstanceRef, ...] | list[InstanceRef]) -> list[str | None]:
    return sorted((served_version(ref.host, ref.port) or "-") for ref in refs)


def test_a_new_service_is_created_and_its_tasks_answer_at_their_own_host_port(
        target: SwarmTarget, images: dict[str, str], swarm_names: Callable[[], str], tmp_path: Path,
        swarm_engine: Any) -> None:
    service = swarm_names()
    ticks = Ticks()
    report = target.roll_out(swarm_config(service, "1", images["1"], tmp_path, replicas=2),
                             deadline_s=DEADLINE_S, on_tick=ticks)
    assert (report.ok, report.state) == (True, "created"), report.message
    assert len(report.instances) == 2
    assert len({ref.port for ref in report.instances}) == 2            # an ephemeral host-mode port per task
    for ref in report.instances:
        assert ref.host == "127.0.0.1" and ref.port > 0
        assert set(ref.handle) >= {"task_id", "container_id", "node_id", "host", "service_id", "version", "home_id"}
        assert ref.instance_id == ref.handle["task_id"] and ref.handle["version"] == "1"
        wait_until(lambda ref=ref: served_version(ref.host, ref.port) == "1", 20, f"task on {ref.port} to answer")
        assert target.inspect(ref.handle).alive
        wait_until(lambda ref=ref: ref.port in target.listening_ports(ref), 20, "the port in listening_ports")
    assert ticks.seen and ticks.versions() <= {"1"}
    spec = swarm_engine.api.inspect_service(service_name(service, "test"))["Spec"]
    port = spec["EndpointSpec"]["Ports"][0]
    assert port["PublishMode"] == "host" and "PublishedPort" not in port
    assert spec["UpdateConfig"]["FailureAction"] == "rollback"
    assert spec["Labels"]["shipmate.spec_hash"] and spec["Labels"]["shipmate.version"] == "1"
    assert [s.ref.instance_id for s in target.running(service, "test")] != []


def test_an_update_completes_with_every_task_on_the_new_version_and_the_same_spec_is_unchanged(
        target: SwarmTarget, images: dict[str, str], swarm_names: Callable[[], str], tmp_path: Path,
        swarm_engine: Any) -> None:
    service = swarm_names()
    first = target.roll_out(swarm_config(service, "1", images["1"], tmp_path), deadline_s=DEADLINE_S,
                            on_tick=Ticks())
    assert first.ok, first.message
    ticks = Ticks()
    v2 = swarm_config(service, "2", images["2"], tmp_path)
    report = target.roll_out(v2, deadline_s=DEADLINE_S, on_tick=ticks)
    assert (report.ok, report.state) == (True, "completed"), report.message
    assert _versions_served(report.instances) == ["2", "2"]
    assert {task_version(t) for t in tasks_running(swarm_engine, service, "test")} == {"2"}
    assert {"1", "2"} <= ticks.versions()                  # the router followed both versions during the update
    started = time.monotonic()
    again = target.roll_out(v2, deadline_s=DEADLINE_S, on_tick=Ticks())
    assert (again.ok, again.state) == (True, "unchanged") and len(again.instances) == 2
    assert time.monotonic() - started < 5
    assert swarm_engine.api.inspect_service(service_name(service, "test"))["UpdateStatus"]["State"] == "completed"


def test_an_update_whose_app_exits_at_once_is_rolled_back_and_reported_failed(
        target: SwarmTarget, images: dict[str, str], swarm_names: Callable[[], str], tmp_path: Path,
        swarm_engine: Any) -> None:
    service = swarm_names()
    assert target.roll_out(swarm_config(service, "1", images["1"], tmp_path), deadline_s=DEADLINE_S,
                           on_tick=Ticks()).ok
    bad = swarm_config(service, "2", images["2"], tmp_path, env={"HELLO_EXIT_AT_START": "3"})
    report = target.roll_out(bad, deadline_s=DEADLINE_S, on_tick=Ticks())
    assert not report.ok
    assert report.state in ("rollback_completed", "paused", "rollback_paused"), report
    assert "exit code 3" in report.message or "rollback" in report.message, report.message
    assert report.failed_output is not None
    assert any("HELLO_EXIT_AT_START" in line for line in report.failed_output.lines), report.failed_output
    wait_until(lambda: sorted(task_version(t) for t in tasks_running(swarm_engine, service, "test")) == ["1", "1"],
               30, "the old version running again")
    assert _versions_served([s.ref for s in target.running(service, "test")]) == ["1", "1"]


def test_an_update_that_swarm_pauses_is_a_failure_too(
        target: SwarmTarget, images: dict[str, str], swarm_names: Callable[[], str], tmp_path: Path) -> None:
    service = swarm_names()
    good = swarm_config(service, "1", images["1"], tmp_path, replicas=1)
    assert target.roll_out(good, deadline_s=DEADLINE_S, on_tick=Ticks()).ok
    pause = {**good.target_settings["update"], "failure_action": "pause"}
    bad = dataclasses.replace(good, version="2", env={**good.env, "HELLO_EXIT_AT_START": "6"},
                              target_settings={**good.target_settings, "update": pause})
    report = target.roll_out(bad, deadline_s=DEADLINE_S, on_tick=Ticks())
    assert (report.ok, report.state) == (False, "paused"), report.message
    assert "exit code 6" in report.message
    again = target.roll_out(good, deadline_s=DEADLINE_S, on_tick=Ticks())     # the verified-good spec, issued anew
    assert (again.ok, again.state) == (True, "completed"), again.message
    assert _versions_served(again.instances) == ["1"]


def test_put_back_the_previous_spec_after_swarm_rolled_back_is_unchanged(
        target: SwarmTarget, images: dict[str, str], swarm_names: Callable[[], str], tmp_path: Path) -> None:
    service = swarm_names()
    good = swarm_config(service, "1", images["1"], tmp_path, replicas=1)
    assert target.roll_out(good, deadline_s=DEADLINE_S, on_tick=Ticks()).ok
    bad = dataclasses.replace(good, version="2", env={**good.env, "HELLO_EXIT_AT_START": "4"})
    assert not target.roll_out(bad, deadline_s=DEADLINE_S, on_tick=Ticks()).ok
    back = target.roll_out(good, deadline_s=DEADLINE_S, on_tick=Ticks())
    assert (back.ok, back.state) == (True, "unchanged"), back.message


def test_a_first_deploy_that_keeps_failing_is_reported_and_taken_down(
        target: SwarmTarget, images: dict[str, str], swarm_names: Callable[[], str], tmp_path: Path,
        swarm_engine: Any) -> None:
    service = swarm_names()
    crashing = swarm_config(service, "1", images["1"], tmp_path, replicas=1, env={"HELLO_EXIT_AT_START": "5"})
    report = target.roll_out(crashing, deadline_s=DEADLINE_S, on_tick=Ticks())
    assert (report.ok, report.state) == (False, "failed")
    assert "exit code 5" in report.message
    assert report.failed_output is not None and report.failed_output.exit_status == "exited with code 5"
    assert target.take_down(service, "test") is True
    assert swarm_engine.api.services(filters={"name": service_name(service, "test")}) == []
    assert target.take_down(service, "test") is False
    assert target.running(service, "test") == []


def test_preflight_refuses_an_image_the_engine_does_not_have(
        target: SwarmTarget, swarm_engine: Any, tmp_path: Path) -> None:
    config = swarm_config("nosuch", "1", "", tmp_path, image="127.0.0.1:1/shipmate-test/no-such-image:1")
    with pytest.raises(PrerequisiteMissingError, match="not in the local Docker engine"):
        target.preflight(config)


def test_swarm_declares_a_native_rollout_and_refuses_to_start_single_instances(target: SwarmTarget) -> None:
    can = capabilities_of("swarm")
    assert can is not None and can.native_rollout and can.routable and can.replicas
    with pytest.raises(TargetError, match="one by one"):
        target.start(None)  # type: ignore[arg-type]


def test_preflight_accepts_a_manager_with_the_image_and_refuses_more_fixed_port_tasks_than_nodes(
        target: SwarmTarget, images: dict[str, str], swarm_engine: Any, tmp_path: Path) -> None:
    target.preflight(swarm_config("pre", "1", images["1"], tmp_path, replicas=2))
    nodes = len(swarm_engine.nodes.list())
    fixed = swarm_config("pre", "1", images["1"], tmp_path, replicas=nodes + 1, published_port=9,
                         update={"order": "stop-first"}, rollback={"order": "stop-first"})
    with pytest.raises(PrerequisiteMissingError, match="need as many nodes") as caught:
        target.preflight(fixed)
    assert "published_port: null" in str(caught.value.hint)
    assert swarm_engine.api.services(filters={"name": service_name("pre", "test")}) == []


def test_a_service_of_that_name_that_is_not_ours_is_left_alone(
        target: SwarmTarget, images: dict[str, str], swarm_names: Callable[[], str], tmp_path: Path,
        swarm_engine: Any) -> None:
    service = swarm_names()
    name = service_name(service, "test")
    swarm_engine.api.create_service({"ContainerSpec": {"Image": images["1"]}}, name=name,
                                    labels={"shipmate.service": service}, mode={"Replicated": {"Replicas": 0}})
    with pytest.raises(TargetError, match="not this shipmate home's"):
        target.roll_out(swarm_config(service, "1", images["1"], tmp_path), deadline_s=DEADLINE_S, on_tick=Ticks())
    assert swarm_engine.api.inspect_service(name)["Version"]["Index"] > 0
    assert "shipmate.home" not in swarm_engine.api.inspect_service(name)["Spec"]["Labels"]


def test_task_ports_listen_on_loopback_only_when_the_engine_binds_there(
        target: SwarmTarget, images: dict[str, str], swarm_names: Callable[[], str], tmp_path: Path,
        swarm_engine: Any) -> None:
    if not published_on_loopback(swarm_engine):
        pytest.skip("this engine was started without --ip 127.0.0.1 (.ci/docker-engine adds it)")
    service = swarm_names()
    report = target.roll_out(swarm_config(service, "1", images["1"], tmp_path, replicas=1), deadline_s=DEADLINE_S,
                             on_tick=Ticks())
    assert report.ok, report.message
    port = report.instances[0].port
    bound = {c.laddr.ip for c in psutil.net_connections(kind="tcp") if c.status == "LISTEN" and c.laddr.port == port}
    assert bound == {"127.0.0.1"}
