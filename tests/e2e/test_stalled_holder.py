"""A live but frozen `shipmate deploy` (SIGSTOP) must not block the service forever: once its heartbeat
is 3 leases old the next command takes over (audited `stalled`), and the holder, woken, only exits 4."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli_project import Project
from tests.waiting import wait_until

LEASE = "1"  # seconds: the frozen deploy is stalled after 3 s of silence instead of 45 s


def _lock(project: Project) -> dict[str, Any]:
    locks = project.json("lock", "status")["locks"]
    assert len(locks) == 1, locks
    lock: dict[str, Any] = locks[0]
    return lock


def _write_lock_free(db: Path) -> bool:
    conn = sqlite3.connect(db, timeout=1.0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def _all_threads_stopped(pid: int) -> bool:
    """Every thread in state T (stopped), read from /proc/PID/task/*/stat."""
    states = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            states.append(task.joinpath("stat").read_text().rpartition(")")[2].split()[0])
        except (OSError, IndexError):
            continue  # a thread that just ended
    return bool(states) and all(state in ("T", "t") for state in states)


def _freeze_outside_a_write(pid: int, db: Path) -> None:
    """SIGSTOP ``pid`` at a moment it holds no SQLite write transaction.

    A process frozen inside one (a heartbeat commit lasts milliseconds) keeps SQLite's write lock,
    which nobody else can break: that case still needs SIGCONT or a kill, and is not what this tests.
    """
    for _ in range(20):
        os.kill(pid, signal.SIGSTOP)
        # kill() returns before the stop lands: a thread may still run into a transaction meanwhile.
        wait_until(lambda: _all_threads_stopped(pid), 10, f"every thread of pid {pid} to stop")
        if _write_lock_free(db):
            return
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.05)  # let it finish its commit, then try another moment
    raise AssertionError("never caught the deploy outside a write transaction")


def _serves(project: Project, version: str) -> bool:
    try:
        return project.get("/", timeout=2)["version"] == version
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("second", ["recover", "deploy"])
def test_a_frozen_deploy_is_taken_over_as_stalled_and_cannot_act_when_it_wakes(
        project: Project, second: str) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    project.spec("2.0.0", monitor="120s")  # a long window: the deploy is surely still watching when frozen
    deploy = project.spawn("deploy", "--json", env={"SHIPMATE_LEASE_SECONDS": LEASE})
    stopped = False
    try:
        wait_until(lambda: _serves(project, "2.0.0") or deploy.poll() is not None, 60, "the switch to 2.0.0")
        assert deploy.poll() is None, deploy.communicate(timeout=10)
        stopped = True
        _freeze_outside_a_write(deploy.pid, project.home() / "state.db")
        # Alive but silent: lock status (which never reconciles) shows it held, then stalled.
        assert _lock(project)["owner_alive"] is True
        wait_until(lambda: _lock(project)["stalled"] is True, 30, "the frozen holder to count as stalled")
        assert _lock(project)["held"] is False

        if second == "recover":
            recovered = project.json("recover")["recovered"]
            assert [r["outcome"] for r in recovered if "outcome" in r] == ["rolled_back"]
            expected = "1.0.0"
        else:
            project.spec("3.0.0")
            assert project.json("deploy")["state"] == "succeeded"
            expected = "3.0.0"
        events = project.json("events", "--limit", "500")["events"]
        taken = [e for e in events if e["event_type"] == "lock.taken_over"]
        assert len(taken) == 1 and taken[0]["data"]["reason"] == "stalled", taken
        assert taken[0]["data"]["previous_owner"]["pid"] == deploy.pid
        assert "owner stalled" in taken[0]["notes"]
        recovering = [e for e in events if e["event_type"] == "deployment.recovering"]
        assert len(recovering) == 1 and "stalled" in recovering[0]["notes"], recovering
        assert project.json("status")["environments"][0]["current"]["version"] == expected
        assert _serves(project, expected)

        os.kill(deploy.pid, signal.SIGCONT)
        stopped = False
        out, err = project.finish(deploy, 60)
        assert deploy.returncode == 4, f"{deploy.returncode}\n{out}\n{err}"
        # (stale_fencing: the router refused its route change first, once routes are fenced too)
        assert json.loads(out)["error"]["code"] in {"lock_lost", "stale_fencing"}, out
        # Woken, it moved nothing: the release current before it woke is current and serves.
        env = project.json("status")["environments"][0]
        assert env["current"]["version"] == expected and env["serving"] is True
        assert env["deployment_in_progress"] is None
        assert _serves(project, expected)
        wait_until(lambda: len(project.instance_apps()) == 1, 15, f"only {expected}'s instance left")
        frozen = [d for d in project.json("history")["deployments"] if d["version"] == "2.0.0"]
        assert [d["state"] for d in frozen] == ["rolled_back"]
        chain = project.json("events", "--verify", "--limit", "10000")["chain"]
        assert chain["ok"] and chain["mirror_ok"], chain
    finally:
        if stopped and deploy.poll() is None:
            os.kill(deploy.pid, signal.SIGCONT)  # the fixture then kills and reaps it
