"""The target contract, written once and run against every registered kind with real instances.

What the engine, recovery and status rely on from any target: start / inspect / logs / ports / stop,
strays found after a crash, preflight that refuses before anything is written, declared capabilities.
"""

from __future__ import annotations

import http.client
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from contract_kinds import DEPLOYMENT_ID, FACTORIES, KindUnderTest
from tests.waiting import free_port, port_open, wait_until

from shipmate.errors import InvalidInputError, PrerequisiteMissingError
from shipmate.model import InstanceRef
from shipmate.targets.base import Capabilities, InstanceState
from shipmate.targets.registry import capabilities_of, target_for, target_kinds

START_TIMEOUT = 30.0   # a loaded 2-core machine; every wait is bounded


def _one_by_one_kinds() -> tuple[str, ...]:
    """Kinds whose instances the engine starts and stops one at a time. A native rollout (Swarm: the engine behind
    the target replaces tasks itself, start() refuses, stop() is a no-op) is held to tests/targets/test_swarm_*."""
    return tuple(k for k in target_kinds() if not getattr(capabilities_of(k), "native_rollout", False)
                 and not getattr(capabilities_of(k), "file_set", False))   # files: tests/targets/test_files_*


@pytest.fixture(params=_one_by_one_kinds())
def kind(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KindUnderTest]:
    factory = FACTORIES.get(request.param)
    if factory is None:
        pytest.fail(f"target kind {request.param!r} has no contract factory in tests/targets/contract_kinds.py")
    under_test = factory(tmp_path, f"contract-{uuid.uuid4().hex[:12]}")
    yield under_test
    for ref in under_test.target.find_strays(under_test.home_id, set()):  # whatever a failed test left
        under_test.target.stop(ref, 0.5)
    under_test.cleanup()


