"""The swarm cluster never outlives its test on a shared host: not after a failed setup, not after a SIGKILL."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from tests.swarm_cluster import cluster_unavailable, swarm_cluster_running
from tests.swarm_host import ClusterUnavailableError, check_prerequisites, reap_abandoned, traces_of

REPO = Path(__file__).resolve().parents[2]
UP_TIMEOUT_S = 60.0

HOLD_A_CLUSTER = """
import sys, time
from tests.swarm_cluster import cluster_unavailable, swarm_cluster_running
with swarm_cluster_running(sys.argv[1]) as cluster:
    print(cluster.manager.url, flush=True)
    time.sleep(120)
"""


@pytest.fixture
def prerequisites() -> None:
    try:
        check_prerequisites()
    except ClusterUnavailableError as exc:
        cluster_unavailable(exc)


def test_without_root_the_cluster_skips_with_the_reason_or_fails_when_docker_is_required(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(ClusterUnavailableError, match="needs root") as caught:
        check_prerequisites()

    monkeypatch.delenv("SHIPMATE_REQUIRE", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"swarm cluster: a second dockerd .* needs root"):
        cluster_unavailable(caught.value)
    monkeypatch.setenv("SHIPMATE_REQUIRE", "docker")
    with pytest.raises(pytest.fail.Exception, match=r"docker is required .* needs root"):
        cluster_unavailable(caught.value)


@pytest.mark.usefixtures("prerequisites")
def test_a_setup_that_fails_half_way_leaves_the_host_as_found() -> None:
    tag = uuid.uuid4().hex[:6]
    with pytest.raises(RuntimeError, match="worker dockerd exited"), \
            swarm_cluster_running(tag, worker_flags=("--no-such-flag",)):
        pass  # the manager, its swarm and the netns exist when the worker fails to start

    assert traces_of(tag) == []


@pytest.mark.usefixtures("prerequisites")
def test_a_cluster_whose_session_was_killed_is_undone_by_the_next_session() -> None:
    tag = uuid.uuid4().hex[:6]
    holder = subprocess.Popen([sys.executable, "-c", HOLD_A_CLUSTER, tag], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout is not None
        ready, _, _ = select.select([holder.stdout], [], [], UP_TIMEOUT_S)
        line = holder.stdout.readline() if ready else "(no cluster within the timeout)"
        assert line.startswith("unix://"), holder.stderr.read() if holder.stderr else line
        assert any(trace.startswith("process") for trace in traces_of(tag))
    finally:
        holder.send_signal(signal.SIGKILL)  # no teardown runs: both dockerds and the netns stay behind
        holder.wait(timeout=10)

    left_behind = traces_of(tag)
    assert any(trace.startswith("netns") for trace in left_behind), left_behind
    started = time.monotonic()
    reaped = reap_abandoned()

    assert any(name.startswith(f"shipmate-sw-{tag}-") for name in reaped)
    assert traces_of(tag) == []
    assert time.monotonic() - started < UP_TIMEOUT_S
