"""What an instance said last and where it listens: the raw material of start-failure messages."""

from __future__ import annotations

import socket
from collections.abc import Callable

from target_support import TrackedTarget, log_handle, python_argv
from tests.waiting import free_port, port_open, wait_until

from shipmate.model import LaunchSpec


def test_last_output_is_the_apps_own_lines_and_how_it_exited(
        target: TrackedTarget, make_launch: Callable[..., LaunchSpec]) -> None:
    code = """
        import sys
        print('starting')
        print('', flush=True)
        print('config error: no DATABASE_URL', file=sys.stderr)
        sys.exit(3)
    """
    launch = make_launch(python_argv(code))
    ref = target.start(launch)
    wait_until(lambda: not target.is_alive(ref), 20, "the instance to exit")
    out = target.last_output(ref.handle, 3)
    assert out.lines == ["starting", "config error: no DATABASE_URL"]
    assert out.exit_status == "exited with code 3"
    assert target.last_output(ref.handle, 1).lines == ["config error: no DATABASE_URL"]


def test_a_running_instance_has_no_exit_status_and_a_missing_log_says_nothing(
        target: TrackedTarget, make_launch: Callable[..., LaunchSpec]) -> None:
    launch = make_launch(python_argv("import time\nprint('up', flush=True)\ntime.sleep(30)"))
    ref = target.start(launch)
    wait_until(lambda: target.last_output(ref.handle, 3).lines == ["up"], 20, "its first line")
    assert target.last_output(ref.handle, 3).exit_status is None
    target.stop(ref, grace=1)
    assert target.last_output(log_handle(launch.log_path + ".none"), 3).lines == []


def test_listening_ports_covers_the_apps_children(
        target: TrackedTarget, make_launch: Callable[..., LaunchSpec]) -> None:
    fixed = free_port()
    code = f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, '-c',
            'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", {fixed})); s.listen(); time.sleep(60)'])
        time.sleep(60)
    """
    ref = target.start(make_launch(python_argv(code), port=free_port()))
    wait_until(lambda: port_open(fixed), 20, "the grandchild to listen")
    assert target.listening_ports(ref) == [fixed]
    target.stop(ref, grace=1)
    assert target.listening_ports(ref) == []
    assert not port_open(fixed)
    with socket.socket() as probe:  # the port is free again: nothing of the instance survived
        probe.bind(("127.0.0.1", fixed))
