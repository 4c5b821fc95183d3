"""What the Swarm target says about one task once a release runs: its log (from the container on this node and
from the service logs API, which reaches any node), its CPU and memory, how it ended, and which running tasks of
this home the store does not know (strays after a crash)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from swarm_support import Ticks, swarm_config
from tests.docker_images import hello_image
from tests.waiting import wait_until

from shipmate.model import InstanceRef
from shipmate.targets.swarm import SwarmTarget, home_id_of
from shipmate.targets.swarm_observe import service_log_lines


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def running(home: Path, swarm_engine: Any, swarm_names: Callable[[], str], tmp_path: Path
            ) -> tuple[SwarmTarget, str, InstanceRef]:
    """One task of a fresh service, and the target (given the session's client) that made it."""
    target = SwarmTarget(swarm_engine)
    target.use_home(home)
    service = swarm_names()
    config = dataclasses.replace(swarm_config(service, "1", hello_image(swarm_engine, "1"), tmp_path, replicas=1),
                                 extra={"deployment_id": "dep_swarm_1"})
    report = target.roll_out(config, deadline_s=60, on_tick=Ticks())
    assert report.ok, report.message
    return target, service, report.instances[0]


def test_a_tasks_log_is_read_locally_and_through_the_service_logs_api(
        running: tuple[SwarmTarget, str, InstanceRef], swarm_engine: Any) -> None:
    target, _, ref = running
    wait_until(lambda: any("listening on" in line for line in target.read_logs(ref.handle, 20)), 20,
               "the app's first line in read_logs")
    assert target.read_logs(ref.handle, 20)[0][:4].isdigit()               # read_logs keeps the timestamps
    assert any(line.startswith("listening on") for line in target.last_output(ref.handle, 5).lines)
    assert target.last_output(ref.handle, 5).exit_status is None
    wait_until(lambda: any("listening on" in line for line in service_log_lines(swarm_engine, ref.handle, 20,
                                                                                  timestamps=False)),
               20, "the same line from the service logs API")
    assert all("com.docker.swarm" not in line for line in service_log_lines(swarm_engine, ref.handle, 20, False))


def test_usage_of_a_local_task_comes_from_docker_stats(running: tuple[SwarmTarget, str, InstanceRef]) -> None:
    target, _, ref = running
    usage = target.usage(ref.handle)
    assert usage is not None and usage.rss_bytes > 0
    assert list(usage.cpu_s_by_process) == [ref.handle["container_id"]]


def test_running_tasks_the_store_does_not_know_are_strays_with_their_deployment(
        running: tuple[SwarmTarget, str, InstanceRef], home: Path) -> None:
    target, _, ref = running
    strays = target.find_strays(home_id_of(home), set())
    assert [s.instance_id for s in strays] == [ref.instance_id]
    assert target.deployment_of(strays[0]) == "dep_swarm_1"
    assert target.find_strays(home_id_of(home), {ref.instance_id}) == []
    assert target.find_strays("some-other-home", set()) == []
    target.stop(ref, 1.0)                                  # Swarm owns the task: stop() leaves it running
    assert target.inspect(ref.handle).alive


def test_a_task_replaced_by_take_down_is_seen_as_ended(running: tuple[SwarmTarget, str, InstanceRef]) -> None:
    target, service, ref = running
    assert target.take_down(service, "test")
    state = target.inspect(ref.handle)
    assert not state.alive and state.state in ("exited", "gone")
    assert target.usage(ref.handle) is None
    assert target.listening_ports(ref) == []
