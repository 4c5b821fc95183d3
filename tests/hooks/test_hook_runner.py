"""Hooks run as real processes: exit codes, timeouts that kill the whole group, commands that do not exist."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import psutil
from tests.waiting import wait_until

from shipmate.hooks.invocation import HookInvocation
from shipmate.hooks.runner import run_all, run_hook


def _inv(tmp_path: Path, code: str, timeout: float = 10.0) -> HookInvocation:
    return HookInvocation("pre_deploy", (sys.executable, "-c", code), tmp_path,
                          {"SHIPMATE_VERSION": "1.0", "PATH": "/usr/bin:/bin"}, timeout)


def test_a_passing_hook_runs_in_the_project_folder_with_its_environment(tmp_path: Path) -> None:
    code = "import os; open('seen', 'w').write(os.environ['SHIPMATE_VERSION']); print('done')"
    out = run_hook(_inv(tmp_path, code))
    assert out.ok and out.exit_code == 0 and out.tail == ("done",)
    assert (tmp_path / "seen").read_text() == "1.0"


def test_a_failing_hook_reports_its_exit_code_and_last_lines(tmp_path: Path) -> None:
    out = run_hook(_inv(tmp_path, "import sys; print('migrations pending'); sys.exit(3)"))
    assert not out.ok and out.exit_code == 3 and out.problem == "exit 3" and out.tail == ("migrations pending",)


def test_a_hook_over_its_timeout_is_killed_with_its_children(tmp_path: Path) -> None:
    code = ("import subprocess, sys, time; "
            "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
            "open('child', 'w').write(str(c.pid)); print('started', flush=True); time.sleep(60)")
    began = time.monotonic()
    out = run_hook(_inv(tmp_path, code, timeout=1.0))
    assert time.monotonic() - began < 10
    assert not out.ok and out.exit_code is None and out.problem == "timed out after 1s"
    child = int((tmp_path / "child").read_text())
    wait_until(lambda: not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE,
               10, "the hook's child to be killed")


def test_a_missing_command_is_a_clear_problem_not_an_exception(tmp_path: Path) -> None:
    inv = HookInvocation("pre_deploy", ("./no-such-script.sh",), tmp_path, {}, 5.0)
    out = run_hook(inv)
    assert not out.ok and out.problem == "command not found: ./no-such-script.sh"


def test_pre_hooks_stop_at_the_first_failure_post_hooks_run_them_all(tmp_path: Path) -> None:
    invs = [_inv(tmp_path, "import sys; sys.exit(1)"), _inv(tmp_path, "open('second', 'w').write('x')")]
    assert len(run_all(invs, stop_on_failure=True)) == 1 and not (tmp_path / "second").exists()
    assert [o.ok for o in run_all(invs, stop_on_failure=False)] == [False, True]
    assert (tmp_path / "second").exists()
