"""A window that was not really watched must not verify a release: freeze the deploy that
watches it (SIGSTOP), let it wake up after its window has passed, and it may not say pass."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from tests.e2e.cli_project import Project
from tests.waiting import wait_until

FREEZE_S = 8.0


def _in_progress_state(project: Project) -> str | None:
    status = project.json("status")
    busy = status["environments"][0].get("deployment_in_progress")
    return None if busy is None else str(busy["state"])


@pytest.mark.slow
def test_a_window_frozen_for_most_of_its_span_is_inconclusive_and_rolls_back(project: Project) -> None:
    project.spec("1.0.0", monitor="1s")
    project.json("deploy")
    project.spec("2.0.0", monitor="10s")
    proc = project.spawn("deploy", "--json")
    wait_until(lambda: _in_progress_state(project) == "monitoring", 60, "the deploy to start monitoring")
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        time.sleep(FREEZE_S)  # the freeze itself is the behaviour under test, not a synchronisation
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, f"{out}\n{err}"
    verdict = json.loads(out)["error"]["details"]["verdict"]
    assert verdict["phase"] == "inconclusive", verdict
    assert str(verdict["decided_by"]).startswith("coverage."), verdict
    assert project.get("/")["version"] == "1.0.0"
    history = project.json("history")["deployments"]
    assert not history[0]["verified"]
