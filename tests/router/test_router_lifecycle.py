"""Daemon lifecycle: durability across SIGKILL, single instance per home, refusals, shutdown."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest
from router_support import DaemonTracker, free_port, http_get, wait_for

from shipmate.errors import PrerequisiteMissingError, TargetError
from shipmate.ports import port_is_free
from shipmate.router.client import RouterClient
from shipmate.router.paths import RouterPaths
from shipmate.traffic import Backend, RouteSpec


def _route(daemon: DaemonTracker, port: int, backend_port: int, instance: str = "i1") -> None:
    daemon.client.set_backends(RouteSpec(port, "web", "prod", mode="tcp"),
                               [Backend("127.0.0.1", backend_port, instance_id=instance)], fencing=0)


def test_routes_survive_sigkill_and_are_restored_on_start(daemon: DaemonTracker, backends: Any) -> None:
    a = backends("A")
    port = free_port()
    _route(daemon, port, a.port)
    saved = json.loads(RouterPaths.for_home(daemon.state_dir).routes_file.read_text())
    assert [r["port"] for r in saved["routes"]] == [port]

    old_pid = daemon.client.ensure_daemon()
    os.kill(old_pid, signal.SIGKILL)
    psutil.Process(old_pid).wait(timeout=10)
    assert not daemon.client.is_running()

    new_pid = daemon.start()
    assert new_pid != old_pid
    [route] = daemon.client.routes()
    assert route["port"] == port and route["backends"][0]["port"] == a.port
    assert route["listening"] is True and route["error"] is None
    assert http_get(port) == "A"


def test_taken_port_is_refused_and_table_unchanged(daemon: DaemonTracker, backends: Any) -> None:
    a = backends("A")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        assert not port_is_free(taken)
        with pytest.raises(PrerequisiteMissingError, match=f"port {taken} is already in use") as info:
            _route(daemon, taken, a.port)
        assert info.value.hint
    assert daemon.client.routes() == []
    assert not RouterPaths.for_home(daemon.state_dir).routes_file.exists()


def test_restored_route_that_cannot_bind_is_reported_and_others_served(
    daemon: DaemonTracker, backends: Any
) -> None:
    a = backends("A")
    good, contested = free_port(), free_port()
    _route(daemon, good, a.port)
    _route(daemon, contested, a.port)
    daemon.client.shutdown()
    for pid in daemon.pids:
        psutil.Process(pid).wait(timeout=10)
    with socket.socket() as squatter:
        wait_for(lambda: port_is_free(contested), what="old listener gone")
        squatter.bind(("127.0.0.1", contested))
        squatter.listen()
        daemon.start()
        by_port = {r["port"]: r for r in daemon.client.routes()}
        assert by_port[contested]["listening"] is False
        assert "cannot listen" in by_port[contested]["error"]
        assert by_port[good]["listening"] is True
        assert http_get(good) == "A"
    _route(daemon, contested, a.port)  # set_route retries the bind once the port is free
    assert http_get(contested) == "A"


def test_second_daemon_for_same_home_exits_at_once(daemon: DaemonTracker) -> None:
    pid = daemon.client.ensure_daemon()
    result = subprocess.run(
        [sys.executable, "-m", "shipmate.router", "--home", str(daemon.state_dir)],
        timeout=30, capture_output=True,
    )
    assert result.returncode == 0
    assert daemon.client.ensure_daemon() == pid


def test_control_socket_is_private(daemon: DaemonTracker, runtime_dir: Path) -> None:
    sock_path = RouterPaths.for_home(daemon.state_dir).socket_path
    assert sock_path.parent == runtime_dir
    assert stat.S_IMODE(sock_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(runtime_dir.stat().st_mode) == 0o700


def test_deep_state_dir_still_gets_a_short_socket_path(tmp_path: Path, runtime_dir: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-directory-name"] * 8, ".shipmate")
    tracker = DaemonTracker(deep)
    try:
        tracker.start()
        assert len(str(tracker.client.paths.socket_path)) < 108
        assert tracker.client.is_running()
    finally:
        tracker.stop_all()


def test_shutdown_if_idle_stops_only_with_an_empty_table(daemon: DaemonTracker, backends: Any) -> None:
    a = backends("A")
    port = free_port()
    _route(daemon, port, a.port)
    assert daemon.client.shutdown_if_idle() is False
    assert daemon.client.is_running()
    daemon.client.remove(port, fencing=0)
    assert daemon.client.shutdown_if_idle() is True
    for pid in daemon.pids:
        psutil.Process(pid).wait(timeout=10)
    assert not daemon.client.is_running()


def test_calls_without_a_daemon_raise_target_error(tmp_path: Path, runtime_dir: Path) -> None:
    client = RouterClient(tmp_path / ".shipmate")
    assert client.is_running() is False
    with pytest.raises(TargetError, match="not reachable"):
        client.routes()


def test_corrupt_route_table_refuses_to_start_with_a_hint(tmp_path: Path, runtime_dir: Path) -> None:
    paths = RouterPaths.for_home(tmp_path / ".shipmate")
    paths.router_dir.mkdir(parents=True)
    paths.routes_file.write_text("{not json")
    tracker = DaemonTracker(tmp_path / ".shipmate")
    try:
        with pytest.raises(PrerequisiteMissingError) as info:
            tracker.client.ensure_running(timeout=20)
        assert str(paths.log_file) in (info.value.hint or "")
        assert "corrupt" in paths.log_file.read_text()
    finally:
        tracker.stop_all()


def test_invalid_route_is_refused_without_touching_the_table(daemon: DaemonTracker) -> None:
    with pytest.raises(TargetError, match="ports must be 1-65535"):
        daemon.client.set_backends(RouteSpec(0, "web", "prod", mode="tcp"), [Backend("127.0.0.1", 70000)],
                                   fencing=0)
    assert daemon.client.routes() == []
    assert daemon.client.is_running()