def _get(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/")
        return conn.getresponse().status
    finally:
        conn.close()


def _serving(kind: KindUnderTest, instance_id: str) -> tuple[InstanceRef, int]:
    port = free_port()
    ref = kind.target.start(kind.server(instance_id, port))
    # An answer, not an open port: a container's published port is open (the engine's proxy) before the app.
    wait_until(lambda: _answers(port), START_TIMEOUT, f"{kind.kind} server to answer on {port}")
    return ref, port


def _answers(port: int) -> bool:
    try:
        return _get(port) == 200
    except OSError:
        return False


def test_a_started_instance_runs_listens_and_its_output_is_read_by_handle(kind: KindUnderTest) -> None:
    ref, port = _serving(kind, "c-serve")
    assert (ref.instance_id, ref.port) == ("c-serve", port)
    seen = kind.target.inspect(ref.handle)
    assert isinstance(seen, InstanceState) and (seen.alive, seen.state, seen.exit_status) == (True, "running", None)
    assert kind.target.is_alive(ref)
    assert _get(port) == 200
    wait_until(lambda: port in kind.target.listening_ports(ref), START_TIMEOUT, "the port in listening_ports")
    wait_until(lambda: any(kind.server_says in line for line in kind.target.read_logs(ref.handle, 50)),
               START_TIMEOUT, "the server's own line in read_logs")
    assert len(kind.target.read_logs(ref.handle, 1)) == 1
    assert any(kind.server_says in line for line in kind.target.last_output(ref.handle, 10).lines)
    assert kind.target.last_output(ref.handle, 10).exit_status is None


def test_stop_is_polite_then_forced_after_grace_and_safe_to_repeat(kind: KindUnderTest) -> None:
    polite, port = _serving(kind, "c-polite")
    stubborn = kind.target.start(kind.stubborn("c-stubborn", free_port()))
    assert kind.target.is_alive(stubborn)
    began = time.monotonic()
    kind.target.stop(polite, grace=10.0)
    assert time.monotonic() - began < 8.0, "a server that honours SIGTERM must not wait out the grace"
    assert not port_open(port)
    began = time.monotonic()
    kind.target.stop(stubborn, grace=0.5)
    took = time.monotonic() - began
    assert 0.4 <= took < 10.0, f"an instance ignoring the polite stop is forced after the grace (took {took:.2f}s)"
    for ref in (polite, stubborn):
        seen = kind.target.inspect(ref.handle)
        assert not seen.alive and seen.state in ("exited", "gone")
        assert not kind.target.is_alive(ref)
        kind.target.stop(ref, grace=0.5)       # stopping a stopped instance is fine
        assert kind.target.listening_ports(ref) == []


def test_an_instance_that_exits_by_itself_says_how_and_keeps_its_last_words(kind: KindUnderTest) -> None:
    ref = kind.target.start(kind.exiting("c-exit", 3))
    wait_until(lambda: not kind.target.inspect(ref.handle).alive, START_TIMEOUT, "the instance to exit")
    seen = kind.target.inspect(ref.handle)
    assert seen.state == "exited" and seen.exit_status is not None and "3" in seen.exit_status
    out = kind.target.last_output(ref.handle, 5)
    assert out.lines and out.lines[-1] == kind.exiting_says
    assert out.exit_status == seen.exit_status


def test_usage_is_measured_while_it_runs_and_none_once_it_is_gone(kind: KindUnderTest) -> None:
    if not kind.target.capabilities.process_stats:
        pytest.skip(f"{kind.kind} declares no process stats")
    ref, _ = _serving(kind, "c-usage")
    seen = kind.target.usage(ref.handle)
    assert seen is not None and seen.rss_bytes > 1024 * 1024 and seen.cpu_s_by_process
    assert all(seconds >= 0.0 for seconds in seen.cpu_s_by_process.values())
    kind.target.stop(ref, grace=5.0)
    assert kind.target.usage(ref.handle) is None


def test_a_handle_nobody_made_is_gone_not_an_error(kind: KindUnderTest) -> None:
    seen = kind.target.inspect({})
    assert (seen.alive, seen.state) == (False, "gone")
    assert kind.target.read_logs({}, 10) == [] and kind.target.last_output({}, 3).lines == []
    assert kind.target.usage({}) is None


def test_strays_are_the_instances_of_this_home_nobody_knows(kind: KindUnderTest) -> None:
    known = kind.target.start(kind.stubborn("c-known", free_port()))
    stray_port = free_port()
    stray = kind.target.start(kind.stubborn("c-stray", stray_port))
    found = kind.target.find_strays(kind.home_id, {known.instance_id})
    assert [ref.instance_id for ref in found] == [stray.instance_id]
    assert found[0].port == stray_port
    assert kind.target.deployment_of(found[0]) == DEPLOYMENT_ID
    assert kind.target.inspect(found[0].handle).alive
    assert kind.target.find_strays(f"other-{uuid.uuid4().hex}", set()) == []
    kind.target.stop(found[0], grace=0.5)              # a stray's ref is enough to stop it
    assert not kind.target.is_alive(stray)
    assert [ref.instance_id for ref in kind.target.find_strays(kind.home_id, set())] == [known.instance_id]
    kind.target.stop(known, grace=0.5)


def test_preflight_accepts_a_runnable_release_and_refuses_a_missing_command_or_folder(
        kind: KindUnderTest, tmp_path: Path) -> None:
    kind.target.preflight(kind.runnable)
    with pytest.raises(PrerequisiteMissingError, match="no-such-command-contract") as no_command:
        kind.target.preflight(kind.without_command(kind.runnable))
    assert no_command.value.hint
    with pytest.raises(PrerequisiteMissingError, match="no-such-folder") as no_folder:
        kind.target.preflight(kind.without_folder(kind.runnable, tmp_path))
    assert no_folder.value.hint
    assert kind.target.find_strays(kind.home_id, set()) == []   # a refusal starts nothing


def test_capabilities_are_declared(kind: KindUnderTest) -> None:
    caps = kind.target.capabilities
    assert isinstance(caps, Capabilities)
    assert kind.target.kind == kind.kind
    assert caps.max_replicas >= 1 and (caps.replicas or caps.max_replicas == 1)


def test_targets_are_found_by_kind_and_an_unknown_kind_names_the_known_ones() -> None:
    assert "process" in target_kinds()
    assert all(target_for(k).kind == k for k in target_kinds())
    assert target_for("process") is not target_for("process")   # a fresh target each time
    with pytest.raises(InvalidInputError, match="unknown target kind 'kubernetes'") as caught:
        target_for("kubernetes")
    assert caught.value.hint is not None and "process" in caught.value.hint
